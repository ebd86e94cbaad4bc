package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallIdSpace;
import org.homerouter.pptp.control.ControlProtocol;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.InlineControlLink;
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
 * Calls that never log in hold a place among the logins in progress until LCP or the login times
 * out, and a flooder takes each place again the moment it frees. With the per-address cap at half
 * the places, two addresses kept every real user out for as long as they liked; with the rule per
 * address, sixteen still did, until silent logins past a grace gave way too.
 */
class LoggingInFairnessTest {
    private static final InetAddress SERVER = ip("192.0.2.1");

    private final ManualClock clock = new ManualClock();
    private final List<String> ended = new ArrayList<>();
    private PppSessions sessions;
    private CallTunnels tunnels;
    private int nextPeerCallId = 100;
    /** One connection's allocator per call, sharing the IDs as the server's one allocator does (random IDs of separate allocators can collide). */
    private final CallIdSpace callIdSpace = new CallIdSpace();

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private final InMemoryGreNetwork network = new InMemoryGreNetwork();

    private void startServer(SessionLimits limits) {
        startServer(limits, AuthPolicy.DEFAULT);
    }

    private void startServer(SessionLimits limits, AuthPolicy auth) {
        GreTransport serverGre = network.bind(SERVER);
        GreDemux demux = new GreDemux();
        serverGre.setReceiver(demux);
        sessions = TestServerSessions.create(clock, (s, reason, detail) -> ended.add(s.id() + " " + reason), auth);
        sessions.setLimits(limits);
        tunnels = new CallTunnels(serverGre, demux, clock, GreChannelConfig.DEFAULTS, sessions::sinkFor, sessions);
    }

