package org.homerouter.webui;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow or greedy clients from starving the UI's other users (slow-loris): a source address
 * may hold at most {@code maxPerSource} connections (more are closed as they open, with one log
 * line per episode), and a connection that has not completed a request header within
 * {@code headerTimeout} of opening or of its previous request is closed.
 *
 * <p>Jetty's idle timeout alone does not do the second: it restarts with every byte, so a client
 * that sends one header byte every few seconds would hold its connection for hours. Jetty counts a
 * request when its header is complete ({@link Connection#getMessagesIn()}) and a response when it
 * is sent, so "no new request, none in progress, for {@code headerTimeout}" is measured from those
 * counters by a sweep, without touching Jetty's internals. Idle keep-alive connections fall under
 * the same rule, which costs a browser nothing but a new connection.
 *
 * <p>Near the listener's cap on connections ({@code maxConnections}), a new connection closes one
 * of the address holding the most (its longest idle, if any is): a few LAN devices could otherwise
 * fill every slot with keep-alive connections that each make a request now and then, and the
 * owner's browser waited in the backlog for as long as they liked.
 */
final class ConnectionGuard extends AbstractLifeCycle implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final Duration headerTimeout;
    private final int maxPerSource;
    /** Open network connections above which a new one closes one of the greediest address's. */
    private final int evictAbove;
    private final Scheduler scheduler;
    /** Open network connections per source address (TLS connections count once). */
    private final Map<InetAddress, Integer> perSource = new ConcurrentHashMap<>();
    /** The network connections counted in {@link #perSource}: each is uncounted once, whether or not Jetty reports its close. */
    private final Map<Connection, InetAddress> counted = new ConcurrentHashMap<>();
    /** Sources refused since they last were under their limit: one log line per episode, not per connection. */
    private final Map<InetAddress, Boolean> refusing = new ConcurrentHashMap<>();
    /** HTTP connections (plain or inside TLS) and when each last made progress. */
    private final Map<Connection, Progress> http = new ConcurrentHashMap<>();
    private volatile Scheduler.Task sweep;
    /** Whether connections were closed for others since the count was last well under the cap: one log line per episode. */
    private volatile boolean crowded;

    private static final class Progress {
        long requests;
        long sinceNanos = System.nanoTime();
    }

    /** An address holding this many connections or fewer keeps them all: two browsers' worth. */
    static final int FAIR_SHARE = 12;

    ConnectionGuard(Duration headerTimeout, int maxPerSource, int maxConnections, Scheduler scheduler) {
        this.headerTimeout = headerTimeout;
        this.maxPerSource = maxPerSource;
        // Some room under the cap: each listener has its own, and a slot is freed only once the
        // close is done.
        this.evictAbove = maxConnections - Math.max(1, maxConnections / 16);
        this.scheduler = scheduler;
    }

    @Override
    protected void doStart() {
        scheduleSweep();
    }

    @Override
    protected void doStop() {
        Scheduler.Task t = sweep;
        if (t != null) {
            t.cancel();
        }
    }

    private void scheduleSweep() {
        if (isRunning() || isStarting()) {
            // A quarter of the timeout: a slow connection goes at most 25 % late.
            long period = Math.max(100, headerTimeout.toMillis() / 4);
            sweep = scheduler.schedule(this::sweepOnce, period, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint endPoint = connection.getEndPoint();
        if (!(endPoint instanceof SslConnection.SslEndPoint)) {
            InetAddress source = source(endPoint.getRemoteSocketAddress());
            if (source != null) {
                int n = perSource.merge(source, 1, Integer::sum);
                counted.put(connection, source);
                if (n > maxPerSource) {
                    if (refusing.putIfAbsent(source, Boolean.TRUE) == null) {
                        LOG.warn("web UI: refusing connections from {}: it already holds {} (limit {} per address)",
                                source.getHostAddress(), n - 1, maxPerSource);
                    }
                    uncount(connection);
                    endPoint.close();
                    return;
                }
                if (counted.size() > evictAbove) {
                    closeOneOfTheGreediest(connection);
                }
            }
        }
        if (connection.getMessagesIn() >= 0) {
            http.put(connection, new Progress());
        }
    }

    @Override
    public void onClosed(Connection connection) {
        http.remove(connection);
        uncount(connection);
    }

    private void uncount(Connection connection) {
        InetAddress source = counted.remove(connection);
        if (source != null) {
            Integer n = perSource.computeIfPresent(source, (a, v) -> v <= 1 ? null : v - 1);
            if (n == null || n < maxPerSource) {
                refusing.remove(source);
            }
            if (counted.size() < evictAbove * 3 / 4) {
                crowded = false;
            }
        }
    }

    /**
     * Closes a connection of the address holding the most, if it holds more than {@link
     * #FAIR_SHARE}: its longest idle one, else (every one busy, say with uploads dripped in) its
     * oldest in progress. Not {@code opened}, just counted.
     */
    private void closeOneOfTheGreediest(Connection opened) {
        InetAddress greediest = null;
        int most = FAIR_SHARE;
        for (Map.Entry<InetAddress, Integer> e : perSource.entrySet()) {
            if (e.getValue() > most) {
                most = e.getValue();
                greediest = e.getKey();
            }
        }
        if (greediest == null) {
            return; // many addresses, each with a fair share: the cap holds them
        }
        Connection chosen = null;
        boolean chosenIdle = false;
        long chosenSince = Long.MAX_VALUE;
        for (Map.Entry<Connection, Progress> e : http.entrySet()) {
            Connection c = e.getKey();
            EndPoint network = networkEndPoint(c);
            if (c == opened || !greediest.equals(source(network.getRemoteSocketAddress()))) {
                continue;
            }
            boolean idle = c.getMessagesOut() >= c.getMessagesIn();
            long since = e.getValue().sinceNanos;
            if (chosen == null || (idle && !chosenIdle) || (idle == chosenIdle && since < chosenSince)) {
                chosen = c;
                chosenIdle = idle;
                chosenSince = since;
            }
        }
        if (chosen != null) {
            if (!crowded) {
                crowded = true;
                LOG.warn("web UI: {} connections open; closing the oldest of {}'s {} as others connect",
                        counted.size(), greediest.getHostAddress(), most);
            }
            http.remove(chosen);
            networkEndPoint(chosen).close();
        }
    }

    private void sweepOnce() {
        try {
            long now = System.nanoTime();
            for (Map.Entry<Connection, Progress> e : http.entrySet()) {
                Connection c = e.getKey();
                Progress p = e.getValue();
                long in = c.getMessagesIn();
                if (in != p.requests || c.getMessagesOut() < in) {
                    // A new request header arrived, or a request is still being answered.
                    p.requests = in;
                    p.sinceNanos = now;
                } else if (now - p.sinceNanos > headerTimeout.toNanos()) {
                    http.remove(c);
                    networkEndPoint(c).close();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("web UI connection sweep: {}", e.toString());
        } finally {
            scheduleSweep();
        }
    }

    /** The TCP connection under an HTTP connection (itself, or the one TLS runs on). */
    private static EndPoint networkEndPoint(Connection c) {
        EndPoint ep = c.getEndPoint();
        return ep instanceof SslConnection.SslEndPoint ssl ? ssl.getSslConnection().getEndPoint() : ep;
    }

    private static InetAddress source(SocketAddress address) {
        return address instanceof InetSocketAddress a ? a.getAddress() : null;
    }
}
