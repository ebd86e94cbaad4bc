package org.homerouter.pptp.control;

/**
 * The I/O side of a control connection as its state machine sees it: the state machine decides,
 * the link (a Netty channel in production, a list in unit tests) carries it out.
 */
public interface ControlLink {
    /** Queues a message to the peer. */
    void send(ControlMessage message);

    /** Flushes what was sent, then closes the TCP connection. Idempotent. */
    void close();

    /** Runs {@code task} on the connection's own thread, where its state machine lives. */
    void execute(Runnable task);

    /** The peer's address, for logs and for checking the source of GRE packets. */
    java.net.InetSocketAddress remoteAddress();

    /** Our end's address, which the peer dialled: where our GRE for its calls comes from. Null when unknown. */
    default java.net.InetSocketAddress localAddress() {
        return null;
    }
}
