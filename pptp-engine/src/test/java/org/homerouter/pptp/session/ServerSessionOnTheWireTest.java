package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ControlLink;
import org.homerouter.pptp.control.InlineControlLink;
import org.homerouter.pptp.control.ControlProtocol;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.OutgoingCallReply;
import org.homerouter.pptp.control.OutgoingCallRequest;
import org.homerouter.pptp.control.PacControlConnection;
import org.homerouter.pptp.control.StartControlConnectionRequest;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreCodec;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreHeader;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.ppp.PppFrame;
import org.homerouter.pptp.ppp.PppProtocol;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.junit.jupiter.api.Test;

/**
 * Our server's session against a peer written octet by octet, for what the peer does with its
 * timing. pptp-linux starts pppd the moment it reads our Outgoing-Call-Reply, and pppd sends its
 * first LCP Configure-Request at once. That frame can reach us before the code after the reply has
 * run: it must find the call's GRE channel and reach its PPP session, or LCP stalls for a restart
 * period. Here the peer answers inside the reply's own send, which is the earliest possible moment.
 */
class ServerSessionOnTheWireTest {
    private static final InetAddress SERVER = ip("127.0.0.2");
    private static final InetAddress PEER = ip("127.0.0.1");
    private static final int PEER_CALL_ID = 777;
    private static final int CONFIGURE_REQUEST = 1;
    private static final int CONFIGURE_ACK = 2;
    private static final int PEER_IDENTIFIER = 0x42;

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final InMemoryGreNetwork network = new InMemoryGreNetwork();
    private final GreTransport serverGre = network.bind(SERVER);
    private final GreTransport peerGre = network.bind(PEER);
    private final GreDemux demux = new GreDemux();
    private final List<ByteBuffer> peerReceived = new ArrayList<>();
    private final List<OutgoingCallReply> replies = new ArrayList<>();
    private PppSessions sessions;
    private PacControlConnection pac;
    /** What the server's calls send through: {@link #serverGre}, unless a test breaks it. */
    private GreTransport serverSends = serverGre;
    private final List<String> ended = new ArrayList<>();
    private CallTunnels tunnels;
    private final CallIdAllocator callIds = new CallIdAllocator(8);
    /** The peer's next GRE sequence number: a repeated one is a duplicate the server drops (RFC 2637 §4.3). */
    private int peerSequence = 1;

