package org.homerouter.appliance;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.tcp.ClientConnection;
import org.homerouter.pptp.control.tcp.ControlClient;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.PppSessions;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionEnvironment;
import org.homerouter.pptp.session.SessionListener;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outgoing PPTP call with the engine's client, on a data plane: control connection (RFC 2637
 * §2.1), Outgoing-Call-Request (§2.7), then PPP until IP flows. Shared by {@code dial} and the
 * site-to-site dial-out, so both wire the engine the same way.
 *
 * <p>{@link #up()} completes with the session when IP flows, or fails with why the call never got
 * there; {@link #ended()} completes exactly once, with the end in plain words, whether the call
 * failed before, ended later, or was hung up.
 */
final class PptpDialer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PptpDialer.class);
    private static final Duration TICK = Duration.ofMillis(20);

    private final CompletableFuture<PppSession> up = new CompletableFuture<>();
    private final CompletableFuture<String> ended = new CompletableFuture<>();
    private final ScheduledExecutorService ticker;
    private final CallTunnels tunnels;
    private volatile ClientConnection connection;
    private volatile PptpCall call;
    /** The PPP session's end, when the call ended in PPP (null: before PPP, or not yet ended). */
    private volatile SessionEnd endReason;
    private volatile IpEvents ipEvents = new IpEvents() {
    };

    /**
     * IP going down and coming up again on a session that was up: the server renegotiated LCP, IPCP
     * or CCP (RFC 1661 §4: a Configure-Request in the Opened state restarts negotiation). The tunnel
     * device, and with it every route into it, is gone in between; {@link #up()} completed the first
     * time only.
     */
    interface IpEvents {
        default void down(PppSession session) {
        }

        default void upAgain(PppSession session) {
        }
    }

    private PptpDialer(DataPlane plane, SessionSettings settings) {
        SecureRandom random = new SecureRandom();
        PppSessions sessions = new PppSessions(settings, new SessionEnvironment(Clock.SYSTEM, random::nextBytes, null,
                null, plane.devices()), new SessionListener() {
            @Override
            public void up(PppSession s) {
                if (!up.complete(s)) {
                    ipEvents.upAgain(s);
                }
            }

            @Override
            public void ipDown(PppSession s) {
                ipEvents.down(s);
            }

            @Override
            public void ended(PppSession s, SessionEnd reason, String detail) {
                endReason = reason;
                end(reason.description(SessionRole.CLIENT) + (detail.isEmpty() ? "" : " (" + detail + ")"));
            }
        });
        tunnels = new CallTunnels(plane.gre(), plane.demux(), Clock.SYSTEM, GreChannelConfig.DEFAULTS,
                sessions::sinkFor, sessions);
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dial-timers");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(Guarded.task("the site-to-site dial-out's timers", () -> {
            sessions.poll();
            tunnels.poll();
        }), TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts dialing {@code server}; returns at once. The caller owns the result and closes it.
     *
     * @param timeout how long the control connection and the call each may take
     */
    static PptpDialer dial(DataPlane plane, NettyTransport io, InetSocketAddress server, SessionSettings settings,
                           CallIdAllocator callIds, Duration timeout) {
        return dial(plane, io, server, settings, callIds, timeout, ControlSettings.defaults("").echoInterval());
    }

    /** As above, sending a PPTP Echo-Request after {@code echoInterval} of quiet on the control connection. */
    static PptpDialer dial(DataPlane plane, NettyTransport io, InetSocketAddress server, SessionSettings settings,
                           CallIdAllocator callIds, Duration timeout, Duration echoInterval) {
        PptpDialer d = new PptpDialer(plane, settings);
        try {
            connect(d, io, server, settings, callIds, timeout, echoInterval);
        } catch (RuntimeException | Error e) {
            d.close(); // its timers' thread would run on, for nothing, for the life of the service
            throw e;
        }
        return d;
    }

    private static void connect(PptpDialer d, NettyTransport io, InetSocketAddress server, SessionSettings settings,
                                CallIdAllocator callIds, Duration timeout, Duration echoInterval) {
        ControlSettings control = ControlSettings.defaults(settings.localName());
        ControlClient.connect(io, server, control.withEcho(echoInterval, control.echoTimeout()), Clock.SYSTEM,
                        Duration.ofSeconds(1), d.tunnels, callIds)
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(c -> {
                    d.connection = c;
                    // The control connection may die without a call (server restarted, link lost).
                    c.closed().thenRun(() -> d.end("the control connection to " + server.getAddress().getHostAddress()
                            + " TCP port " + server.getPort() + " closed"));
                    return c.placeCall().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
                })
                .whenComplete((placed, e) -> {
                    if (e != null) {
                        d.end(failure(server, e));
                    } else {
                        d.call = placed;
                    }
                });
    }

    /** A failed connect or call in the words of someone looking at the dashboard. */
    private static String failure(InetSocketAddress server, Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        String where = server.getAddress().getHostAddress() + " TCP port " + server.getPort();
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return "no answer from " + where + " in time";
        }
        if (cause instanceof java.net.ConnectException) {
            // Netty's epoll words ("finishConnect(..) failed with error(-111): Connection refused")
            // mean nothing to the owner; the errno's meaning does.
            String m = String.valueOf(cause.getMessage());
            if (m.contains("Connection refused")) {
                return "cannot reach " + where + ": the connection was refused (no PPTP server listens there, or a"
                        + " firewall rejects it)";
            }
            if (m.contains("No route to host") || m.contains("Network is unreachable")) {
                return "cannot reach " + where + ": no route to it (is this router's internet connection up?)";
            }
            if (m.contains("timed out")) {
                return "no answer from " + where + " (a firewall may drop TCP port " + server.getPort() + ")";
            }
            return "cannot reach " + where + ": " + m;
        }
        String m = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        // The control connection's own close reasons, bare: say what they mean at the office's end.
        return switch (m) {
            case ControlConnection.CLOSED_BY_PEER -> "the server at " + where + " closed the connection before the"
                    + " tunnel was set up (its PPTP server may refuse this router's address, or have no room)";
            case ControlConnection.STOPPED_BY_PEER -> "the server at " + where + " stopped the PPTP connection before"
                    + " the tunnel was set up (it may be shutting down, or refuse this router)";
            case ControlConnection.NOT_ESTABLISHED -> where + " took the connection but never answered as a PPTP"
                    + " server (another service listens there, or a firewall passes TCP but not PPTP)";
            default -> m;
        };
    }

    private void end(String why) {
        if (ended.complete(why)) {
            up.completeExceptionally(new IllegalStateException(why));
        }
    }

    CompletableFuture<PppSession> up() {
        return up;
    }

    CompletableFuture<String> ended() {
        return ended;
    }

    /** Why PPP ended, once {@link #ended()} is done; empty if the call never reached PPP or ended outside it. */
    java.util.Optional<SessionEnd> endReason() {
        return java.util.Optional.ofNullable(endReason);
    }

    /** Where IP going down and up again after {@link #up()} is told; set before the session is up. */
    void onIpEvents(IpEvents events) {
        this.ipEvents = events;
    }

    /**
     * Hangs up as a real client does: LCP Terminate-Request first (RFC 1661 §3.7); when LCP is
     * finished the session clears the call (Call-Clear-Request), then the control connection stops
     * (Stop-Control-Connection-Request, RFC 2637 §2.3). Waits at most about {@code wait} in all.
     */
    void hangUp(String why, Duration wait) {
        hangUp(why, why, wait);
    }

    /**
     * {@link #hangUp(String, Duration)}, the server told {@code toldPeer} in the Terminate-Request
     * rather than {@code why}, which may hold this router's own details (an error's text).
     */
    void hangUp(String why, String toldPeer, Duration wait) {
        long step = Math.max(1, wait.toMillis() / 3);
        try {
            PppSession session = up.getNow(null);
            if (session != null && !ended.isDone()) {
                session.close(why, toldPeer);
                try {
                    ended.get(step, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    PptpCall c = call;
                    if (c != null && connection != null) {
                        connection.hangUp(c).get(step, TimeUnit.MILLISECONDS);
                    }
                }
            }
            ClientConnection c = connection;
            if (c != null && c.state().phase() == org.homerouter.pptp.control.ControlConnection.Phase.ESTABLISHED) {
                c.stop().get(step, TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            LOG.info("hang-up incomplete: {}", e.toString());
        } finally {
            end(why);
        }
    }

    /**
     * Stops the timers and, if the control connection outlived the call (a dead link leaves it
     * waiting on TCP), starts its orderly stop without waiting: the engine closes it when the
     * Stop-Control-Connection-Reply comes or its stop timeout passes (RFC 2637 §2.3).
     */
    @Override
    public void close() {
        ticker.shutdownNow();
        ClientConnection c = connection;
        if (c != null && c.state().phase() == org.homerouter.pptp.control.ControlConnection.Phase.ESTABLISHED) {
            c.stop();
        }
    }
}
