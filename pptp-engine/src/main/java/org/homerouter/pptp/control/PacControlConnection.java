package org.homerouter.pptp.control;

import org.homerouter.pptp.Clock;

/**
 * The PAC (server) side of a control connection: what our VPN server does with each message a
 * PNS (a dialling-in client) sends (RFC 2637 §2). Clients place calls with Outgoing-Call-Request;
 * the PAC never originates Incoming-Call-Requests.
 */
public final class PacControlConnection extends ControlConnection {
    /** Framing and bearer capabilities we announce: async and sync, analog and digital (§2.2). */
    private static final int CAPABILITIES = 3;
    /** Connect Speed reported in OCRP: nominal, Windows shows it as the link speed. */
    private static final int CONNECT_SPEED_BPS = 100_000_000;

    /** Told the peer's address of each Outgoing-Call-Request on the established connection, accepted or not. */
    private final java.util.function.Consumer<java.net.InetAddress> callRequested;

    public PacControlConnection(ControlLink link, Clock clock, ControlSettings settings,
                                CallListener listener, CallIdAllocator callIds) {
        this(link, clock, settings, listener, callIds, peer -> { });
    }

    /**
     * @param callRequested told the peer's address of each call it places (Outgoing-Call-Request on
     *                      the established connection), whether or not the call is then accepted:
     *                      what tells a client from a port scanner, which opens the port and goes
     */
    public PacControlConnection(ControlLink link, Clock clock, ControlSettings settings,
                                CallListener listener, CallIdAllocator callIds,
                                java.util.function.Consumer<java.net.InetAddress> callRequested) {
        super(link, clock, settings, listener, callIds);
        this.callRequested = callRequested;
    }

    /** A minute: stock clients place their call at once, and stop the connection when it ends. */
    static final java.time.Duration CALL_LESS_LIMIT = java.time.Duration.ofSeconds(60);

    @Override
    protected java.time.Duration callLessLimit() {
        return CALL_LESS_LIMIT;
    }

    @Override
    protected void handle(ControlMessage message) {
        if (phase() == Phase.IDLE) {
            handleBeforeStart(message);
            return;
        }
        if (phase() == Phase.STOPPING) {
            ignored(message, "control connection is stopping");
            return;
        }
        switch (message) {
            case StartControlConnectionRequest m -> {
                // A second SCCRQ on an established connection (§2.2 result code 3).
                send(startReply(StartControlConnectionReply.RESULT_ALREADY_EXISTS));
                String more = REFUSALS_LOGGED.admit();
                if (more != null) {
                    log.info("{}: repeated Start-Control-Connection-Request refused (already established){}", peer(), more);
                }
            }
            case OutgoingCallRequest m -> onOutgoingCallRequest(m);
            case CallClearRequest m -> onCallClearRequest(m);
            case SetLinkInfo m -> onSetLinkInfo(m);
            case WanErrorNotify m -> logWanError(m);
            case IncomingCallReply m -> ignored(m, "this PAC never sends Incoming-Call-Request");
            case IncomingCallConnected m -> ignored(m, "this PAC never sends Incoming-Call-Request");
            default -> ignored(message, "only a PAC sends this message");
        }
    }

    private void handleBeforeStart(ControlMessage message) {
        switch (message) {
            case StartControlConnectionRequest m -> {
                if (m.protocolVersion() != ControlProtocol.PROTOCOL_VERSION) {
                    lifeLine(true, "{}: unsupported PPTP protocol version 0x{}; refusing", peer(),
                            Integer.toHexString(m.protocolVersion()));
                    send(startReply(StartControlConnectionReply.RESULT_BAD_PROTOCOL_VERSION));
                    abort("unsupported protocol version");
                    return;
                }
                send(startReply(StartControlConnectionReply.RESULT_OK));
                phase(Phase.ESTABLISHED);
                lifeLine(false, "{}: control connection established (host \"{}\", vendor \"{}\", firmware 0x{})",
                        peer(), m.hostName(), m.vendorString(), Integer.toHexString(m.firmwareRevision()));
            }
            case OutgoingCallRequest m -> {
                // §2.8 / §2.16: a call request without a control connection gets General Error / Not-Connected.
                send(new OutgoingCallReply(0, m.callId(), OutgoingCallReply.RESULT_GENERAL_ERROR,
                        ControlProtocol.ERROR_NOT_CONNECTED, 0, 0, 0, 0, 0));
                protocolViolation("Outgoing-Call-Request before Start-Control-Connection-Request");
            }
            default -> protocolViolation(message.type().abbreviation()
                    + " before Start-Control-Connection-Request");
        }
    }

