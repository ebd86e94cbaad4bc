package org.homerouter.bridge.netns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * TCP connections made and held open inside test namespaces, so that the kernel keeps their
 * connection tracking entries: servers that accept and keep every connection, and clients bound
 * to a given source address. All closed together.
 */
public final class HeldConnections implements AutoCloseable {
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    /** A server at {@code address}:{@code port} in namespace {@code ns} that accepts and holds every connection. */
    public void listen(String ns, String address, int port) throws IOException {
        ServerSocket server = new ServerSocket();
        try (NetworkNamespace.Scope in = NetworkNamespace.enter(ns)) {
            server.bind(new InetSocketAddress(address, port));
        }
        open.add(server);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    open.add(server.accept());
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
    }

    /**
     * A connection from {@code from} in {@code ns} to {@code to}:{@code port}, held open.
     *
     * @throws IOException when it is not made within {@code timeoutMillis} (a SYN dropped: no answer)
     */
    public void connect(String ns, String from, String to, int port, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        open.add(s);
        try (NetworkNamespace.Scope in = NetworkNamespace.enter(ns)) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress(to, port), timeoutMillis);
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }
}
