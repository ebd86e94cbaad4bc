package org.homerouter.webui;

import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's cap on one listener's open connections (it stops accepting at the cap, so a new one
 * waits in the kernel's backlog until one closes), saying so in the log once per episode. Jetty's
 * own line is at INFO, which the appliance does not log for Jetty, and was written on every
 * crossing of the cap: an owner whose page hung while LAN devices held every slot found nothing in
 * the log. An episode ends once the listener is back under three quarters of the cap, so a flood
 * that keeps the count near the cap writes one line, not one per connection.
 */
final class ConnectionCap extends NetworkConnectionLimit {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCap.class);

    private final ServerConnector listener;
    private final Duration headerTimeout;
    private final AtomicInteger episodes = new AtomicInteger();
    private volatile boolean reached;

    ConnectionCap(int maxConnections, Duration headerTimeout, ServerConnector listener) {
        super(maxConnections, listener);
        this.listener = listener;
        this.headerTimeout = headerTimeout;
    }

    @Override
    protected void limit() {
        super.limit();
        if (!reached) {
            reached = true;
            episodes.incrementAndGet();
            LOG.warn("web UI: port {} has {} connections open, the most it takes; new ones wait until one"
                    + " closes (idle ones close after {} s). A LAN device opening many connections does this.",
                    listener.getLocalPort(), getMaxNetworkConnectionCount(), headerTimeout.toSeconds());
        }
    }

    @Override
    public void onClosed(SelectableChannel channel) {
        super.onClosed(channel);
        // The accepted ones a selector has not taken up yet count too, as they do towards the cap: a
        // busy router takes them up late, and a close meanwhile ended the episode for a second line.
        if (reached && getNetworkConnectionCount() + getPendingNetworkConnectionCount()
                < getMaxNetworkConnectionCount() * 3 / 4) {
            reached = false;
        }
    }

    /** How many times the cap was reached (episodes, as logged). */
    int episodes() {
        return episodes.get();
    }
}