    private StartControlConnectionReply startReply(int result) {
        return new StartControlConnectionReply(ControlProtocol.PROTOCOL_VERSION, result, ControlProtocol.ERROR_NONE,
                CAPABILITIES, CAPABILITIES, callIds.maxCalls(), settings.firmwareRevision(),
                settings.hostName(), settings.vendor());
    }

    private void onOutgoingCallRequest(OutgoingCallRequest m) {
        java.net.InetSocketAddress from = remoteAddress();
        if (from != null) {
            callRequested.accept(from.getAddress());
        }
        if (callByPeerId(m.callId()) != null) {
            // The PNS reused a Call ID that is live on this connection: GRE could not tell them apart.
            send(new OutgoingCallReply(0, m.callId(), OutgoingCallReply.RESULT_GENERAL_ERROR,
                    ControlProtocol.ERROR_BAD_CALL_ID, 0, 0, 0, 0, 0));
            String more = REFUSALS_LOGGED.admit();
            if (more != null) {
                log.warn("{}: Outgoing-Call-Request reuses live call ID {}; refused{}", peer(), m.callId(), more);
            }
            return;
        }
        // With the caller's address: a call still logging in may give its place to this one (the
        // allocator's makeRoomWith rule), as among the logins in progress.
        java.net.InetSocketAddress remote = remoteAddress();
        int id = callIds.allocate(remote == null ? null : remote.getAddress());
        if (id < 0) {
            // §2.8 result code 4 (Busy) for both: the client says "busy" and may try later, instead
            // of logging in and negotiating encryption only to fail at IPCP for want of an address.
            send(new OutgoingCallReply(0, m.callId(), OutgoingCallReply.RESULT_BUSY,
                    ControlProtocol.ERROR_NONE, 0, 0, 0, 0, 0));
            String more = REFUSALS_LOGGED.admit();
            if (more != null && id == CallIdAllocator.NO_ADDRESS) {
                log.warn("{}: call refused, busy: no tunnel address free for it (the address pool is exhausted){}",
                        peer(), more);
            } else if (more != null) {
                log.warn("{}: call refused, busy: all {} sessions in use{}", peer(), callIds.maxCalls(), more);
            }
            return;
        }
        PptpCall call = addCall(id, m.callId(), m.callSerialNumber(), PptpCall.State.WAIT_REPLY);
        call.peerReceiveWindow(m.packetRecvWindowSize());
        // Receive before the peer can send (see CallListener.callAccepted); start sending after.
        listener.callAccepted(call);
        send(new OutgoingCallReply(id, m.callId(), OutgoingCallReply.RESULT_CONNECTED, ControlProtocol.ERROR_NONE,
                0, CONNECT_SPEED_BPS, settings.receiveWindow(), 0, 0));
        established(call);
    }

    private void onCallClearRequest(CallClearRequest m) {
        // CCRQ carries the PNS's own Call ID (§2.12).
        PptpCall call = callByPeerId(m.callId());
        if (call == null) {
            ignored(m, "no live call with peer call ID " + m.callId());
            return;
        }
        removeCall(call, CallDisconnectNotify.RESULT_REQUEST, "cleared by the client");
    }

    private void onSetLinkInfo(SetLinkInfo m) {
        // SLI's Peer's Call ID is ours (§2.15). PPP over GRE has no async framing, so ACCMs only get recorded.
        PptpCall call = callByLocalId(m.peerCallId());
        if (call == null) {
            ignored(m, "no live call with call ID " + m.peerCallId());
            return;
        }
        call.linkInfo(m.sendAccm(), m.receiveAccm());
        log.debug("{}: Set-Link-Info for {}: send ACCM {} receive ACCM {}", peer(), call,
                Integer.toHexString(m.sendAccm()), Integer.toHexString(m.receiveAccm()));
    }

    @Override
    protected void clearFromAbove(PptpCall call, boolean lostCarrier, String reason) {
        removeCall(call, lostCarrier ? CallDisconnectNotify.RESULT_LOST_CARRIER : CallDisconnectNotify.RESULT_ADMIN_SHUTDOWN,
                reason);
    }

    @Override
    protected void announceClear(PptpCall call, int resultCode) {
        send(new CallDisconnectNotify(call.localCallId(), resultCode, ControlProtocol.ERROR_NONE, 0, ""));
    }
}
