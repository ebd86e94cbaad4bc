package org.homerouter.pptp.control;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a PPTP control connection (RFC 2637 §2) that both ends share: phases, keepalive
 * (Echo, §2.5/§2.6), orderly stop (§2.3/§2.4), call bookkeeping and teardown. The PAC (server)
 * and PNS (client) sides add the call-setup messages each one answers.
 *
 * <p>A state machine only: it never touches a socket. Its inputs are {@link #onMessage},
 * {@link #onTimer}, {@link #onProtocolError} and {@link #onTransportClosed}; its outputs go to a
 * {@link ControlLink}. Not thread-safe: every input must come from one thread (the connection's
 * event loop). Accessors for status pages may be read from any thread.
 */
public abstract sealed class ControlConnection permits PacControlConnection, PnsControlConnection {
    /** Why a connection ended, as its close reason says (what waits on it fails with these words). */
    public static final String NOT_ESTABLISHED = "not established in time";
    public static final String CLOSED_BY_PEER = "control connection closed";
    public static final String STOPPED_BY_PEER = "stopped by peer";


    public enum Phase { IDLE, WAIT_START_REPLY, ESTABLISHED, STOPPING, CLOSED }

    // Lines a peer can cause at will, once per message or call: within a budget (LogLimit).
    private static final LogLimit IGNORED_LOGGED = new LogLimit();
    private static final LogLimit WAN_ERRORS_LOGGED = new LogLimit();
    private static final LogLimit CALLS_LOGGED = new LogLimit();
    /** For the server's own refusals of a peer's message (PacControlConnection). */
    protected static final LogLimit REFUSALS_LOGGED = new LogLimit();
    /**
     * Lines of a connection's life (established, timed out, closed, malformed): a peer causes them
     * as fast as it opens connections, and a few addresses reopening silent ones all day pushed the
     * router's RAM journal (and the real errors in it) out within hours.
     */
    private static final LogLimit LIFE_LOGGED = new LogLimit();

    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final ControlLink link;
    protected final Clock clock;
    protected final ControlSettings settings;
    protected final CallListener listener;
    protected final CallIdAllocator callIds;
    private final Map<Integer, PptpCall> callsByLocalId = new ConcurrentHashMap<>();
    private final long createdNanos;
    private volatile Phase phase = Phase.IDLE;
    private long lastReceivedNanos;
    private volatile boolean echoOutstanding;
    private long echoSentNanos;
    private int echoIdentifier;
    private long stopDeadlineNanos;
    private volatile String closeReason;
    /**
     * Why the connection was lost rather than closed in order (no Echo-Reply, a reset, a garbled
     * message), or null: set before its calls are cleared, so their sessions can tell the owner.
     */
    private volatile String lostBecause;
    /** Since when the established connection has had no call (meaningful while it has none). */
    private long noCallSinceNanos;

    protected ControlConnection(ControlLink link, Clock clock, ControlSettings settings,
                                CallListener listener, CallIdAllocator callIds) {
        this.link = link;
        this.clock = clock;
        this.settings = settings;
        this.listener = listener;
        this.callIds = callIds;
        this.createdNanos = clock.nanos();
        this.lastReceivedNanos = createdNanos;
    }

    // ---- inputs ---------------------------------------------------------------------------

    /** A decoded message from the peer. Never throws: a bug in a handler closes the connection. */
    public final void onMessage(ControlMessage message) {
        if (phase == Phase.CLOSED) {
            return;
        }
        lastReceivedNanos = clock.nanos();
        // Any message proves the peer alive; an Echo-Reply is only the usual proof (§2.5).
        echoOutstanding = false;
        log.debug("{} <- {}", peer(), message);
        try {
            switch (message) {
                case EchoRequest m -> onEchoRequest(m);
                case EchoReply m -> onEchoReply(m);
                case StopControlConnectionRequest m -> onStopRequest(m);
                case StopControlConnectionReply m -> onStopReply(m);
                default -> handle(message);
            }
        } catch (RuntimeException e) {
            log.error("{}: internal error handling {}; closing the connection", peer(), message, e);
            lose("internal error");
        }
    }

    /** Timers: establishment timeout, keepalive, stop-reply timeout. Call about once a second. */
    public final void onTimer() {
        try {
            timers();
        } catch (RuntimeException e) {
            // As in onMessage. Escaping, it cancelled the periodic task that calls this (Netty's and
            // the JDK's schedulers both do), and the connection never timed out again.
            log.error("{}: internal error in its timers; closing the connection", peer(), e);
            lose("internal error");
        }
    }

    private void timers() {
        long now = clock.nanos();
        switch (phase) {
            case IDLE, WAIT_START_REPLY -> {
                if (now - createdNanos >= settings.establishTimeout().toNanos()) {
                    lifeLine(true, "{}: control connection not established within {} s; closing",
                            peer(), settings.establishTimeout().toSeconds());
                    abort(NOT_ESTABLISHED);
                }
            }
            case ESTABLISHED -> {
                Duration callLess = callLessLimit();
                if (callLess != null && callsByLocalId.isEmpty() && now - noCallSinceNanos >= callLess.toNanos()) {
                    lifeLine(false, "{}: no call for {} s; stopping the control connection", peer(),
                            callLess.toSeconds());
                    stop(StopControlConnectionRequest.REASON_NONE);
                    return;
                }
                if (echoOutstanding) {
                    if (now - echoSentNanos >= settings.echoTimeout().toNanos()) {
                        lifeLine(true, "{}: peer stopped answering (no reply to Echo-Request for {} s); tearing down",
                                peer(), settings.echoTimeout().toSeconds());
                        send(new StopControlConnectionRequest(StopControlConnectionRequest.REASON_NONE));
                        lose("peer stopped answering echo requests");
                    }
                } else if (now - lastReceivedNanos >= settings.echoInterval().toNanos()) {
                    echoIdentifier++;
                    echoOutstanding = true;
                    echoSentNanos = now;
                    send(new EchoRequest(echoIdentifier));
                }
            }
            case STOPPING -> {
                if (now - stopDeadlineNanos >= 0) {
                    lifeLine(false, "{}: no Stop-Control-Connection-Reply in time; closing", peer());
                    abort("stop reply timeout");
                }
            }
            case CLOSED -> {
            }
        }
    }

    /** The byte stream could not be decoded: nothing after it can be trusted (no resync in PPTP). */
    public final void onProtocolError(String description) {
        if (phase == Phase.CLOSED) {
            return;
        }
        lifeLine(true, "{}: malformed control message ({}); closing the connection", peer(), description);
        lose("malformed message: " + description);
    }

    /**
     * The TCP connection failed (reset by the peer or a device on the way, or another I/O error):
     * every call on it is lost with it.
     */
    public final void onTransportFailed(String error) {
        if (phase != Phase.CLOSED && lostBecause == null && closeReason == null) {
            lostBecause = "the TCP connection failed: " + error;
        }
        onTransportClosed();
    }

    /** The TCP connection is gone. Every call on it is cleared with it (§2.3: calls die with the connection). */
    public final void onTransportClosed() {
        if (phase != Phase.CLOSED) {
            lifeLine(false, "{}: control connection closed by the peer", peer());
        }
        finish(closeReason != null ? closeReason : CLOSED_BY_PEER);
    }

    /**
     * Orderly stop (§2.3): clear every call, send Stop-Control-Connection-Request and close once the
     * reply arrives or {@link ControlSettings#stopTimeout()} passes.
     */
    public void stop(int reason) {
        switch (phase) {
            case ESTABLISHED -> {
                clearAllCalls(CallDisconnectNotify.RESULT_ADMIN_SHUTDOWN, "control connection stopping");
                send(new StopControlConnectionRequest(reason));
                phase = Phase.STOPPING;
                stopDeadlineNanos = clock.nanos() + settings.stopTimeout().toNanos();
                closeReason = "stopped locally";
            }
            case IDLE, WAIT_START_REPLY -> abort("stopped locally");
            case STOPPING, CLOSED -> {
            }
        }
    }

    /**
     * Clears a call because the layer above is done with it (its PPP link ended), from any thread:
     * the PAC sends Call-Disconnect-Notify (§2.13), the PNS Call-Clear-Request (§2.12).
     *
     * @param lostCarrier the link died rather than being closed (CDN result 1 instead of 3). When
     *        that leaves the connection without calls, it is stopped too: see below.
     */
    public final void clearCall(PptpCall call, boolean lostCarrier, String reason) {
        // The peer stopped answering PPP (LCP echo, RFC 1661 §5.8): it has most likely vanished
        // altogether, and an idle control connection to it would linger until the control echo
        // gives up (§2.5, minutes), holding a connection slot. Stop it now, as poptop and accel-ppp
        // do when a call ends; a peer that is still there gets a clean Stop (§2.3).
        clear(call, lostCarrier, reason, lostCarrier ? "the peer of its last call cannot be reached" : null);
    }

    /**
     * Refuses a call the layer above will not serve (a login limit was reached): cleared as by
     * {@link #clearCall}, and when it was the connection's only call the connection is stopped
     * too. pptp-linux looks a Call-Disconnect-Notify up by its own Call ID rather than ours, as
     * §2.13 has it, so it never hears that clear and waits for its PPP to time out (about 30 s);
     * a Stop (§2.3) it hears at once. Stock clients place one call per control connection and end
     * the connection when the call fails anyway.
     */
    public final void refuseCall(PptpCall call, String reason) {
        clear(call, false, reason, "its only call was refused");
    }

    private void clear(PptpCall call, boolean lostCarrier, String reason, String stopIfLastBecause) {
        link.execute(() -> {
            if (phase == Phase.ESTABLISHED && callsByLocalId.get(call.localCallId()) == call) {
                clearFromAbove(call, lostCarrier, reason);
                if (stopIfLastBecause != null && callsByLocalId.isEmpty()) {
                    // A peer's calls refused one after another (a full server, a flood) each end here.
                    lifeLine(false, "{}: {}; stopping the control connection", peer(), stopIfLastBecause);
                    stop(StopControlConnectionRequest.REASON_NONE);
                }
            }
        });
    }

    /**
     * How long this side keeps an established connection that has no call, or null for as long
     * as the peer answers echoes. A server stops such a connection: a client that never places a
     * call, or stays connected after its call ended, would otherwise keep a connection slot for
     * ever (sixteen addresses times sixteen connections fill all 256).
     */
    protected Duration callLessLimit() {
        return null;
    }

    /** See {@link #clearCall}; runs on the connection's thread. */
    protected abstract void clearFromAbove(PptpCall call, boolean lostCarrier, String reason);

    // ---- shared message handling ----------------------------------------------------------

    /** The messages specific to this side. */
    protected abstract void handle(ControlMessage message);

    /**
     * How this side tells its peer that a call is gone when it clears it on its own: the PAC
     * sends Call-Disconnect-Notify (§2.13), the PNS sends Call-Clear-Request (§2.12).
     */
    protected abstract void announceClear(PptpCall call, int resultCode);

    private void onEchoRequest(EchoRequest m) {
        if (phase != Phase.ESTABLISHED && phase != Phase.STOPPING) {
            protocolViolation("Echo-Request before the control connection was established");
            return;
        }
        send(new EchoReply(m.identifier(), EchoReply.RESULT_OK, ControlProtocol.ERROR_NONE));
    }

    private void onEchoReply(EchoReply m) {
        if (m.identifier() != echoIdentifier) {
            log.debug("{}: Echo-Reply with unexpected identifier {}", peer(), m.identifier());
        }
    }

    private void onStopRequest(StopControlConnectionRequest m) {
        lifeLine(false, "{}: peer stops the control connection (reason {})", peer(), m.reason());
        clearAllCalls(-1, "peer stopped the control connection");
        send(new StopControlConnectionReply(StopControlConnectionReply.RESULT_OK, ControlProtocol.ERROR_NONE));
        closeReason = STOPPED_BY_PEER;
        abort(STOPPED_BY_PEER);
    }

    private void onStopReply(StopControlConnectionReply m) {
        if (phase == Phase.STOPPING) {
            lifeLine(false, "{}: control connection stopped", peer());
            abort("stopped");
        } else {
            log.debug("{}: unsolicited Stop-Control-Connection-Reply ignored", peer());
        }
    }

    /** A message that makes no sense in the current phase and leaves no way to continue. */
    protected final void protocolViolation(String what) {
        lifeLine(true, "{}: {}; closing the connection", peer(), what);
        lose(what);
    }

    /**
     * The budget of {@link #lifeLine}: the server's connections share {@link #LIFE_LOGGED}; a side
     * whose lines strangers cannot cause (the dial-out's) has its own, so a flood does not hide them.
     */
    protected LogLimit lifeLogged() {
        return LIFE_LOGGED;
    }

    /** A line of the connection's life, within {@link #lifeLogged}'s budget (the next says how many were not). */
    protected final void lifeLine(boolean warning, String format, Object... args) {
        String more = lifeLogged().admit();
        if (more == null) {
            return;
        }
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = more;
        if (warning) {
            log.warn(format + "{}", all);
        } else {
            log.info(format + "{}", all);
        }
    }

    /** WAN-Error-Notify (§2.14): line statistics from the PAC, only worth a log line. */
    protected final void logWanError(WanErrorNotify m) {
        String more = WAN_ERRORS_LOGGED.admit();
        if (more != null) {
            log.warn("{}: WAN-Error-Notify for call {}: crc={} framing={} hw-overruns={} buf-overruns={} timeouts={} "
                            + "alignment={}{}", peer(), m.peerCallId(), m.crcErrors(), m.framingErrors(),
                    m.hardwareOverruns(), m.bufferOverruns(), m.timeoutErrors(), m.alignmentErrors(), more);
        }
    }

    /** A message that makes no sense here but harms nothing: logged (within a budget) and ignored. */
    protected final void ignored(ControlMessage m, String why) {
        String more = IGNORED_LOGGED.admit();
        if (more != null) {
            log.info("{}: ignoring {}: {}{}", peer(), m.type().abbreviation(), why, more);
        }
    }

    // ---- calls -----------------------------------------------------------------------------

    protected final PptpCall addCall(int localCallId, int peerCallId, int serial, PptpCall.State state) {
        PptpCall call = new PptpCall(this, localCallId, peerCallId, serial, state);
        callsByLocalId.put(localCallId, call);
        return call;
    }

    protected final PptpCall callByLocalId(int localCallId) {
        return callsByLocalId.get(localCallId);
    }

    protected final PptpCall callByPeerId(int peerCallId) {
        for (PptpCall c : callsByLocalId.values()) {
            if (c.peerCallId() == peerCallId) {
                return c;
            }
        }
        return null;
    }

    protected final void established(PptpCall call) {
        call.state(PptpCall.State.ESTABLISHED);
        String more = CALLS_LOGGED.admit();
        if (more != null) {
            log.info("{}: {} established{}", peer(), call, more);
        }
        listener.callEstablished(call);
    }

    /**
     * Removes a call, returns its ID to the pool and tells the listener. When {@code announceResult}
     * is not negative, the peer is told too (see {@link #announceClear}).
     */
    protected final void removeCall(PptpCall call, int announceResult, String reason) {
        if (callsByLocalId.remove(call.localCallId()) == null) {
            return;
        }
        if (callsByLocalId.isEmpty()) {
            noCallSinceNanos = clock.nanos();
        }
        // A call being cleared (CCRQ sent, CDN awaited) was up: its listeners must hear it go.
        boolean wasUp = call.state() == PptpCall.State.ESTABLISHED || call.state() == PptpCall.State.CLEARING;
        if (announceResult >= 0 && phase != Phase.CLOSED) {
            announceClear(call, announceResult);
        }
        call.state(PptpCall.State.CLEARED);
        String more = CALLS_LOGGED.admit();
        if (more != null) {
            log.info("{}: {} cleared: {}{}", peer(), call, reason, more);
        }
        try {
            if (wasUp) {
                listener.callCleared(call, reason);
            }
        } finally {
            // Only once the call's GRE channel is gone: another connection's thread could otherwise
            // be given this ID and find it still registered in the demultiplexer.
            callIds.release(call.localCallId());
        }
    }

    private void clearAllCalls(int announceResult, String reason) {
        for (PptpCall c : List.copyOf(callsByLocalId.values())) {
            removeCall(c, announceResult, reason);
        }
    }

    // ---- output ----------------------------------------------------------------------------

    protected final void send(ControlMessage m) {
        log.debug("{} -> {}", peer(), m);
        link.send(m);
    }

    protected final void phase(Phase p) {
        if (p == Phase.ESTABLISHED && phase != Phase.ESTABLISHED) {
            noCallSinceNanos = lastReceivedNanos; // when the message that established it arrived
        }
        this.phase = p;
    }

    /** {@link #abort}, the calls being lost with the connection rather than cleared (see {@link #lostBecause()}). */
    private void lose(String reason) {
        if (lostBecause == null && phase != Phase.CLOSED) {
            lostBecause = reason;
        }
        abort(reason);
    }

    /**
     * Why the connection was lost, if it was: no answer to its Echo-Requests (RFC 2637 §2.4), a
     * failed TCP connection, a control message that could not be decoded or made no sense. Empty
     * while it is up, and when it was closed in order (a Stop-Control-Connection-Request, §2.3, or
     * a plain TCP close).
     */
    public final java.util.Optional<String> lostBecause() {
        return java.util.Optional.ofNullable(lostBecause);
    }

    /** Clears every call silently, closes the transport and marks the connection closed. */
    protected final void abort(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        try {
            finish(reason);
        } finally {
            // Even when a listener fails while its calls are cleared: a connection left open here
            // would keep its slot with no timers left to end it.
            link.close();
        }
    }

    private void finish(String reason) {
        if (phase == Phase.CLOSED && callsByLocalId.isEmpty()) {
            return;
        }
        clearAllCalls(-1, reason);
        phase = Phase.CLOSED;
        closed(reason);
    }

    /** Hook for the side-specific cleanup once the connection is closed; called once. */
    protected void closed(String reason) {
    }

    // ---- status ----------------------------------------------------------------------------

    public final Phase phase() {
        return phase;
    }

    /** An Echo-Request of ours is unanswered (RFC 2637 §2.4); read from any thread. */
    public final boolean awaitingEchoReply() {
        return echoOutstanding;
    }

    public final Collection<PptpCall> calls() {
        return List.copyOf(callsByLocalId.values());
    }

    /** Whether a call is up or being set up on this connection; read from any thread. */
    public final boolean holdsCall() {
        return !callsByLocalId.isEmpty();
    }

    public final InetSocketAddress remoteAddress() {
        return link.remoteAddress();
    }

    /** Our end of the TCP connection, or null when the link does not know it. */
    public final InetSocketAddress localAddress() {
        return link.localAddress();
    }

    /** Why the connection closed, once it has. */
    public final String closeReason() {
        return closeReason;
    }

    protected final String peer() {
        return String.valueOf(link.remoteAddress());
    }
}
