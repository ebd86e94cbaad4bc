package org.homerouter.pptp.session;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.gre.GrePayloadSink;
import org.homerouter.pptp.tunnel.CallTunnel;
import org.homerouter.pptp.tunnel.TunnelListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every tunnel a PPP session and keeps the two lifetimes tied: a new tunnel starts LCP; a
 * cleared call takes its session down; a finished session clears its call. Also the registry the
 * dashboard reads and the one place that drives every session's timers.
 */
public final class PppSessions implements TunnelListener {
    // Replaced by reconfigure(): only sessions that start afterwards see the new values.
    private static final Logger LOG = LoggerFactory.getLogger(PppSessions.class);
    private volatile SessionSettings settings;
    private volatile SessionEnvironment env;
    private final SessionListener observer;
    private final Map<Integer, Slot> byLocalCallId = new ConcurrentHashMap<>();
    private volatile SessionLimits limits = SessionLimits.NONE;
    /** Sessions set up but not yet authenticated. */
    private final AtomicInteger loggingIn = new AtomicInteger();
    /** Authenticated sessions per user name. */
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();
    private final Map<java.net.InetAddress, Integer> loggingInBySource = new ConcurrentHashMap<>();

    /**
     * A call's place in the registry, from the moment its GRE channel opens (before the peer learns
     * of the call) until its session ends. Frames that arrive before the session exists are kept,
     * a few of them: the peer's first LCP Configure-Request is usually among them, and dropping it
     * would cost a restart period (3 s) of LCP.
     */
    private static final class Slot implements GrePayloadSink {
        /** More than a peer sends before it hears from us (one Configure-Request, maybe a retransmission). */
        static final int EARLY_FRAMES = 8;

        /** Set only after the early frames went in, so frames reach the session in order. */
        private volatile PppSession session;
        private final ArrayDeque<ByteBuffer> early = new ArrayDeque<>();

        @Override
        public void onPayload(ByteBuffer payload) {
            PppSession s = session;
            if (s == null) {
                synchronized (this) {
                    s = session;
                    if (s == null) {
                        if (early.size() < EARLY_FRAMES) {
                            // The channel reuses its receive buffer: keep a copy.
                            ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
                            copy.put(payload.duplicate()).flip();
                            early.add(copy);
                        }
                        return;
                    }
                }
            }
            s.sink().onPayload(payload);
        }

        /** Starts the session, gives it what arrived early, then lets frames through directly. */
        synchronized void start(PppSession s) {
            s.start();
            for (ByteBuffer frame; (frame = early.poll()) != null; ) {
                s.sink().onPayload(frame);
            }
            session = s;
        }

        PppSession session() {
            return session;
        }
    }

    /** Where one session stands in the limit counts: still logging in, or holding one of a user's slots. */
    private static final class Counted {
        boolean loggingIn = true;
        String user;
    }

    public PppSessions(SessionSettings settings, SessionEnvironment env, SessionListener observer) {
        this.settings = settings;
        this.env = env;
        this.observer = observer;
    }

    /**
     * New settings and environment (e.g. another address pool or DNS server) for the sessions that
     * start from now on; running sessions keep what they negotiated, so a change the administrator
     * makes does not drop the clients it does not concern.
     */
    public void reconfigure(SessionSettings settings, SessionEnvironment env) {
        this.settings = settings;
        this.env = env;
    }

    /** Limits for sessions that start from now on. */
    public void setLimits(SessionLimits limits) {
        this.limits = limits;
    }

    /** The sink for a call's GRE channel (give this to {@code CallTunnels}). */
    public GrePayloadSink sinkFor(PptpCall call) {
        Slot slot = new Slot();
        byLocalCallId.put(call.localCallId(), slot);
        return slot;
    }