    /** Our server with one call placed by the peer; {@code onReply} runs inside the reply's send. */
    private void placeCall(java.util.function.Consumer<OutgoingCallReply> onReply) {
        serverGre.setReceiver(demux);
        peerGre.setReceiver((source, packet) -> {
            ByteBuffer copy = ByteBuffer.allocate(packet.remaining());
            copy.put(packet.duplicate()).flip();
            peerReceived.add(copy);
        });
        sessions = TestServerSessions.create(clock, (s, reason, detail) -> ended.add(reason + ": " + detail));
        tunnels = new CallTunnels(serverSends, demux, clock, GreChannelConfig.DEFAULTS, sessions::sinkFor, sessions);
        ControlLink link = new InlineControlLink(PEER, message -> {
            if (message instanceof OutgoingCallReply reply) {
                replies.add(reply);
                onReply.accept(reply);
            }
        });
        pac = new PacControlConnection(link, clock, ControlSettings.defaults("pac"), tunnels, callIds);
        pac.onMessage(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 1, "peer", "test"));
        pac.onMessage(new OutgoingCallRequest(PEER_CALL_ID, 1, 300, 100_000_000, 3, 3, 64, 0, "", ""));
        assertEquals(1, replies.size());
        assertEquals(OutgoingCallReply.RESULT_CONNECTED, replies.getFirst().resultCode());
    }

    private void peerSendsConfigureRequest() {
        peerSends(lcpConfigureRequest());
    }

    private void peerSends(byte[] ppp) {
        PeerGre.send(peerGre, SERVER, replies.getFirst().callId(), peerSequence++, ppp);
        network.deliverAll();
    }

    /** The peer acknowledges every LCP Configure-Request it has received, as they came, and forgets what it read. */
    private void peerAcksOurConfigureRequests() {
        network.deliverAll();
        List<byte[]> acks = new ArrayList<>();
        for (ByteBuffer received : peerReceived) {
            ByteBuffer packet = received.duplicate();
            GreHeader h = GreCodec.decode(packet);
            if (h.payloadLength() == 0) {
                continue;
            }
            int frameStart = packet.position();
            byte[] frame = new byte[packet.remaining()];
            packet.duplicate().get(frame);
            if (PppFrame.readHeader(packet) == PppProtocol.LCP && packet.get(packet.position()) == CONFIGURE_REQUEST) {
                frame[packet.position() - frameStart] = CONFIGURE_ACK; // same identifier and options (RFC 1661 §5.2)
                acks.add(frame);
            }
        }
        peerReceived.clear();
        acks.forEach(this::peerSends);
    }

    /** The LCP frames the peer has received, as "code/identifier". */
    private List<String> lcpReceived() {
        network.deliverAll();
        List<String> out = new ArrayList<>();
        for (ByteBuffer received : peerReceived) {
            ByteBuffer packet = received.duplicate();
            GreHeader h = GreCodec.decode(packet);
            if (h.payloadLength() == 0) {
                continue;
            }
            assertEquals(PEER_CALL_ID, h.callId());
            if (PppFrame.readHeader(packet) != PppProtocol.LCP) {
                continue;
            }
            out.add((packet.get() & 0xFF) + "/" + (packet.get() & 0xFF));
        }
        return out;
    }

    @Test
    void thePeersFirstLcpFrameSentOnReadingTheCallReplyIsAnswered() throws Exception {
        // The peer reads the reply and its pppd speaks before our send() has even returned.
        placeCall(reply -> peerSendsConfigureRequest());
        assertEquals(0, demux.counters().unknownCall(), "the early frame found no GRE channel");
        assertNotNull(sessions.session(replies.getFirst().callId()));
        assertTrue(lcpReceived().contains(CONFIGURE_ACK + "/" + PEER_IDENTIFIER),
                "our LCP never acknowledged the peer's first Configure-Request; LCP sent: " + lcpReceived());
    }

    /**
     * Apple's and Android's clients open their GRE only after reading the Outgoing-Call-Reply and
     * drop what arrives before: our Configure-Request, if sent with the reply, was lost, and LCP
     * came up only after our 3 s restart timer sent it again. The server lets the client speak first.
     */
    @Test
    void theServerSpeaksLcpOnlyOnceTheClientHasSoItsFirstFrameIsNotLostToAClientStillSettingUp() {
        placeCall(reply -> { });
        clock.advanceMillis(900);
        sessions.poll();
        assertEquals(List.of(), lcpReceived(), "nothing sent into a client that may not be listening yet");

        peerSendsConfigureRequest();
        List<String> lcp = lcpReceived();
        assertEquals(2, lcp.size(), lcp.toString());
        assertTrue(lcp.getFirst().startsWith(CONFIGURE_REQUEST + "/"), "our Configure-Request first: " + lcp);
        assertEquals(CONFIGURE_ACK + "/" + PEER_IDENTIFIER, lcp.get(1), "then the client's is acknowledged");
    }

    /** A client that waits for the server to speak first still gets LCP going, a second later. */
    @Test
    void aClientThatWaitsHearsTheServersConfigureRequestAfterASecond() {
        placeCall(reply -> { });
        sessions.poll();
        assertEquals(List.of(), lcpReceived());
        clock.advanceMillis(1000);
        sessions.poll();
        List<String> lcp = lcpReceived();
        assertEquals(1, lcp.size(), lcp.toString());
        assertTrue(lcp.getFirst().startsWith(CONFIGURE_REQUEST + "/"), lcp.toString());
    }

    /**
     * A client that never logs in but renegotiates LCP before each login exchange runs out (RFC
     * 1661 §4.2: a Configure-Request in Opened restarts the link, and with it the login) held one
     * of the router's logins in progress for ever; 16 of them kept every real login out. The whole
     * login now has a deadline from the call.
     */
    @Test
    void aClientThatRenegotiatesLcpInsteadOfLoggingInIsHungUpAfterTheLoginDeadline() {
        placeCall(reply -> { });
        long renegotiations = 0;
        for (int second = 0; second < 600 && ended.isEmpty(); second++) {
            if (second % 20 == 0) {
                peerSendsConfigureRequest(); // a new link, a new login exchange, each before 30 s
                renegotiations++;
            }
            peerAcksOurConfigureRequests(); // LCP opens; the Challenge that follows goes unanswered
            clock.advanceMillis(1000);
            sessions.poll();
        }
        assertTrue(renegotiations >= 3, "the login exchanges were restarted: " + renegotiations);
        assertEquals(1, ended.size(), "still logging in after 10 min, renegotiated " + renegotiations + " times");
        assertTrue(ended.getFirst().startsWith(SessionEnd.LOGIN_TIMEOUT + ": no login within 60 s"), ended.toString());
        assertTrue(clock.nanos() <= java.time.Duration.ofSeconds(70).toNanos() + clockStart, "ended at "
                + (clock.nanos() - clockStart) / 1_000_000_000 + " s");
        assertEquals(0, sessions.loggingIn(), "its login slot is free");
    }

    /**
     * A client whose link came up (its GRE got through both ways) but that never answered the
     * Challenge ended as "the client stopped answering during link setup", whose advice sent the
     * owner to the client's network and its GRE. Its login is what did not happen.
     */
    @Test
    void aClientThatSetsUpTheLinkButNeverAnswersTheLoginEndsAsALoginNotCompleted() {
        placeCall(reply -> { });
        peerSendsConfigureRequest();
        for (int second = 0; second < 120 && ended.isEmpty(); second++) {
            peerAcksOurConfigureRequests(); // LCP opens; the Challenges that follow go unanswered
            clock.advanceMillis(1000);
            sessions.poll();
        }
        assertEquals(1, ended.size(), "still logging in after 2 min");
        assertTrue(ended.getFirst().startsWith(SessionEnd.LOGIN_TIMEOUT + ": "), ended.toString());
        assertEquals("Login not completed in time", TerminateWords.of(SessionEnd.LOGIN_TIMEOUT, SessionRole.SERVER));
    }

    /**
     * The link came up once, then the client renegotiated it and our side of the new negotiation
     * went unanswered (its network stopped passing our GRE) until the login deadline: the link
     * being set up again is what stalled, not the login, and the end says so (LCP_TIMEOUT, whose
     * advice looks at the network), not "the client's network is not the problem".
     */
    @Test
    void aLinkRenegotiatingWhenTheLoginDeadlineComesEndsAsLinkSetupNotAsALogin() {
        placeCall(reply -> { });
        for (int second = 0; second < 45; second++) {
            if (second % 20 == 0) {
                peerSendsConfigureRequest(); // up, and again at 20 s: each login exchange within its 30 s
            }
            peerAcksOurConfigureRequests(); // the Challenges unanswered
            clock.advanceMillis(1000);
            sessions.poll();
        }
        peerSendsConfigureRequest(); // renegotiates at 45 s; nothing of ours is acknowledged from now on
        for (int second = 45; second < 120 && ended.isEmpty(); second++) {
            network.deliverAll();
            clock.advanceMillis(1000);
            sessions.poll();
        }
        assertEquals(1, ended.size(), ended.toString());
        assertTrue(ended.getFirst().startsWith(SessionEnd.LCP_TIMEOUT + ": no login within 60 s"), ended.toString());
    }

    /** The peer Configure-Naks each of our LCP Configure-Requests it has received with {@code option} (RFC 1661 §5.3). */
    private void peerNaksOurConfigureRequestsWith(byte[] option) {
        network.deliverAll();
        List<byte[]> naks = new ArrayList<>();
        for (ByteBuffer received : peerReceived) {
            ByteBuffer packet = received.duplicate();
            GreHeader h = GreCodec.decode(packet);
            if (h.payloadLength() == 0 || PppFrame.readHeader(packet) != PppProtocol.LCP
                    || packet.get(packet.position()) != CONFIGURE_REQUEST) {
                continue;
            }
            byte[] nak = new byte[4 + 4 + option.length];
            nak[0] = (byte) 0xFF;
            nak[1] = 0x03;
            nak[2] = (byte) 0xC0;
            nak[3] = 0x21;
            nak[4] = 3; // Configure-Nak
            nak[5] = packet.get(packet.position() + 1); // the request's identifier
            nak[7] = (byte) (4 + option.length);
            System.arraycopy(option, 0, nak, 8, option.length);
            naks.add(nak);
        }
        peerReceived.clear();
        naks.forEach(this::peerSends);
    }

    /**
     * A client that Naks our Authentication-Protocol (MS-CHAPv2) with another method (RFC 1661 §6.2)
     * ends the session; the end names what it asked for, and whether this router could do it at
     * all: EAP and MS-CHAP v1 it cannot (no setting here allows them), CHAP-MD5 it can if allowed.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "c227   | AUTH_METHOD_UNSUPPORTED: the client asked for EAP, which this router does not offer",
            "c22380 | AUTH_METHOD_UNSUPPORTED: the client asked for MS-CHAP (version 1), which this router does not offer",
            "c22305 | AUTH_METHOD_REFUSED: the client asked for CHAP-MD5, which the VPN server's settings do not offer",
            "c023   | AUTH_METHOD_REFUSED: the client asked for PAP, which the VPN server's settings do not offer"})
    void aClientAskingForAnotherLoginMethodIsToldApartByWhetherThisRouterHasIt(String askedFor, String expected) {
        byte[] method = java.util.HexFormat.of().parseHex(askedFor);
        byte[] option = new byte[2 + method.length];
        option[0] = 3; // Authentication-Protocol
        option[1] = (byte) option.length;
        System.arraycopy(method, 0, option, 2, method.length);
        placeCall(reply -> { });
        peerSendsConfigureRequest();
        for (int i = 0; i < 20 && ended.isEmpty(); i++) {
            peerNaksOurConfigureRequestsWith(option);
            clock.advanceMillis(3000);
            sessions.poll();
        }
        assertEquals(1, ended.size(), ended.toString());
        assertTrue(ended.getFirst().startsWith(expected), ended.toString());
        assertTrue(ended.getFirst().endsWith("offered here: MS-CHAP v2"), ended.toString());
    }

    private final long clockStart = clock.nanos();

    /**
     * A call from the same address with a live call's Call ID, on another control connection,
     * takes that call's place only once it has logged in as the same account (WholeSessionTest):
     * one that never logs in ends nothing, or anyone sharing the address (a carrier's NAT, a
     * hotel's) could end another's session by trying Call IDs.
     */
    @Test
    void aCallWithALiveCallsIdThatNeverLogsInEndsNothing() {
        placeCall(reply -> { });
        peerSendsConfigureRequest();
        peerAcksOurConfigureRequests(); // the old call's LCP is open, its login under way
        int oldCall = replies.getFirst().callId();
        PacControlConnection newPac = new PacControlConnection(new InlineControlLink(PEER, message -> {
            if (message instanceof OutgoingCallReply reply) {
                replies.add(reply);
            }
        }), clock, ControlSettings.defaults("pac"), tunnels, callIds);
        newPac.onMessage(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 1, "peer", "test"));
        newPac.onMessage(new OutgoingCallRequest(PEER_CALL_ID, 1, 300, 100_000_000, 3, 3, 64, 0, "", ""));
        assertEquals(OutgoingCallReply.RESULT_CONNECTED, replies.getLast().resultCode(), "the new call is taken");
        int newCall = replies.getLast().callId();
        peerReceived.clear();

        for (int i = 0; i < 30; i++) { // 3 s: the new call's login never comes
            clock.advanceMillis(100);
            sessions.poll();
        }
        assertEquals(List.of(), ended, "nothing ended");
        assertNotNull(sessions.session(oldCall), "the earlier call's session stays");
        assertTrue(lcpReceived().stream().noneMatch(f -> f.startsWith("5/")), "no Terminate-Request: " + lcpReceived());
        assertNotNull(sessions.session(newCall));
    }

    /**
     * One session's timers fail at every tick (here its GRE sends throw, as a bug would): the
     * others keep theirs. The failure used to end the whole tick at that session, and every
     * session after it never sent its LCP again.
     */
    @Test
    void aSessionWhoseTimersFailDoesNotStopTheOthers() {
        int[] broken = {0}; // the call that sends first is the broken one, whichever the tick reaches first
        serverSends = new GreTransport() {
            @Override
            public void send(InetAddress destination, ByteBuffer packet) throws java.io.IOException {
                int callId = GreCodec.decode(packet.duplicate()).callId();
                if (broken[0] == 0) {
                    broken[0] = callId;
                }
                if (callId == broken[0]) {
                    throw new IllegalStateException("this call's sends are broken");
                }
                serverGre.send(destination, packet);
            }

            @Override
            public void setReceiver(org.homerouter.pptp.gre.GrePacketReceiver receiver) {
                serverGre.setReceiver(receiver);
            }

            @Override
            public void close() {
            }
        };
        placeCall(reply -> { });
        replies.clear();
        pac.onMessage(new OutgoingCallRequest(PEER_CALL_ID + 1, 2, 300, 100_000_000, 3, 3, 64, 0, "", ""));
        assertEquals(1, replies.size());
        assertEquals(OutgoingCallReply.RESULT_CONNECTED, replies.getFirst().resultCode());
        for (int tick = 0; tick < 100; tick++) { // 5 s: LCP opens after 1 s, then retransmits every 3 s
            clock.advanceMillis(50);
            sessions.poll();
        }
        assertTrue(broken[0] != 0, "a call sent");
        network.deliverAll();
        int healthy = broken[0] == PEER_CALL_ID ? PEER_CALL_ID + 1 : PEER_CALL_ID; // as the peer numbers them
        long requests = peerReceived.stream().filter(b -> {
            ByteBuffer packet = b.duplicate();
            GreHeader h = GreCodec.decode(packet);
            return h.callId() == healthy && h.payloadLength() > 0 && PppFrame.readHeader(packet) == PppProtocol.LCP
                    && packet.get(packet.position()) == CONFIGURE_REQUEST;
        }).count();
        assertTrue(requests >= 2, "the healthy call's LCP Configure-Requests (first, then a retransmission): "
                + requests);
    }

    /** LCP Configure-Request with a Magic-Number, as pppd's first frame. */
    private static byte[] lcpConfigureRequest() {
        return new byte[] {
                (byte) 0xFF, 0x03, (byte) 0xC0, 0x21,                 // Address, Control, LCP
                CONFIGURE_REQUEST, PEER_IDENTIFIER, 0x00, 0x0A,       // Code, Identifier, Length 10
                0x05, 0x06, 0x12, 0x34, 0x56, 0x78};                  // Magic-Number
    }
}