    /** A control connection from {@code peer} that places one call and never speaks PPP: our Call ID for it. */
    private int callFrom(String peer) {
        List<OutgoingCallReply> replies = new ArrayList<>();
        PacControlConnection pac = new PacControlConnection(new InlineControlLink(ip(peer), m -> {
            if (m instanceof OutgoingCallReply r) {
                replies.add(r);
            }
        }), clock, ControlSettings.defaults("pac"), tunnels,
                new CallIdAllocator(8, RandomGenerator.getDefault(), id -> false, callIdSpace));
        pac.onMessage(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 1, "peer", "test"));
        pac.onMessage(new OutgoingCallRequest(nextPeerCallId++, 1, 300, 100_000_000, 3, 3, 64, 0, "", ""));
        assertEquals(1, replies.size());
        return replies.getFirst().callId();
    }

    /**
     * Ten seconds of timers: an ended session's Terminate-Requests go unanswered (RFC 1661 §4.6:
     * Max-Terminate 2, restart 3 s), while silent logins (10 Configure-Requests) still wait.
     */
    private void settle() {
        for (int i = 0; i < 10; i++) {
            sessions.poll();
            clock.advanceMillis(1000);
        }
        sessions.poll();
    }

    @Test
    void whenEveryPlaceIsTakenTheAddressHoldingTheMostMakesRoomForANewAddress() {
        startServer(new SessionLimits(4, 8, 2));
        int a1 = callFrom("198.51.100.1");
        callFrom("198.51.100.1");
        int b1 = callFrom("198.51.100.2");
        callFrom("198.51.100.2");
        assertEquals(4, sessions.loggingIn());

        // All within the grace for silent logins: the rule per address alone makes room.
        int c = callFrom("203.0.113.7");
        assertNotNull(sessions.session(c), "a login from a new address gets a place");
        assertEquals(4, sessions.loggingIn());
        callFrom("203.0.113.8"); // 198.51.100.2 still holds two: its oldest goes
        assertEquals(4, sessions.loggingIn());

        // Now every address holds one: nobody can make room, and the newcomer is refused.
        int refused = callFrom("203.0.113.9");
        assertNull(sessions.session(refused));
        assertEquals(4, sessions.loggingIn());
        settle();
        assertEquals(List.of("call " + a1 + " (198.51.100.1) MADE_ROOM", "call " + b1 + " (198.51.100.2) MADE_ROOM"),
                ended);
    }

    /**
     * Sixteen addresses each holding one silent call (no answer to LCP or the login request, held
     * 30 s, and placed again at once) took every place, and no address held more than a newcomer's:
     * every real user was refused, "too many logins in progress", for as long as they kept it up.
     * Past the grace a silent login gives way, the oldest first, whatever its address.
     */
    @Test
    void sixteenAddressesHoldingOneSilentLoginEachNoLongerKeepEveryoneOut() {
        startServer(SessionLimits.forRouter(16, 8));
        List<Integer> silent = new ArrayList<>();
        for (int i = 1; i <= 16; i++) {
            silent.add(callFrom("198.51.100." + i));
        }
        assertEquals(16, sessions.loggingIn());

        // Within the grace a login gives way to nobody: newcomers cannot churn slow real logins out.
        advanceSeconds(PppSessions.UNANSWERED_GRACE_SECONDS - 1);
        assertNull(sessions.session(callFrom("203.0.113.1")), "refused while every login is within its grace");
        assertEquals(List.of(), ended);

        advanceSeconds(1);
        int worker = callFrom("203.0.113.2");
        assertNotNull(sessions.session(worker), "a remote worker gets in past the silent logins");
        assertEquals(16, sessions.loggingIn());
        // Seven seconds: its Terminate-Requests go unanswered (RFC 1661 §4.6: Max-Terminate 2, restart 3 s).
        advanceSeconds(7);
        assertEquals(List.of("call " + silent.getFirst() + " (198.51.100.1) LOGIN_STALLED"), ended,
                "the oldest silent login made room");

        // The rest give way one by one, each to one newcomer; the newcomers, within their grace, do not.
        for (int i = 3; i <= 17; i++) {
            assertNotNull(sessions.session(callFrom("203.0.113." + i)));
        }
        assertNull(sessions.session(callFrom("203.0.113.99")), "every place is held by a login within its grace");
        assertEquals(16, sessions.loggingIn());
        settle();
        assertEquals(silent.stream().map(id -> "call " + id + " (198.51.100." + (silent.indexOf(id) + 1)
                + ") LOGIN_STALLED").sorted().toList(), ended.stream().sorted().toList());
        assertNotNull(sessions.session(worker), "the worker's login kept its place");
    }

    /**
     * A login whose client answered is not "waiting on its client": here the password was wrong
     * and MS-CHAPv2 invited a retry (R=1), so its user may be typing the password again, for longer
     * than the grace. It is the oldest login in progress, yet a newcomer ends the oldest silent
     * one instead; with the silent ones gone, a newcomer is refused rather than end it.
     */
    @Test
    void aLoginWhoseClientAnsweredIsNotEndedToMakeRoomHoweverLongItWaits() {
        startServer(new SessionLimits(4, 8, 2), AuthPolicy.DEFAULT.withMaxAttempts(3));
        int retyping = callThatFailsItsFirstPasswordFrom("198.51.100.50");
        assertFalse(sessions.session(retyping).loginUnanswered(), "the client answered the Challenge");
        List<Integer> silent = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            silent.add(callFrom("198.51.100." + i));
        }
        assertEquals(4, sessions.loggingIn());

        advanceSeconds(PppSessions.UNANSWERED_GRACE_SECONDS + 5); // every login is past the grace
        for (int i = 1; i <= 3; i++) {
            assertNotNull(sessions.session(callFrom("203.0.113." + i)), "a newcomer gets the place of a silent login");
        }
        assertNull(sessions.session(callFrom("203.0.113.99")),
                "refused: the one login past the grace has answered, the newcomers are within it");
        advanceSeconds(7); // the silent logins' Terminate-Requests go unanswered (Max-Terminate 2, 3 s)
        assertEquals(List.of("call " + silent.get(0) + " (198.51.100.1) LOGIN_STALLED",
                "call " + silent.get(1) + " (198.51.100.2) LOGIN_STALLED",
                "call " + silent.get(2) + " (198.51.100.3) LOGIN_STALLED").stream().sorted().toList(),
                ended.stream().sorted().toList(),
                "the silent logins made room; the answered one, older, did not");
        assertNotNull(sessions.session(retyping), "still waiting for the retyped password");
        assertEquals(4, sessions.loggingIn());
    }

    /**
     * A silent login that gives way to a newer call from its own address, when it was that address's
     * only one: the newcomer was counted among the logins in progress but filed under the address's
     * list just dropped as empty, so its end never uncounted it. Two such calls left the count at
     * the limit with nobody logging in, and every login after them was refused for good, "too many
     * logins in progress".
     */
    @Test
    void aLoginThatTookItsOwnAddresssStalledPlaceIsUncountedWhenItEnds() {
        startServer(new SessionLimits(2, 8, 2));
        callFrom("198.51.100.1");
        callFrom("198.51.100.2");
        advanceSeconds(PppSessions.UNANSWERED_GRACE_SECONDS);
        assertNotNull(sessions.session(callFrom("198.51.100.1")), "its own stalled login makes room");
        assertNotNull(sessions.session(callFrom("198.51.100.2")), "likewise");
        assertEquals(2, sessions.loggingIn());

        // LCP gives up on the newcomers too (RFC 1661 §4.6: Max-Configure 10, restart 3 s).
        advanceSeconds(40);
        assertEquals(0, sessions.registered(), "every call ended");
        assertEquals(0, sessions.loggingIn(), "and none still counts as logging in");
        assertNotNull(sessions.session(callFrom("203.0.113.1")), "a real user gets a place");
    }

    /**
     * A call from {@code peer} whose client speaks PPP: LCP opens, it answers the MS-CHAPv2
     * Challenge with a wrong password, and the server's Failure invites a retry (R=1). Our Call ID.
     */
    private int callThatFailsItsFirstPasswordFrom(String peer) {
        List<ByteBuffer> received = new ArrayList<>();
        GreTransport peerGre = network.bind(ip(peer));
        peerGre.setReceiver((source, packet) -> {
            ByteBuffer copy = ByteBuffer.allocate(packet.remaining());
            copy.put(packet.duplicate()).flip();
            received.add(copy);
        });
        int callId = callFrom(peer);
        int[] sequence = {1};
        java.util.function.Consumer<byte[]> send = ppp -> {
            PeerGre.send(peerGre, SERVER, callId, sequence[0]++, ppp);
            network.deliverAll();
        };
        send.accept(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 1, 0x42, 0, 10, 5, 6, 0x12, 0x34, 0x56, 0x78});
        // Acknowledge the server's Configure-Request as it came (same identifier and options); LCP
        // opens and the server sends its Challenge.
        for (byte[] lcp : framesOf(received, PppProtocol.LCP)) {
            if (lcp[4] == 1) {
                lcp[4] = 2;
                send.accept(lcp);
            }
        }
        List<byte[]> chap = framesOf(received, PppProtocol.CHAP);
        assertEquals(1, chap.size(), "the Challenge");
        byte[] challenge = chap.getFirst();
        assertEquals(1, challenge[4], "a Challenge");
        byte[] name = "u".getBytes(StandardCharsets.US_ASCII);
        int length = 4 + 1 + 49 + name.length;
        ByteBuffer response = ByteBuffer.allocate(4 + length);
        response.put(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC2, 0x23, 2, challenge[5]}).putShort((short) length)
                .put((byte) 49).put(new byte[16]).put(new byte[8]).put(new byte[24]).put((byte) 0).put(name);
        send.accept(response.array()); // an NT-Response of zeros: the wrong password
        chap = framesOf(received, PppProtocol.CHAP);
        assertEquals(1, chap.size(), "the Failure");
        String failure = new String(chap.getFirst(), 8, chap.getFirst().length - 8, StandardCharsets.UTF_8);
        assertTrue(chap.getFirst()[4] == 4 && failure.contains(" R=1 "), failure);
        return callId;
    }

    /** The frames of {@code protocol} the peer has received since last asked, each from its Address field on. */
    private List<byte[]> framesOf(List<ByteBuffer> received, int protocol) {
        network.deliverAll();
        List<byte[]> out = new ArrayList<>();
        for (ByteBuffer b : received) {
            ByteBuffer packet = b.duplicate();
            GreHeader h = GreCodec.decode(packet);
            if (h.payloadLength() == 0) {
                continue;
            }
            byte[] frame = new byte[packet.remaining()];
            packet.duplicate().get(frame);
            if (PppFrame.readHeader(packet) == protocol) {
                assertEquals(4, packet.position() - (packet.limit() - frame.length), "Address, Control, Protocol");
                out.add(frame);
            }
        }
        received.clear();
        return out;
    }

    /** Ticks the timers through {@code seconds} seconds, a second at a time. */
    private void advanceSeconds(int seconds) {
        for (int i = 0; i < seconds; i++) {
            clock.advanceMillis(1000);
            sessions.poll();
        }
    }

    @Test
    void anIpv6HostCountsAsItsWhole64() {
        startServer(new SessionLimits(16, 8, 2));
        assertNotNull(sessions.session(callFrom("2001:db8:1:2::a")));
        assertNotNull(sessions.session(callFrom("2001:db8:1:2::b")));
        assertNull(sessions.session(callFrom("2001:db8:1:2:ffff::c")), "a third address of the same /64 is over the cap");
        assertNotNull(sessions.session(callFrom("2001:db8:1:3::a")), "another /64 is another source");
        assertEquals(3, sessions.loggingIn());
    }
}
