package org.homerouter.pptp.tunnel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GrePayloadSink;
import org.homerouter.pptp.gre.GreTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the control plane to the data plane: when a call is established it gets a
 * {@link GreChannel} with the call IDs both sides agreed on (RFC 2637 §4.1: we send with the
 * peer's ID, receive on ours), registered in the demultiplexer so GRE for it is accepted only from
 * the control connection's peer address; when the call is cleared the channel goes, so no packet
 * for a dead call reaches anything. One instance serves every control connection of a server or
 * client, over one GRE transport.
 */
public final class CallTunnels implements CallListener {
    private static final Logger LOG = LoggerFactory.getLogger(CallTunnels.class);
    private static final LogLimit TIMER_FAILURES_LOGGED = new LogLimit();

    private final GreTransport transport;
    private final GreDemux demux;
    private final Clock clock;
    private final GreChannelConfig config;
    private final Function<PptpCall, GrePayloadSink> sinks;
    private final TunnelListener listener;
    private final Map<Integer, CallTunnel> byLocalCallId = new ConcurrentHashMap<>();

    /**
     * @param sinks where each call's received PPP frames go, chosen when the call comes up
     */
    public CallTunnels(GreTransport transport, GreDemux demux, Clock clock, GreChannelConfig config,
                       Function<PptpCall, GrePayloadSink> sinks, TunnelListener listener) {
        this.transport = transport;
        this.demux = demux;
        this.clock = clock;
        this.config = config;
        this.sinks = sinks;
        this.listener = listener;
    }

    /** Opens the call's GRE channel before the peer learns of the call, so its first frame is kept. */
    @Override
    public void callAccepted(PptpCall call) {
        open(call);
    }

    @Override
    public void callEstablished(PptpCall call) {
        CallTunnel tunnel = byLocalCallId.get(call.localCallId());
        if (tunnel == null || tunnel.call() != call) {
            tunnel = open(call);
        }
        listener.tunnelUp(tunnel);
    }

    private CallTunnel open(PptpCall call) {
        GreChannel channel = new GreChannel(call.localCallId(), call.peerCallId(), call.peerAddress(),
                call.localAddress(), transport, clock, config, sinks.apply(call));
        CallTunnel tunnel = new CallTunnel(call, channel);
        byLocalCallId.put(call.localCallId(), tunnel);
        // Packets that beat the call (on our client side, the server's first LCP frame can arrive
        // before we have read its Outgoing-Call-Reply) wait in the demultiplexer and are handed over
        // here; frames that arrive before the session exists wait in PppSessions' slot.
        try {
            demux.register(channel);
        } catch (IllegalStateException e) {
            // The ID is another call's (an allocator that cannot see it): leave nothing of this one behind.
            byLocalCallId.remove(call.localCallId(), tunnel);
            listener.tunnelDown(tunnel, e.getMessage());
            throw e;
        }
        LOG.debug("GRE channel for {} open", call);
        return tunnel;
    }

    @Override
    public void callCleared(PptpCall call, String reason) {
        CallTunnel tunnel = byLocalCallId.get(call.localCallId());
        if (tunnel == null || tunnel.call() != call || !byLocalCallId.remove(call.localCallId(), tunnel)) {
            return;
        }
        demux.unregister(tunnel.channel());
        LOG.debug("GRE channel for {} closed: {}", call, reason);
        listener.tunnelDown(tunnel, reason);
    }

    /** The tunnel of one of our call IDs, or null. */
    public CallTunnel tunnel(int localCallId) {
        return byLocalCallId.get(localCallId);
    }

    public List<CallTunnel> tunnels() {
        return List.copyOf(byLocalCallId.values());
    }

    /**
     * Runs every channel's timers (reorder give-up, delayed acks).
     *
     * @return the earliest next deadline in clock nanos, or {@link GreChannel#NO_DEADLINE}
     */
    public long poll() {
        long next = GreChannel.NO_DEADLINE;
        long now = clock.nanos();
        for (CallTunnel t : byLocalCallId.values()) {
            try {
                next = Math.min(next, t.channel().poll(now));
            } catch (java.io.IOException e) {
                LOG.debug("GRE send for {} failed: {}", t.call(), e.toString());
            } catch (RuntimeException e) {
                // One channel's failure must not cost every channel after it its acks and reorder
                // give-ups; the failing one is taken down (its session ends with it) rather than
                // failing at every tick.
                String more = TIMER_FAILURES_LOGGED.admit();
                if (more != null) {
                    LOG.error("GRE timers of {} failed; closing its tunnel{}", t.call(), more, e);
                }
                try {
                    callCleared(t.call(), "internal error in its GRE timers: " + e);
                } catch (RuntimeException again) {
                    LOG.debug("closing the tunnel of {} failed too: {}", t.call(), again.toString());
                }
            }
        }
        return next;
    }
}
