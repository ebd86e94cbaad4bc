package org.homerouter.pptp.session;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.gre.GrePayloadSink;
import org.homerouter.pptp.tunnel.CallTunnel;
import org.homerouter.pptp.tunnel.TunnelListener;

/**
 * Gives every tunnel a PPP session and keeps the two lifetimes tied: a new tunnel starts LCP; a
 * cleared call takes its session down; a finished session clears its call. Also the registry the
 * dashboard reads and the one place that drives every session's timers.
 */
public final class PppSessions implements TunnelListener {
    private final SessionSettings settings;
    private final SessionEnvironment env;
    private final SessionListener observer;
    private final Map<Integer, Slot> byLocalCallId = new ConcurrentHashMap<>();

    /** Frames may arrive between the call coming up and its session existing: they wait for nobody. */
    private static final class Slot implements GrePayloadSink {
        volatile PppSession session;

        @Override
        public void onPayload(ByteBuffer payload) {
            PppSession s = session;
            if (s != null) {
                s.sink().onPayload(payload);
            }
        }
    }

    public PppSessions(SessionSettings settings, SessionEnvironment env, SessionListener observer) {
        this.settings = settings;
        this.env = env;
        this.observer = observer;
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
        String id = "call " + call.localCallId() + " (" + call.peerAddress().getHostAddress() + ")";
        PppSession session = new PppSession(id, settings, env, tunnel.channel(), new SessionListener() {
            @Override
            public void authenticated(PppSession s, String userName) {
                observer.authenticated(s, userName);
            }

            @Override
            public void up(PppSession s) {
                observer.up(s);
            }

            @Override
            public void ended(PppSession s, SessionEnd reason, String detail) {
                byLocalCallId.remove(call.localCallId(), slot);
                // The link is finished: the call that carried it goes too (RFC 2637 §2.13 / §2.12).
                call.connection().clearCall(call, reason == SessionEnd.PEER_DEAD, reason.description());
                observer.ended(s, reason, detail);
            }
        });
        slot.session = session;
        session.start();
    }

    @Override
    public void tunnelDown(CallTunnel tunnel, String reason) {
        Slot slot = byLocalCallId.remove(tunnel.call().localCallId());
        if (slot != null && slot.session != null) {
            slot.session.lowerLayerGone();
        }
    }

    /** Runs the timers of every session that has one due. */
    public void poll() {
        long now = env.clock().nanos();
        for (Slot slot : byLocalCallId.values()) {
            PppSession s = slot.session;
            // timerDue reads a volatile: idle sessions cost the tick neither a lock nor their layers.
            if (s != null && s.timerDue(now)) {
                s.poll();
            }
        }
    }

    public List<PppSession> sessions() {
        return byLocalCallId.values().stream().map(s -> s.session).filter(s -> s != null).toList();
    }

    /** The session of one of our call IDs, or null. */
    public PppSession session(int localCallId) {
        Slot slot = byLocalCallId.get(localCallId);
        return slot == null ? null : slot.session;
    }
}
