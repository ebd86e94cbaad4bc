package org.homerouter.pptp.control;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * A control connection's link for tests without TCP: what the connection sends goes to a
 * consumer, and the tasks it posts to its thread run at once on the caller's.
 */
public final class InlineControlLink implements ControlLink {
    private final InetSocketAddress remote;
    private final Consumer<ControlMessage> sent;

    public InlineControlLink(InetAddress peer, Consumer<ControlMessage> sent) {
        this.remote = new InetSocketAddress(peer, 40000);
        this.sent = sent;
    }

    @Override
    public void send(ControlMessage message) {
        sent.accept(message);
    }

    @Override
    public void close() {
    }

    @Override
    public void execute(Runnable task) {
        task.run();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }
}
