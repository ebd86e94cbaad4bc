package org.homerouter.pptp.control;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;

/**
 * The PNS (client) side of a control connection: the engine's own PPTP client, used for tests,
 * benchmarks, the demo and LAN-to-LAN dial-out. It starts the connection (§2.1), places calls
 * with Outgoing-Call-Request (§2.7) and hangs them up with Call-Clear-Request (§2.12).
 *
 * <p>The futures complete on the connection's thread; continuations must not block.
 */
public final class PnsControlConnection extends ControlConnection {
    /** Our own calls' connections: a budget apart from the server's, which strangers can use up. */
    private static final LogLimit LIFE_LOGGED = new LogLimit();
    private static final int CAPABILITIES = 3;
    private static final int MIN_BPS = 300;
    private static final int MAX_BPS = 100_000_000;

    private final CompletableFuture<StartControlConnectionReply> started = new CompletableFuture<>();
    private final Map<Integer, CompletableFuture<PptpCall>> pendingCalls = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<Void>> pendingClears = new ConcurrentHashMap<>();
    private int nextSerial = 1;

    public PnsControlConnection(ControlLink link, Clock clock, ControlSettings settings,
                                CallListener listener, CallIdAllocator callIds) {
        super(link, clock, settings, listener, callIds);
    }

    /** Sends Start-Control-Connection-Request; the future completes with the PAC's reply when it accepts. */
    public CompletableFuture<StartControlConnectionReply> start() {
        if (phase() == Phase.IDLE) {
            send(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, CAPABILITIES, CAPABILITIES,
                    0, settings.firmwareRevision(), settings.hostName(), settings.vendor()));
            phase(Phase.WAIT_START_REPLY);
        }
        return started;
    }

    /** Places a call (OCRQ); the future completes when the PAC answers Connected, fails otherwise. */
    public CompletableFuture<PptpCall> placeCall() {
        CompletableFuture<PptpCall> f = new CompletableFuture<>();
        if (phase() != Phase.ESTABLISHED) {
            f.completeExceptionally(new CallSetupException("control connection not established", -1, -1));
            return f;
        }
        int id = callIds.allocate();
        if (id < 0) {
            f.completeExceptionally(new CallSetupException("no free local call ID", -1, -1));
            return f;
        }
        int serial = nextSerial++ & 0xFFFF;
        addCall(id, 0, serial, PptpCall.State.WAIT_REPLY);
        pendingCalls.put(id, f);
        send(new OutgoingCallRequest(id, serial, MIN_BPS, MAX_BPS, CAPABILITIES, CAPABILITIES,
                settings.receiveWindow(), 0, "", ""));
        return f;
    }

    /** Hangs up (CCRQ); the future completes when the PAC confirms with Call-Disconnect-Notify. */
    public CompletableFuture<Void> hangUp(PptpCall call) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (call.state() != PptpCall.State.ESTABLISHED || phase() != Phase.ESTABLISHED) {
            f.complete(null);
            return f;
        }
        call.state(PptpCall.State.CLEARING);
        pendingClears.put(call.localCallId(), f);
        send(new CallClearRequest(call.localCallId()));
        return f;
    }

    @Override
    protected void handle(ControlMessage message) {
        switch (message) {
            case StartControlConnectionReply m -> onStartReply(m);
            case OutgoingCallReply m -> onOutgoingCallReply(m);
            case CallDisconnectNotify m -> onCallDisconnectNotify(m);
            case WanErrorNotify m -> logWanError(m);
            case IncomingCallRequest m -> {
                // We only dial out; §2.10 result 3 "Do Not Accept".
                send(new IncomingCallReply(0, m.callId(), IncomingCallReply.RESULT_DO_NOT_ACCEPT,
                        ControlProtocol.ERROR_NONE, 0, 0));
                log.info("{}: incoming call {} declined (this client only dials out)", peer(), m.callId());
            }
            case SetLinkInfo m -> ignored(m, "only a PNS sends Set-Link-Info");
            default -> ignored(message, "only a PNS sends this message");
        }
    }

    /**
     * Result 1 is success (§2.2, §2.8); some servers (ADSL modems among them) send 0 for it, which
     * §2 does not define. pptp-linux takes 0 in a Start reply and Android's mtpd in both, so a
     * branch office behind such a box must connect here too.
     */
    private static boolean accepted(int resultCode, int success) {
        return resultCode == success || resultCode == 0;
    }

    private void onStartReply(StartControlConnectionReply m) {
        if (phase() != Phase.WAIT_START_REPLY) {
            ignored(m, "no Start-Control-Connection-Request outstanding");
            return;
        }
        if (!accepted(m.resultCode(), StartControlConnectionReply.RESULT_OK)) {
            started.completeExceptionally(new CallSetupException("server refused the control connection: "
                    + ResultCodes.startReply(m.resultCode(), m.errorCode()), m.resultCode(), m.errorCode()));
            protocolViolation("Start-Control-Connection-Reply result " + m.resultCode());
            return;
        }
        phase(Phase.ESTABLISHED);
        log.info("{}: control connection established (server \"{}\", vendor \"{}\")", peer(), m.hostName(),
                m.vendorString());
        started.complete(m);
    }

    private void onOutgoingCallReply(OutgoingCallReply m) {
        // OCRP's Peer's Call ID is ours (§2.8).
        PptpCall call = callByLocalId(m.peerCallId());
        CompletableFuture<PptpCall> f = pendingCalls.remove(m.peerCallId());
        if (call == null || f == null || call.state() != PptpCall.State.WAIT_REPLY) {
            ignored(m, "no call waiting with call ID " + m.peerCallId());
            return;
        }
        if (!accepted(m.resultCode(), OutgoingCallReply.RESULT_CONNECTED)) {
            String why = ResultCodes.callReply(m.resultCode(), m.errorCode());
            removeCall(call, -1, "refused by the server: " + why);
            f.completeExceptionally(new CallSetupException("server refused the call: " + why, m.resultCode(),
                    m.errorCode()));
            return;
        }
        call.peerCallId(m.callId());
        call.peerReceiveWindow(m.packetRecvWindowSize());
        established(call);
        f.complete(call);
    }

    /** How a call the server cleared (Call-Disconnect-Notify, §2.13) is reported to the call's listeners. */
    public static final String SERVER_DISCONNECTED = "server disconnected the call: ";

    private void onCallDisconnectNotify(CallDisconnectNotify m) {
        // RFC 2637 §2.13 puts the PAC's Call ID here; some servers (accel-ppp) send ours. Accept both.
        PptpCall call = callByPeerId(m.callId());
        if (call == null) {
            call = callByLocalId(m.callId());
        }
        if (call == null) {
            ignored(m, "no call with ID " + m.callId());
            return;
        }
        CompletableFuture<Void> f = pendingClears.remove(call.localCallId());
        String why = ResultCodes.disconnect(m.resultCode())
                + (m.callStatistics().isBlank() ? "" : " (" + org.homerouter.pptp.Printable.of(m.callStatistics()) + ")");
        removeCall(call, -1, f != null ? "hung up" : SERVER_DISCONNECTED + why);
        if (f != null) {
            f.complete(null);
        }
        // Cleared before its Outgoing-Call-Reply (§2.13 lets the PAC disconnect "for any other
        // reason"): the dial waiting for the reply is told now, not after its 45 s setup timeout
        // with "no answer in time".
        CompletableFuture<PptpCall> waiting = pendingCalls.remove(call.localCallId());
        if (waiting != null) {
            waiting.completeExceptionally(new CallSetupException("server refused the call: " + why,
                    m.resultCode(), m.errorCode()));
        }
    }

    @Override
    protected void clearFromAbove(PptpCall call, boolean lostCarrier, String reason) {
        hangUp(call);
    }

    @Override
    protected void announceClear(PptpCall call, int resultCode) {
        if (call.state() != PptpCall.State.CLEARING) { // a hang-up under way has asked already (§2.12)
            send(new CallClearRequest(call.localCallId()));
        }
    }

    /** Fails whatever is still waiting once the connection is gone. */
    @Override
    protected void closed(String reason) {
        CallSetupException e = new CallSetupException(reason, -1, -1);
        started.completeExceptionally(e);
        pendingCalls.values().forEach(f -> f.completeExceptionally(e));
        pendingCalls.clear();
        pendingClears.values().forEach(f -> f.complete(null));
        pendingClears.clear();
    }

    @Override
    protected LogLimit lifeLogged() {
        return LIFE_LOGGED;
    }
}
