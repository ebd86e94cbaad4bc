package org.homerouter.webui;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.NetworkConnectionLimit;
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

    /** The slow-loris guard and the connection cap on one listener (the guard is the server's, shared). */
    void limit(ServerConnector c) {
        c.setIdleTimeout(limits.headerTimeout().toMillis());
        c.addBean(guard, false);
        c.addBean(new NetworkConnectionLimit(limits.maxConnections(), c));
    }
}