    @Override
    public void tunnelUp(CallTunnel tunnel) {
        PptpCall call = tunnel.call();
        Slot slot = byLocalCallId.computeIfAbsent(call.localCallId(), id -> new Slot());
        SessionSettings settings = this.settings;
        SessionEnvironment env = this.env;
        String id = "call " + call.localCallId() + " (" + call.peerAddress().getHostAddress() + ")";
        SessionLimits limits = this.limits;
        java.net.InetAddress source = call.peerAddress();
        String refusal = null;
        String clearReason = "too many logins in progress";
        if (loggingInBySource.merge(source, 1, Integer::sum) > limits.maxLoggingInPerSource()) {
            refusal = limits.maxLoggingInPerSource() + " sessions from this address are already logging in"
                    + " (the limit per address)";
            clearReason += " from this address";
        } else if (loggingIn.incrementAndGet() > limits.maxLoggingIn()) {
            loggingIn.decrementAndGet();
            refusal = limits.maxLoggingIn() + " sessions are already logging in (the limit); a flood of logins?";
        }
        if (refusal != null) {
            releaseSource(source);
            byLocalCallId.remove(call.localCallId(), slot);
            LOG.warn("{}: refused: {}", id, refusal);
            call.connection().refuseCall(call, clearReason);
            return;
        }
        Counted counted = new Counted();
        PppSession session = new PppSession(id, settings, env, tunnel.channel(), new SessionListener() {
            @Override
            public void authenticated(PppSession s, String userName) {
                synchronized (counted) {
                    // Also called again on the same link when the peer renegotiates LCP after the
                    // login (RFC 1661 §4.3: a Configure-Request in Opened) and logs in again: it
                    // stopped logging in the first time, and stays one session of its user.
                    if (counted.loggingIn) {
                        counted.loggingIn = false;
                        loggingIn.decrementAndGet();
                        releaseSource(source);
                    }
                    if (!userName.equals(counted.user)) {
                        if (counted.user != null) {
                            perUser.computeIfPresent(counted.user, (u, n) -> n > 1 ? n - 1 : null);
                        }
                        int n = perUser.merge(userName, 1, Integer::sum);
                        counted.user = userName;
                        if (n > limits.maxPerUser()) {
                            s.refuse(SessionEnd.TOO_MANY_SESSIONS, userName + " already has " + (n - 1) + " sessions");
                            return;
                        }
                    }
                }
                observer.authenticated(s, userName);
            }

            @Override
            public void up(PppSession s) {
                observer.up(s);
            }

            @Override
            public void problem(PppSession s, SessionProblem problem, String detail) {
                observer.problem(s, problem, detail);
            }

            @Override
            public void ended(PppSession s, SessionEnd reason, String detail) {
                synchronized (counted) {
                    if (counted.loggingIn) {
                        loggingIn.decrementAndGet();
                        releaseSource(source);
                        counted.loggingIn = false;
                    }
                    if (counted.user != null) {
                        perUser.computeIfPresent(counted.user, (u, n) -> n > 1 ? n - 1 : null);
                        counted.user = null;
                    }
                }
                byLocalCallId.remove(call.localCallId(), slot);
                // The link is finished: the call that carried it goes too (RFC 2637 §2.13 / §2.12).
                call.connection().clearCall(call, reason == SessionEnd.PEER_DEAD, reason.description());
                observer.ended(s, reason, detail);
            }
        });
        slot.start(session);
    }

    @Override
    public void tunnelDown(CallTunnel tunnel, String reason) {
        Slot slot = byLocalCallId.remove(tunnel.call().localCallId());
        if (slot != null && slot.session() != null) {
            slot.session().lowerLayerGone();
        }
    }

    /** Runs the timers of every session that has one due. */
    public void poll() {
        long now = env.clock().nanos();
        for (Slot slot : byLocalCallId.values()) {
            PppSession s = slot.session();
            // timerDue reads a volatile: idle sessions cost the tick neither a lock nor their layers.
            if (s != null && s.timerDue(now)) {
                s.poll();
            }
        }
    }

    public List<PppSession> sessions() {
        return byLocalCallId.values().stream().map(Slot::session).filter(s -> s != null).toList();
    }

    /**
     * Calls in the registry: every call from the moment its GRE channel opens until its session
     * ends, with or without a session yet ({@link #sessions()} counts only those with one). For
     * leak checks (the soak benchmark): zero once every call is gone. Read-only.
     */
    public int registered() {
        return byLocalCallId.size();
    }

    /** Sessions started but not yet authenticated (what {@link SessionLimits#maxLoggingIn()} counts). Read-only. */
    private void releaseSource(java.net.InetAddress source) {
        loggingInBySource.computeIfPresent(source, (a, n) -> n > 1 ? n - 1 : null);
    }

    public int loggingIn() {
        return loggingIn.get();
    }

    /** Authenticated sessions {@code user} holds (what {@link SessionLimits#maxPerUser()} counts). Read-only. */
    public int sessionsOf(String user) {
        return perUser.getOrDefault(user, 0);
    }

    /** The session of one of our call IDs, or null. */
    public PppSession session(int localCallId) {
        Slot slot = byLocalCallId.get(localCallId);
        return slot == null ? null : slot.session();
    }
}
