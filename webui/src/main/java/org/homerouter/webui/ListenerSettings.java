package org.homerouter.webui;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * What every listener of the web UI gets (plain HTTP, HTTPS, the fuzz test's in-memory one): the
 * HTTP settings and {@link WebServer.Limits}, with the slow-loris guard the server shares among
 * them. Holds no state of its own beyond these, set once.
 */
final class ListenerSettings {
    private final WebServer.Limits limits;
    private final ConnectionGuard guard;

    ListenerSettings(WebServer.Limits limits, ConnectionGuard guard) {
        this.limits = limits;
        this.guard = guard;
    }

    HttpConfiguration httpConfiguration() {
        HttpConfiguration config = new HttpConfiguration();
        // No "Server: Jetty(12.x)" on every answer: it tells a scanner on the LAN which holes to try.
        config.setSendServerVersion(false);
        config.setRequestHeaderSize(limits.maxHeaderBytes());
        config.setIdleTimeout(limits.headerTimeout().toMillis());
        return config;
    }

    /**
     * A TCP listener with the slow-loris guard (the server's, shared) and the connection cap. One
     * acceptor and one selector thread: Jetty sizes them by the CPU count, threads taken for good
     * from the UI's small pool ({@link WebServer#MAX_THREADS}), and one of each keeps up with a
     * config page's traffic.
     */
    ServerConnector connector(Server server, ConnectionFactory... factories) {
        ServerConnector c = new ServerConnector(server, 1, 1, factories);
        c.setIdleTimeout(limits.headerTimeout().toMillis());
        c.addBean(guard, false);
        c.addBean(new ConnectionCap(limits.maxConnections(), limits.headerTimeout(), c));
        return c;
    }
}
