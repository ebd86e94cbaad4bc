package org.homerouter.pptp.alg;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.OutgoingCallReply;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.Inet4Address;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGeneratorFactory;

import static org.homerouter.pptp.alg.AlgFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class PptpAlgTest {
    static final Inet4Address CLIENT_A = ip("192.168.1.10");
    static final Inet4Address CLIENT_B = ip("192.168.1.11");
    static final Inet4Address SERVER = ip("203.0.113.5");
    static final Inet4Address PUBLIC = ip("198.51.100.1");

    final ManualClock clock = new ManualClock();
    final List<String> events = new ArrayList<>();
    final List<GreMapping> mapped = new ArrayList<>();
    /** Connections the NAT gave another address than {@link #PUBLIC}. */
    final java.util.Map<ControlFlow, Inet4Address> natted = new java.util.HashMap<>();
    /**
     * Seeded, as {@link #randomSegmentationRetransmissionAndOverlapGiveTheSameRewrittenStream}'s:
     * an unseeded generator now and then (about one run in 6,000) drew the client's own call ID as
     * its NAT ID, which the checks that an ID was translated then took for no translation. Each
     * test has its own instance and so the same draws (28699, 42857, 33541, 373, ... for 42): no
     * test's NAT IDs include a call ID its clients use (the smallest any test is given is 56).
     */
    final PptpAlg alg = new PptpAlg(clock, AlgTimeouts.KERNEL, flow -> natted.getOrDefault(flow, PUBLIC), new GreMappingListener() {
        @Override
        public void mapped(GreMapping m) {
            events.add("mapped " + m);
            mapped.add(m);
        }

        @Override
        public void unmapped(GreMapping m) {
            events.add("unmapped " + m);
            mapped.remove(m);
        }
    }, RandomGeneratorFactory.of("L64X128MixRandom").create(42));

    static Inet4Address ip(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Both ends of one control connection, each with its own sequence numbers, starting with a
     * TCP handshake and the control connection's Start-Control-Connection-Request and -Reply.
     */
    final class Conversation {
        final ControlFlow flow;
        int clientSeq;
        int serverSeq;
        /** Whether the receiver of each segment acknowledges it at once (a bare ACK), as TCP does. */
        boolean acknowledge = true;

        Conversation(Inet4Address client, int port, int clientIsn, int serverIsn) {
            this(client, port, clientIsn, serverIsn, true);
        }

        Conversation(Inet4Address client, int port, int clientIsn, int serverIsn, boolean start) {
            flow = new ControlFlow(client, port, SERVER, 1723);
            clientSeq = clientIsn;
            serverSeq = serverIsn;
            assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(flow, Direction.TO_SERVER, clientSeq, true, false, false, new byte[0], 0, 0)));
            assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(flow, Direction.TO_CLIENT, serverSeq, true, false, false, new byte[0], 0, 0)));
            clientSeq++;
            serverSeq++;
            if (start) {
                toServer(sccrq());
                toClient(sccrp(1));
            }
        }

        /** Sends {@code bytes} in one segment and returns them as forwarded. */
        byte[] toServer(byte[] bytes) {
            return send(Direction.TO_SERVER, bytes, SegmentVerdict.ACCEPT, SegmentVerdict.ACCEPT_REWRITTEN);
        }

        byte[] toClient(byte[] bytes) {
            return send(Direction.TO_CLIENT, bytes, SegmentVerdict.ACCEPT, SegmentVerdict.ACCEPT_REWRITTEN);
        }

        byte[] send(Direction d, byte[] bytes, SegmentVerdict... allowed) {
            byte[] copy = bytes.clone();
            SegmentVerdict v = alg.onSegment(TcpSegment.of(flow, d, d == Direction.TO_SERVER ? clientSeq : serverSeq, copy));
            assertTrue(Arrays.asList(allowed).contains(v), "verdict " + v);
            if (d == Direction.TO_SERVER) {
                clientSeq += bytes.length;
            } else {
                serverSeq += bytes.length;
            }
            if (acknowledge && v != SegmentVerdict.DROP) {
                Direction back = d == Direction.TO_SERVER ? Direction.TO_CLIENT : Direction.TO_SERVER;
                alg.onSegment(new TcpSegment(flow, back, back == Direction.TO_SERVER ? clientSeq : serverSeq, false, false,
                        false, new byte[0], 0, 0, true, d == Direction.TO_SERVER ? clientSeq : serverSeq));
            }
            return copy;
        }

        /** Opens an outgoing call with the PNS's {@code callId}; the server answers with {@code serverCallId}. Returns the NAT ID. */
        int call(int callId, int serverCallId) {
            byte[] ocrq = toServer(ocrq(callId));
            int nat = u16At(ocrq, 12);
            byte[] ocrp = toClient(ocrp(serverCallId, nat, 1));
            assertEquals(callId, u16At(ocrp, 14), "OCRP's Peer's Call ID restored for the client");
            assertEquals(serverCallId, u16At(ocrp, 12), "the PAC's own Call ID is left alone");
            assertEquals(1, ocrp[16], "a call with a NAT ID is told the server's result (connected)");
            return nat;
        }
    }

    @Test
    void ocrqGetsANatCallIdAndOcrpMapsItBackAndTheGreMappingAppears() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        byte[] ocrq = c.toServer(ocrq(0x0001));
        int nat = u16At(ocrq, 12);
        assertNotEquals(0, nat);
        byte[] untouched = ocrq(0x0001);
        untouched[12] = ocrq[12];
        untouched[13] = ocrq[13];
        assertArrayEquals(untouched, ocrq, "only the Call ID changes");
        assertTrue(mapped.isEmpty(), "no GRE before the server answers");

        byte[] ocrp = c.toClient(ocrp(0x4000, nat, 1));
        assertEquals(0x0001, u16At(ocrp, 14));
        assertEquals(List.of(new GreMapping(CLIENT_A, 1, SERVER, 0x4000, PUBLIC, nat)), mapped);
        assertEquals(mapped.getFirst(), alg.mappingFor(SERVER, PUBLIC, nat).orElseThrow());
    }

    /**
     * As in production, where the client's first SYN is not queued (it is not masqueraded yet
     * where the ALG looks): the server's SYN-ACK says where the client's data starts, so a client
     * that starts every segment inside a message still has its call request parsed and its Call
     * ID rewritten, rather than passed with an ID of its choosing (another client's NAT ID).
     */
    @Test
    void aClientWhoseSegmentsAllStartInsideAMessageIsFollowedFromTheServersSynAck() {
        ControlFlow flow = new ControlFlow(CLIENT_A, 40001, SERVER, 1723);
        int clientSeq = 1001;
        int serverSeq = 5000;
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(flow, Direction.TO_CLIENT, serverSeq++, true, false,
                false, new byte[0], 0, 0, true, clientSeq)));
        byte[] start = sccrq();
        byte[] call = ocrq(0x2345);
        for (byte[] part : List.of(Arrays.copyOfRange(start, 0, 6), Arrays.copyOfRange(start, 6, start.length))) {
            alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, clientSeq, part));
            clientSeq += part.length;
        }
        byte[] reply = sccrp(1);
        alg.onSegment(TcpSegment.of(flow, Direction.TO_CLIENT, serverSeq, reply));
        byte[] head = Arrays.copyOfRange(call, 0, 6);
        assertNotEquals(SegmentVerdict.DROP, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, clientSeq, head)));
        byte[] rest = Arrays.copyOfRange(call, 6, call.length);
        assertEquals(SegmentVerdict.ACCEPT_REWRITTEN, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, clientSeq + 6, rest)));
        assertNotEquals(0x2345, u16At(rest, 12 - 6), "the call request's Call ID was rewritten to a NAT ID");
        assertEquals(1, alg.calls().size());
    }

    /**
     * Every rewrite is remembered for a retransmission, until the receiver acknowledges it: a
     * connection whose server acknowledges holds a few, one whose server never does (a LAN host
     * and a server of its own, flooding rewrites to fill the router's memory) holds a bounded number.
     */
    @Test
    void rewritesAreForgottenOnceAcknowledgedAndBoundedWhenNeverAcknowledged() {
        Conversation acked = new Conversation(CLIENT_A, 40001, 1000, 5000);
        acked.call(7, 0x100);
        for (int i = 0; i < 300; i++) {
            assertNotEquals(7, u16At(acked.toServer(ccrq(7)), 12), "each Call-Clear-Request rewritten");
            alg.onSegment(new TcpSegment(acked.flow, Direction.TO_CLIENT, acked.serverSeq, false, false, false,
                    new byte[0], 0, 0, true, acked.clientSeq));
        }
        assertTrue(alg.rewritesRemembered() <= 1, "acknowledged rewrites kept: " + alg.rewritesRemembered());
        // Unacknowledged, the last one is still rewritten when sent again.
        acked.acknowledge = false;
        int before = acked.clientSeq;
        byte[] last = acked.toServer(ccrq(7));
        byte[] again = ccrq(7);
        assertEquals(SegmentVerdict.ACCEPT_REWRITTEN, alg.onSegment(TcpSegment.of(acked.flow, Direction.TO_SERVER, before, again)));
        assertArrayEquals(last, again);

        // Never acknowledged: once 2 KB wait, new data is dropped (its sender sends it again later).
        Conversation unacked = new Conversation(CLIENT_B, 40002, 1000, 5000);
        unacked.call(8, 0x101);
        int sent = 0;
        for (int i = 0; i < 300; i++) {
            byte[] clear = ccrq(8);
            if (alg.onSegment(TcpSegment.of(unacked.flow, Direction.TO_SERVER, unacked.clientSeq, clear)) == SegmentVerdict.DROP) {
                break;
            }
            unacked.clientSeq += clear.length;
            sent++;
        }
        assertTrue(sent > 50 && sent < 300, sent + " Call-Clear-Requests passed unacknowledged");
        assertTrue(alg.rewritesRemembered() <= 2 + ControlStream.MAX_UNACKNOWLEDGED / 16, "bounded: " + alg.rewritesRemembered());
    }

    /**
     * A retransmission must carry what was first sent: a LAN client whose first copy never
     * reached the server (a TTL that ends past the router) cannot follow it with other octets, a
     * call request with another client's NAT ID, passed unparsed as "seen already".
     */
    @Test
    void aRetransmissionThatDiffersFromTheFirstCopyIsDropped() {
        Conversation victim = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int victimNat = victim.call(7, 0x100);
        Conversation c = new Conversation(CLIENT_B, 40002, 3000, 7000);
        byte[] harmless = echoRequest();
        byte[] forged = Arrays.copyOf(ocrq(victimNat), harmless.length);
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq, harmless.clone())));
        assertEquals(SegmentVerdict.DROP, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq, forged)));
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq, harmless.clone())),
                "the true retransmission passes");
        // Once the server has acknowledged them, octets sent again are discarded by it unread: not checked.
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_CLIENT, c.serverSeq, false, false, false, new byte[0], 0, 0,
                true, c.clientSeq + harmless.length));
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq, forged)));
    }

    /**
     * An office NATs one LAN host to another of its public addresses ('snat to'): that call's GRE
     * must leave from the address its control connection was NATed to, the other's from theirs.
     */
    @Test
    void eachCallsGreLeavesFromTheAddressItsControlConnectionWasNatedTo() {
        Inet4Address other = ip("198.51.100.7");
        natted.put(new ControlFlow(CLIENT_A, 40000, SERVER, 1723), other);
        int natA = new Conversation(CLIENT_A, 40000, 1000, 5000).call(7, 300);
        int natB = new Conversation(CLIENT_B, 40001, 2000, 6000).call(7, 301);
        assertEquals(List.of(other, PUBLIC), mapped.stream().map(GreMapping::publicAddress).toList());
        assertTrue(alg.mappingFor(SERVER, other, natA).isPresent(), "the server's GRE to that address finds the call");
        assertTrue(alg.mappingFor(SERVER, PUBLIC, natA).isEmpty());
        assertTrue(alg.mappingFor(SERVER, PUBLIC, natB).isPresent());
    }

    /**
     * The WAN got a new address (a DHCP lease renewed to another): the connections NATed to the old
     * one end with their calls, whose GRE NAT would otherwise send the clients' GRE out from an
     * address that may be another customer's now; the other address's call stands.
     */
    @Test
    void connectionsNatedToAnAddressTheRouterNoLongerHoldsEndWithTheirCalls() {
        Inet4Address old = ip("198.51.100.7");
        natted.put(new ControlFlow(CLIENT_A, 40001, SERVER, 1723), old);
        natted.put(new ControlFlow(CLIENT_A, 40002, SERVER, 1723), old);
        new Conversation(CLIENT_A, 40001, 1000, 5000); // no call on it: ends all the same
        new Conversation(CLIENT_A, 40002, 1000, 5000).call(7, 300);
        Conversation stays = new Conversation(CLIENT_B, 40003, 2000, 6000);
        stays.call(7, 301);
        assertEquals(java.util.Set.of(old, PUBLIC), alg.publicAddresses());
        assertEquals(1, alg.endConnectionsFrom(old, "198.51.100.7 is not the router's any more"));
        assertEquals(List.of(PUBLIC), mapped.stream().map(GreMapping::publicAddress).toList());
        assertEquals(1, alg.calls().size());
        assertEquals(java.util.Set.of(PUBLIC), alg.publicAddresses());
        assertEquals(1, alg.connectionCount(), "both connections NATed to the old address are gone");
    }

    @Test
    void twoClientsWithTheSameCallIdToTheSameServerGetDifferentNatIds() {
        Conversation a = new Conversation(CLIENT_A, 40001, 1000, 5000);
        Conversation b = new Conversation(CLIENT_B, 40001, 1000, 5000);
        int natA = a.call(7, 0x100);
        int natB = b.call(7, 0x101);
        assertNotEquals(natA, natB);
        assertEquals(CLIENT_A, alg.mappingFor(SERVER, PUBLIC, natA).orElseThrow().client());
        assertEquals(CLIENT_B, alg.mappingFor(SERVER, PUBLIC, natB).orElseThrow().client());
        assertEquals(7, alg.mappingFor(SERVER, PUBLIC, natB).orElseThrow().clientCallId());
        assertEquals(2, alg.calls().size());
    }

    @Test
    void aSecondOutgoingCallReplyCannotMoveAnInstalledGreRule() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = c.call(1, 0x100);
        GreMapping installed = mapped.getFirst();
        c.toClient(ocrp(0x999, nat, 1));
        assertEquals(List.of(installed), mapped, "the first reply's server call ID stays");
        c.toClient(cdn(nat));
        assertEquals(List.of(), mapped, "and the rule that was installed is the one removed");
        assertEquals(List.of("mapped " + installed, "unmapped " + installed), events);
    }

    @Test
    void severalCallsShareOneControlConnection() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int first = c.call(1, 0x100);
        int second = c.call(2, 0x200);
        assertNotEquals(first, second);
        assertEquals(2, mapped.size());
        byte[] cdn = c.toClient(cdn(second));
        assertEquals(2, u16At(cdn, 12));
        assertEquals(List.of(first), mapped.stream().map(GreMapping::natCallId).toList());
    }

    @Test
    void aMessageSplitAcrossSegmentsIsFollowedAndRewritten() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        byte[] whole = ocrq(0x0001);
        // Split inside the header, right before the Call ID and in the middle of the phone number.
        byte[] p1 = c.toServer(Arrays.copyOfRange(whole, 0, 5));
        byte[] p2 = c.toServer(Arrays.copyOfRange(whole, 5, 12));
        byte[] p3 = c.toServer(Arrays.copyOfRange(whole, 12, 100));
        byte[] p4 = c.toServer(Arrays.copyOfRange(whole, 100, whole.length));
        assertArrayEquals(Arrays.copyOfRange(whole, 0, 5), p1);
        assertArrayEquals(Arrays.copyOfRange(whole, 5, 12), p2);
        assertArrayEquals(Arrays.copyOfRange(whole, 100, whole.length), p4);
        int nat = u16At(p3, 0);
        assertNotEquals(1, nat);
        // Two messages in one segment, the second one's Call ID rewritten too.
        byte[] both = concat(ocrp(0x100, nat, 1), sli(nat));
        byte[] out = c.toClient(both);
        assertEquals(1, u16At(out, 14));
        assertEquals(1, u16At(out, 32 + 12));
        assertEquals(1, mapped.size());
    }

    @Test
    void aSegmentEndingInsideACallIdFieldIsDroppedUntilTheFieldComesWhole() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        byte[] whole = ocrq(0x0001);
        byte[] first = Arrays.copyOfRange(whole, 0, 13);
        assertEquals(SegmentVerdict.DROP, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq, first)));
        assertTrue(alg.calls().isEmpty(), "nothing allocated for a dropped segment");
        // The sender retransmits, collapsed with what followed.
        byte[] out = c.toServer(whole);
        assertNotEquals(1, u16At(out, 12));
        assertEquals(1, alg.calls().size());
    }

    @Test
    void retransmittedAndOverlappingSegmentsAreRewrittenAsTheFirstCopyWas() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        c.acknowledge = false; // (sent again because no acknowledgment came)
        int start = c.clientSeq;
        byte[] whole = ocrq(0x0001);
        byte[] first = c.toServer(Arrays.copyOfRange(whole, 0, 60));
        int nat = u16At(first, 12);
        // Plain retransmission of the first segment.
        byte[] again = Arrays.copyOfRange(whole, 0, 60);
        assertEquals(SegmentVerdict.ACCEPT_REWRITTEN, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, start, again)));
        assertArrayEquals(first, again);
        // A retransmission that overlaps: octets 10..100, the old part and 40 new octets.
        byte[] overlap = Arrays.copyOfRange(whole, 10, 100);
        assertEquals(SegmentVerdict.ACCEPT_REWRITTEN, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, start + 10, overlap)));
        assertEquals(nat, u16At(overlap, 2));
        c.clientSeq = start + 100;
        c.toServer(Arrays.copyOfRange(whole, 100, whole.length));
        assertEquals(1, alg.calls().size(), "one call, not one per copy");
        c.toClient(ocrp(0x100, nat, 1));
        assertEquals(1, mapped.size());
    }

    @Test
    void aSegmentBeyondAGapIsDroppedAndAcceptedOnceTheGapIsFilled() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        byte[] whole = ocrq(0x0001);
        byte[] later = Arrays.copyOfRange(whole, 20, whole.length);
        assertEquals(SegmentVerdict.DROP, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq + 20, later)));
        byte[] head = c.toServer(Arrays.copyOfRange(whole, 0, 20));
        assertNotEquals(1, u16At(head, 12));
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq, later)));
    }

    /**
     * A WAN address dropped and brought back (a modem reboot) has masquerade flush conntrack; the
     * client's next segment opens a new entry, not masqueraded yet where the queue rule looks, and
     * crosses unseen. The server acknowledges it, so the client never sends it again: before,
     * every later client segment lay beyond that gap and was dropped, until the connection and its
     * call died. Now the stream is followed on from the server's acknowledgment.
     */
    @Test
    void octetsTheServerAcknowledgedThatTheAlgNeverSawAreSkippedAndTheStreamFollowedOn() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = c.call(7, 0x100);
        c.clientSeq += echoRequest().length; // the client's Echo-Request, unseen
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_CLIENT, c.serverSeq, false, false, false, new byte[0], 0, 0,
                true, c.clientSeq));
        c.toClient(echoRequest());
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq,
                echoReply())), "the client's Echo-Reply after the octets the server acknowledged");
        c.clientSeq += echoReply().length;
        assertEquals(nat, u16At(c.toServer(ccrq(7)), 12), "its hang-up still reaches the server with the NAT ID");
        assertEquals(1, mapped.size(), "the call stands");
        c.toClient(cdn(0x100));
        assertTrue(mapped.isEmpty(), "and ends at the server's Call-Disconnect-Notify");
    }

    /**
     * Where the octets after those that crossed unseen do not start a message (the unseen segment
     * ended inside one), the stream cannot be framed: the client's side is dropped, as for a stream
     * that stopped framing as PPTP, rather than passed unparsed with call IDs of its choosing.
     */
    @Test
    void octetsAfterAnUnseenGapThatDoNotStartAMessageAreDropped() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        c.call(7, 0x100);
        byte[] request = ocrq(8);
        c.clientSeq += 20; // the request's first 20 octets, unseen
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_CLIENT, c.serverSeq, false, false, false, new byte[0], 0, 0,
                true, c.clientSeq));
        assertEquals(SegmentVerdict.DROP, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq,
                Arrays.copyOfRange(request, 20, request.length))));
        c.clientSeq += request.length - 20;
        assertEquals(SegmentVerdict.DROP, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq,
                echoRequest())), "nothing more from that client on it");
    }

    @Test
    void sequenceNumbersWrapAround() {
        Conversation c = new Conversation(CLIENT_A, 40001, 0xFFFFFF00, 0xFFFFFFF0);
        c.toServer(echoRequest());
        int nat = c.call(9, 0x900);
        assertEquals(9, alg.mappingFor(SERVER, PUBLIC, nat).orElseThrow().clientCallId());
    }

    @Test
    void callIdsAreRewrittenInEveryFieldNfNatPptpRewrites() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = c.call(0x0005, 0x0700);
        assertEquals(5, u16At(c.toClient(wen(nat)), 12), "WEN Peer's Call ID");
        assertEquals(5, u16At(c.toClient(sli(nat)), 12), "SLI from the PAC: Peer's Call ID");
        assertEquals(0x0700, u16At(c.toServer(sli(0x0700)), 12), "SLI from the PNS carries the PAC's ID: unchanged");
        assertEquals(nat, u16At(c.toServer(ccrq(5)), 12), "CCRQ Call ID");
        assertEquals(1, mapped.size(), "CCRQ alone does not end the call");
        assertEquals(5, u16At(c.toClient(cdn(nat)), 12), "CDN with the PNS's (NAT) ID, as accel-ppp sends it");
        assertTrue(mapped.isEmpty());
        assertTrue(alg.calls().isEmpty());
    }

    /** The user cancels while connecting: the server's reply crosses the Call-Clear-Request. */
    @Test
    void aCallClearedBeforeItsReplyEndsAtTheServersDisconnectNotifyAndIsNeverMapped() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = u16At(c.toServer(ocrq(4)), 12);
        c.toServer(ccrq(4));
        c.toClient(ocrp(0x0444, nat, 1));
        assertTrue(mapped.isEmpty(), "nothing to NAT for a call the client gave up");
        assertEquals(1, alg.calls().size());
        assertEquals(0x0444, u16At(c.toClient(cdn(0x0444)), 12), "the server's own ID passes unchanged");
        assertTrue(alg.calls().isEmpty(), "ended at once, not 30 s later");
    }

    @Test
    void cdnCarryingThePacsOwnCallIdAsRfc2637SaysEndsTheCallUnchanged() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = c.call(3, 0x0333);
        assertNotEquals(0x0333, nat);
        assertEquals(0x0333, u16At(c.toClient(cdn(0x0333)), 12));
        assertTrue(mapped.isEmpty());
    }

    @Test
    void incomingCallsAreNattedAtIcrpAndIccn() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        assertArrayEquals(icrq(0x0444), c.toClient(icrq(0x0444)), "ICRQ carries only the PAC's ID");
        byte[] icrp = c.toServer(icrp(0x0011, 0x0444, 1));
        int nat = u16At(icrp, 12);
        assertNotEquals(0x11, nat);
        assertEquals(0x0444, u16At(icrp, 14));
        assertEquals(List.of(new GreMapping(CLIENT_A, 0x11, SERVER, 0x0444, PUBLIC, nat)), mapped);
        assertEquals(0x11, u16At(c.toClient(iccn(nat)), 12));
    }

    @Test
    void aRefusedCallLeavesNoMappingAndFreesItsId() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = u16At(c.toServer(ocrq(1)), 12);
        assertEquals(1, u16At(c.toClient(ocrp(0, nat, 2)), 14), "even a refusal carries the client's ID back");
        assertTrue(mapped.isEmpty());
        assertTrue(alg.calls().isEmpty());
    }

    @Test
    void stopControlConnectionRequestEndsEveryCallAtOnce() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        c.call(1, 0x100);
        c.call(2, 0x200);
        c.toServer(stopccrq());
        assertTrue(mapped.isEmpty());
        assertTrue(alg.calls().isEmpty());
    }

    @Test
    void tcpResetOrFinBothWaysEndsTheConnection() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        c.call(1, 0x100);
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_SERVER, c.clientSeq, false, false, true, new byte[0], 0, 0));
        assertTrue(mapped.isEmpty());
        assertEquals(0, alg.connectionCount());

        Conversation d = new Conversation(CLIENT_B, 40002, 1000, 5000);
        d.call(1, 0x100);
        alg.onSegment(new TcpSegment(d.flow, Direction.TO_SERVER, d.clientSeq, false, true, false, new byte[0], 0, 0));
        assertEquals(1, mapped.size(), "half-closed: the call still stands");
        alg.onSegment(new TcpSegment(d.flow, Direction.TO_CLIENT, d.serverSeq, false, true, false, new byte[0], 0, 0));
        assertTrue(mapped.isEmpty());
    }

    /**
     * A RST inside the window but not at the sequence number its receiver expects is ignored by
     * that receiver (RFC 5961 §3.2: it answers with a challenge ACK): the ALG closed the connection
     * on any RST, and the call's GRE stopped while its TCP went on. Any LAN host knowing the ports
     * could do it to another client's tunnel.
     */
    @Test
    void aResetNotAtTheExpectedSequenceLeavesTheCallAndOneAtItEndsIt() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = c.call(1, 0x100);
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_SERVER, c.clientSeq + 1000, false, false, true, new byte[0], 0, 0));
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_CLIENT, c.serverSeq - 100, false, false, true, new byte[0], 0, 0));
        assertEquals(1, mapped.size(), "the call's GRE is still translated");
        assertEquals(1, u16At(c.toClient(sli(nat)), 12), "and its control connection still followed");

        alg.onSegment(new TcpSegment(c.flow, Direction.TO_CLIENT, c.serverSeq, false, false, true, new byte[0], 0, 0));
        assertTrue(mapped.isEmpty(), "a RST at the expected sequence ends the call");
        assertEquals(0, alg.connectionCount());
    }

    /**
     * A client closed (its FIN sent) and then killed answers the server's next data with a RST at
     * the octet after its FIN, which the server and conntrack act on: the call ends here too, not
     * when it goes idle.
     */
    @Test
    void aResetAfterItsSidesFinEndsTheCall() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        c.call(1, 0x100);
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_SERVER, c.clientSeq, false, true, false, new byte[0], 0, 0));
        assertEquals(1, mapped.size(), "half-closed: the call still stands");
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_SERVER, c.clientSeq + 1, false, false, true, new byte[0], 0, 0));
        assertTrue(mapped.isEmpty(), "the RST after the FIN ends the call");
        assertEquals(0, alg.connectionCount());
    }

    @Test
    void oneConnectionCannotTakeEveryNatCallIdTowardsAServer() {
        // A LAN host sending Outgoing-Call-Requests on one connection took all 65,535 NAT IDs
        // towards the server, and the next LAN client's call went out untranslated.
        Conversation greedy = new Conversation(CLIENT_A, 40001, 1000, 5000);
        for (int id = 1; id <= 1000; id++) {
            byte[] sent = greedy.toServer(ocrq(id));
            if (id > PptpAlg.MAX_CALLS_PER_CONNECTION) {
                // Not its own ID, which could be another client's NAT ID towards the server.
                assertEquals(0, u16At(sent, 12), "a call beyond the cap goes out with Call ID 0");
            }
        }
        assertEquals(PptpAlg.MAX_CALLS_PER_CONNECTION, alg.calls().size(), "capped per connection");
        assertEquals(0, u16At(greedy.toServer(ccrq(1000)), 12), "and cleared as Call ID 0 too");
        Conversation other = new Conversation(CLIENT_B, 40002, 1000, 5000);
        int nat = other.call(7, 0x700);
        assertEquals(1, mapped.size());
        assertEquals(nat, mapped.getFirst().natCallId(), "the other client's call is translated and mapped");
    }

    @Test
    void callsAreNattedOnlyOnAControlConnectionTheServerAccepted() {
        // nf_conntrack_pptp's PPTP_SESSION_CONFIRMED: a LAN host could otherwise have GRE rules
        // installed by talking to anything that answers on port 1723.
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000, false);
        assertEquals(0, u16At(c.toServer(ocrq(1)), 12), "no Start-Control-Connection-Reply yet");
        c.toServer(sccrq());
        c.toClient(sccrp(2));
        assertEquals(0, u16At(c.toServer(ocrq(2)), 12), "the server refused the control connection");
        assertTrue(alg.calls().isEmpty());

        Conversation d = new Conversation(CLIENT_A, 40002, 1000, 5000);
        d.call(3, 0x300);
        assertEquals(1, mapped.size(), "accepted: calls are natted");
        d.toServer(stopccrq());
        assertEquals(0, u16At(d.toServer(ocrq(4)), 12), "nor after a Stop-Control-Connection-Request");
        assertTrue(mapped.isEmpty());
    }

    @Test
    void anIncomingCallReplyIsNattedOnlyForTheServersIncomingCallRequest() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        assertEquals(0, u16At(c.toServer(icrp(0x11, 0x444, 1)), 12), "no Incoming-Call-Request: refused");
        c.toClient(icrq(0x444));
        assertNotEquals(0, u16At(c.toServer(icrp(0x12, 0x555, 1)), 12));
        assertTrue(mapped.isEmpty() && alg.calls().isEmpty(), "a reply naming another call is not mapped");
        int nat = u16At(c.toServer(icrp(0x13, 0x444, 1)), 12);
        assertEquals(List.of(new GreMapping(CLIENT_A, 0x13, SERVER, 0x444, PUBLIC, nat)), mapped);
        assertEquals(0, u16At(c.toServer(icrp(0x14, 0x444, 1)), 12), "one reply per request");
        assertEquals(1, mapped.size());
    }

    @Test
    void oneLanClientCannotHoldMoreCallsThanItsShare() {
        // Every call's GRE NAT is a kernel rule, installed by a process on the queue's one thread.
        List<String> told = new ArrayList<>();
        alg.onRefusal((client, why) -> told.add(why));
        for (int i = 0; i < 3; i++) {
            Conversation c = new Conversation(CLIENT_A, 40001 + i, 1000, 5000);
            for (int id = 1; id <= PptpAlg.MAX_CALLS_PER_CONNECTION; id++) {
                int nat = u16At(c.toServer(ocrq(id)), 12);
                if (nat != 0) {
                    c.toClient(ocrp(0x1000 * (i + 1) + id, nat, 1));
                }
            }
            clock.advanceMillis(60_000); // a full bucket of new calls each time: the cap is what stops them
        }
        assertEquals(PptpAlg.MAX_CALLS_PER_CLIENT, mapped.size(), "capped per LAN client over its connections");
        // The owner's event log hears of it (the ALG's own log line is the journal's, which the owner does not see).
        assertTrue(told.contains(CLIENT_A.getHostAddress() + "'s PPTP call to " + SERVER.getHostAddress()
                + " was refused: " + CLIENT_A.getHostAddress() + " holds " + PptpAlg.MAX_CALLS_PER_CLIENT
                + " calls already"), told.toString());
        Conversation other = new Conversation(CLIENT_B, 40001, 1000, 5000);
        other.call(7, 0x700);
        assertEquals(PptpAlg.MAX_CALLS_PER_CLIENT + 1, mapped.size(), "another client still calls");
    }

    @Test
    void aLanClientsNewCallsComeAtOneASecondOnceItsBurstIsSpent() {
        // Placing and clearing calls without end would run nft twice a call on the queue's thread.
        List<String> told = new ArrayList<>();
        alg.onRefusal((client, why) -> told.add(why));
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        for (int round = 0; round < PptpAlg.CALL_BURST; round++) {
            int nat = c.call(1, 0x100 + round);
            c.toClient(cdn(nat));
        }
        assertTrue(mapped.isEmpty(), "every call cleared");
        assertEquals(0, u16At(c.toServer(ocrq(2)), 12), "the burst was spent");
        // The Logs page says the rule as it is: a burst of 16 in a second is allowed, the 17th is not.
        assertTrue(told.stream().anyMatch(t -> t.endsWith("was refused: " + CLIENT_A.getHostAddress()
                + " placed calls faster than 16 at once, then 1 a second")), told.toString());
        clock.advanceMillis(1_000);
        assertNotEquals(0, u16At(c.toServer(ocrq(3)), 12), "a second later one more");
        Conversation other = new Conversation(CLIENT_B, 40001, 1000, 5000);
        other.call(7, 0x700);
        assertEquals(2, alg.calls().size(), "another client has its own budget");
    }

    @Test
    void theWholeLansNewCallsHaveABudgetTooSoManyAddressesDoNotMultiplyOnesRate() {
        // One host with many addresses (or many hosts) placing and clearing calls: each call is two
        // kernel rule changes on the queue's one thread, whoever places it.
        List<String> told = new ArrayList<>();
        alg.onRefusal((client, why) -> told.add(why));
        int placed = 0;
        for (int client = 0; client < 20; client++) {
            Conversation c = new Conversation(ip("192.168.1." + (100 + client)), 40001, 1000, 5000);
            for (int round = 0; round < PptpAlg.CALL_BURST; round++) {
                placed += placeAndClear(c) ? 1 : 0;
            }
        }
        assertEquals(PptpAlg.ALL_CALL_BURST, placed, "20 addresses, each with its own burst unspent: the LAN's burst in all");
        Conversation fresh = new Conversation(ip("192.168.1.99"), 40001, 1000, 5000);
        assertEquals(0, u16At(fresh.toServer(ocrq(1)), 12), "a client with its own burst unspent, over the LAN's");
        assertTrue(told.stream().anyMatch(t -> t.contains("the LAN's new calls came faster than " + PptpAlg.ALL_CALL_BURST + " at once")),
                told.toString());
        clock.advanceMillis(200); // 10 a second
        fresh.call(2, 0x200);
    }

    /**
     * Twenty addresses placing a call a second each (a LAN host with aliases, calling a server of
     * its own: the per-client rate; ten only just fall short, their calls coming as fast as the
     * bucket refills) kept the LAN's bucket of new calls empty, and every other client's call went
     * out with Call ID 0 and failed. The bucket's last calls are now kept for clients that placed
     * few lately.
     */
    @Test
    void busyAddressesNoLongerTakeEveryOtherClientsNewCalls() {
        List<Conversation> busy = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            busy.add(new Conversation(ip("192.168.1." + (100 + i)), 40001, 1000, 5000));
        }
        for (Conversation c : busy) {
            for (int round = 0; round < PptpAlg.CALL_BURST; round++) {
                placeAndClear(c);
            }
        }
        for (int step = 0; step < 1200; step++) { // a minute: one of the twenty calls every 50 ms
            clock.advanceMillis(50);
            placeAndClear(busy.get(step % busy.size()));
        }
        Conversation other = new Conversation(CLIENT_B, 40001, 1000, 5000);
        int nat = other.call(7, 0x700); // asserts the reply passes as connected: the call has a NAT ID
        assertNotEquals(0, nat);
        assertEquals(CLIENT_B, alg.mappingFor(SERVER, PUBLIC, nat).orElseThrow().client());
    }

    /** The reserve for quiet clients leaves the LAN's total where it was: fifty aliases, as fast as each may. */
    @Test
    void fiftyAliasesTogetherStillPlaceNoMoreThanTheLansBudget() {
        List<Conversation> aliases = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            aliases.add(new Conversation(ip("192.168.1." + (100 + i)), 40001, 1000, 5000));
        }
        int placed = 0;
        for (int step = 0; step < 600; step++) { // a minute, every alias calling every 100 ms
            for (Conversation c : aliases) {
                placed += placeAndClear(c) ? 1 : 0;
            }
            clock.advanceMillis(100);
        }
        assertTrue(placed <= PptpAlg.ALL_CALL_BURST + PptpAlg.ALL_CALLS_PER_MINUTE, placed + " calls in a minute");
        assertTrue(placed > PptpAlg.ALL_CALLS_PER_MINUTE - 2 * PptpAlg.RESERVED_CALLS, placed + ": the busy still share the rest");
        new Conversation(CLIENT_B, 40001, 1000, 5000).call(7, 0x700);
    }

    /**
     * Places a call on {@code c} and, if it has a NAT ID, has the server connect and clear it;
     * a refused call gets the server's reply to Call ID 0. Returns whether it had a NAT ID.
     */
    private static boolean placeAndClear(Conversation c) {
        int nat = u16At(c.toServer(ocrq(1)), 12);
        if (nat == 0) {
            c.toClient(ocrp(0x100, 0, 1));
            return false;
        }
        c.toClient(ocrp(0x100, nat, 1));
        c.toClient(cdn(nat));
        return true;
    }

    @Test
    void aCallRefusedAtTheLimitsFailsAtTheClientAtOnceInsteadOfWaitingForItsTimeout() {
        // The server connects a call that left as Call ID 0 like any other; passed on as it came,
        // its reply names call 0, which the client never placed, and the client waits (Linux's
        // pptp and Windows for about a minute) before it reports the call as failed.
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        for (int round = 0; round < PptpAlg.CALL_BURST; round++) {
            c.toClient(cdn(c.call(1, 0x100 + round)));
        }
        assertEquals(0, u16At(c.toServer(ocrq(2)), 12), "the burst was spent: out as Call ID 0");
        assertEquals(0, u16At(c.toServer(ocrq(3)), 12));

        byte[] first = c.toClient(ocrp(0x200, 0, OutgoingCallReply.RESULT_CONNECTED));
        assertEquals(2, u16At(first, 14), "the reply names the client's own call");
        assertEquals(OutgoingCallReply.RESULT_DO_NOT_ACCEPT, first[16], "and says the call was not accepted");
        assertEquals(0, first[17], "Error Code 0: it means something only with a General Error");
        byte[] second = c.toClient(ocrp(0x201, 0, OutgoingCallReply.RESULT_BUSY));
        assertEquals(3, u16At(second, 14), "replies come in the order of the requests (RFC 2637 §2.8)");
        assertEquals(OutgoingCallReply.RESULT_BUSY, second[16], "a reply that failed already keeps the server's reason");
        assertTrue(mapped.isEmpty() && alg.calls().isEmpty(), "nothing of either call is NATed");

        clock.advanceMillis(1_000);
        c.call(4, 0x300); // asserts the next call's reply passes with its own result, connected
        assertEquals(1, mapped.size());
    }

    /**
     * The router's own calls (its site-to-site dial-out to the same office server a LAN laptop
     * dials, say) get their GRE at the public address keyed by their own call ID: a LAN call's NAT
     * ID equal to it would have its GRE NAT take the router's tunnel traffic to that laptop.
     */
    @Test
    void noNatIdIsACallIdTheRoutersOwnCallsHold() {
        alg.avoidRouterCallIds(id -> id != 0x4242); // the router holds every ID but one
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = c.call(1, 0x100);
        assertEquals(0x4242, nat, "the one ID the router does not hold");
        assertTrue(alg.natIdInUse(0x4242), "told to the router's own allocators");
        assertEquals(0, u16At(c.toServer(ocrq(2)), 12), "none left: the next call goes out as Call ID 0");
        c.toClient(cdn(nat));
        assertFalse(alg.natIdInUse(0x4242), "free again once the call ended");
    }

    @Test
    void controlConnectionsBeyondALanClientsShareAreDropped() {
        for (int i = 0; i < PptpAlg.MAX_CONNECTIONS_PER_CLIENT; i++) {
            new Conversation(CLIENT_A, 20000 + i, 1000, 5000, false);
        }
        ControlFlow more = new ControlFlow(CLIENT_A, 30000, SERVER, 1723);
        assertEquals(SegmentVerdict.DROP, alg.onSegment(new TcpSegment(more, Direction.TO_CLIENT, 5000, true, false, false,
                new byte[0], 0, 0)), "its handshake fails, as beyond a full conntrack table");
        new Conversation(CLIENT_B, 20000, 1000, 5000).call(1, 0x100);
        assertEquals(1, mapped.size(), "another client is not concerned");
    }

    /**
     * What the owner of a client that cannot connect sees on the Logs page: a connection beyond the
     * client's share (error 807 on Windows, no reason given), and one whose client stopped
     * speaking PPTP (its data dropped from then on: the connection stalls).
     */
    @Test
    void theOwnerIsToldOfADroppedConnectionAndOfAStreamNotFollowedAnyMore() {
        List<String> told = new ArrayList<>();
        alg.onRefusal((client, why) -> told.add(client.getHostAddress() + " | " + why));
        for (int i = 0; i < PptpAlg.MAX_CONNECTIONS_PER_CLIENT; i++) {
            new Conversation(CLIENT_A, 20000 + i, 1000, 5000, false);
        }
        alg.onSegment(new TcpSegment(new ControlFlow(CLIENT_A, 30000, SERVER, 1723), Direction.TO_SERVER, 5000, true, false,
                false, new byte[0], 0, 0));
        String a = CLIENT_A.getHostAddress();
        assertEquals(List.of(a + " | " + a + "'s PPTP connection to " + SERVER.getHostAddress() + " was not let through: "
                + a + " holds 32 PPTP control connections already, the most one LAN client may"), told);

        told.clear();
        Conversation c = new Conversation(CLIENT_B, 40001, 1000, 5000);
        byte[] junk = new byte[32];
        Arrays.fill(junk, (byte) 0x5A);
        c.send(Direction.TO_SERVER, junk, SegmentVerdict.ACCEPT, SegmentVerdict.DROP);
        String b = CLIENT_B.getHostAddress();
        assertEquals(List.of(b + " | " + b + "'s PPTP control connection to " + SERVER.getHostAddress()
                + " stopped reading as PPTP from the client: what the client sends on it is dropped, and its calls fail"),
                told);
    }

    /**
     * A LAN host sending SYNs from 32 addresses (rp_filter passes any of the LAN's), 32 from each,
     * resent and never used, filled the table: every other client's PPTP failed at its TCP
     * handshake for as long as it went on. Room is now made from the address holding the most
     * connections that never carried data both ways; a connection with calls, or one that carried
     * data both ways, is never closed for it, even at the address holding the most connections.
     */
    @Test
    void aFullTableMakesRoomFromTheAddressHoldingTheMostUnusedConnectionsNeverFromAWorkingOne() {
        // An office's router behind one address: 8 tunnels, and 24 control connections between calls.
        for (int i = 0; i < 8; i++) {
            new Conversation(CLIENT_A, 30000 + i, 1000, 5000).call(1, 0x100 + i);
        }
        List<Conversation> betweenCalls = new ArrayList<>();
        for (int i = 8; i < PptpAlg.MAX_CONNECTIONS_PER_CLIENT; i++) {
            betweenCalls.add(new Conversation(CLIENT_A, 30000 + i, 1000, 5000));
        }
        for (int resent = 0; resent < 3; resent++) {
            for (int a = 0; a < 32; a++) {
                for (int port = 0; port < 32; port++) {
                    alg.onSegment(new TcpSegment(new ControlFlow(ip("192.168.1." + (100 + a)), 20000 + port, SERVER, 1723),
                            Direction.TO_SERVER, 1000, true, false, false, new byte[0], 0, 0));
                }
            }
            clock.advance(Duration.ofSeconds(30));
        }
        assertEquals(PptpAlg.MAX_CONNECTIONS, alg.connectionCount(), "the table is full");

        Conversation newcomer = new Conversation(CLIENT_B, 40001, 1000, 5000); // asserts its SYN passes
        int nat = newcomer.call(7, 0x700);
        assertNotEquals(7, nat, "its call is translated");
        assertEquals(nat, alg.mappingFor(SERVER, PUBLIC, nat).orElseThrow().natCallId());
        assertEquals(9, mapped.size(), "the office's tunnels stand");
        for (Conversation c : betweenCalls) {
            clock.advanceMillis(1_000); // (the office's new calls: 1 a second once its burst is spent)
            // Closed and picked up again, its connection would not be known as accepted: Call ID 0.
            int next = u16At(c.toServer(ocrq(2)), 12);
            assertNotEquals(0, next, c.flow + " still followed");
            c.toClient(cdn(next));
        }
    }

    @Test
    void aHalfClosedConnectionIsForgottenInMinutesAndClosedOnesLeaveNoState() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        c.toServer(new byte[] {1, 2, 3}); // data both ways: established
        c.toClient(new byte[] {4, 5, 6});
        alg.onSegment(new TcpSegment(c.flow, Direction.TO_SERVER, c.clientSeq, false, true, false, new byte[0], 0, 0));
        clock.advance(Duration.ofMinutes(3));
        alg.expire();
        assertEquals(0, alg.connectionCount(), "a FIN one way: gone after minutes, not the established 5 days");

        // The last ACK after a close, or a port scan's answer, makes no state (nor a route lookup).
        Conversation d = new Conversation(CLIENT_B, 40002, 1000, 5000);
        alg.onSegment(new TcpSegment(d.flow, Direction.TO_SERVER, d.clientSeq, false, false, true, new byte[0], 0, 0));
        assertEquals(0, alg.connectionCount());
        alg.onSegment(new TcpSegment(d.flow, Direction.TO_CLIENT, d.serverSeq, false, false, false, new byte[0], 0, 0));
        assertEquals(0, alg.connectionCount(), "a bare ACK of a forgotten connection is not tracked");
    }

    @Test
    void whileTheCountersCannotBeReadMappedCallsStayAndTheRestStillExpires() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        c.call(1, 0x100); // mapped: its activity shows only in the counters
        c.toServer(ocrq(2)); // never answered
        clock.advance(Duration.ofMinutes(10));
        assertEquals(1, alg.expire(false), "the unanswered request goes");
        assertEquals(1, mapped.size(), "the mapped call, maybe busy, stays");
        assertEquals(1, alg.expire(true), "once the counters are read again, it goes too");
        assertTrue(mapped.isEmpty());
    }

    /**
     * A request waits two minutes for its answer, not GRE's 30 s: an answer after 30 s still
     * reaches the client with its own Call ID and maps the call's GRE; one never answered goes.
     */
    @Test
    void anUnansweredRequestWaitsTwoMinutesForItsAnswer() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = u16At(c.toServer(ocrq(5)), 12);
        clock.advance(Duration.ofSeconds(31));
        assertEquals(0, alg.expire());
        byte[] ocrp = c.toClient(ocrp(0x100, nat, 1));
        assertEquals(5, u16At(ocrp, 14), "the late answer's Peer's Call ID is the client's own again");
        assertEquals(1, mapped.size());

        c.toServer(ocrq(6));
        clock.advance(Duration.ofSeconds(119));
        assertEquals(0, alg.expire(false)); // (false: the mapped call's GRE, not seen here, is left alone)
        clock.advance(Duration.ofSeconds(2));
        assertEquals(1, alg.expire(false), "never answered: gone after two minutes");
        assertEquals(1, alg.calls().size());
    }

    @Test
    void greSeenOneWayOnlyExpiresAfterThirtySecondsBothWaysAfterThreeMinutes() {
        Conversation a = new Conversation(CLIENT_A, 40001, 1000, 5000);
        Conversation b = new Conversation(CLIENT_B, 40001, 1000, 5000);
        a.call(1, 0x100);
        b.call(1, 0x101);
        GreMapping ma = mapped.get(0);
        GreMapping mb = mapped.get(1);
        alg.greCounters(ma, 0, 500);    // client A sends, nothing comes back
        alg.greCounters(mb, 800, 600);  // B streams
        clock.advance(Duration.ofSeconds(31));
        assertEquals(1, alg.expire());
        assertEquals(List.of(mb), mapped);
        clock.advance(Duration.ofSeconds(140));
        assertEquals(0, alg.expire(), "a streaming call lives 180 s idle");
        alg.greCounters(mb, 900, 600);
        clock.advance(Duration.ofSeconds(179));
        assertEquals(0, alg.expire(), "traffic restarted the 180 s");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(1, alg.expire());
        assertTrue(mapped.isEmpty());
        TrackedCallView none = alg.calls().stream().findFirst().orElse(null);
        assertNull(none);
    }

    /**
     * "My laptop can't reach the office VPN": the control connection worked, the call connected,
     * and GRE went one way or none. The call's end tells the owner which way and what it means,
     * with the LAN device; a call whose GRE flowed both ways, one ended young (its counters not
     * read yet) or one ended by the ALG's stop tells nothing.
     */
    @Test
    void aCallEndingWithItsGreOneWayOrNoneSaysWhichWayAndWhy() {
        List<String> told = new ArrayList<>();
        alg.onGreProblem((client, why) -> told.add(client.getHostAddress() + " | " + why));
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int[] nats = {c.call(1, 0x100), c.call(2, 0x101), c.call(3, 0x102), c.call(4, 0x103), c.call(5, 0x104),
                c.call(6, 0x106)};
        List<GreMapping> m = List.copyOf(mapped);
        for (int read = 0; read < 2; read++) { // as the refresh reads them, every few seconds
            alg.greCounters(m.get(0), 0, 500);   // the device's GRE goes out, none comes back
            alg.greCounters(m.get(1), 700, 0);   // the server's reaches the device, which sends none
            alg.greCounters(m.get(2), 0, 0);     // none either way
            alg.greCounters(m.get(3), 800, 600); // works
            alg.greCounters(m.get(4), 0, 0);
            clock.advance(Duration.ofSeconds(20));
        }
        // (m.get(5)'s counters never read: its rules failed to go in; that is not "none counted".)
        for (int nat : new int[] {nats[0], nats[1], nats[2], nats[3], nats[5]}) {
            c.toClient(cdn(nat));
        }
        assertEquals(3, told.size(), told.toString());
        assertTrue(told.get(0).startsWith("192.168.1.10 | 192.168.1.10's VPN call to 203.0.113.5 ended with no GRE back"
                + " from the server in 40 s, while the device's went out (500 octets): something beyond this router"
                + " drops GRE"), told.get(0));
        assertTrue(told.get(1).contains("no GRE from the device in 40 s, while the server's reached it (700 octets):"
                + " the device's own firewall or VPN software blocks GRE"), told.get(1));
        assertTrue(told.get(2).contains("no GRE either way in 40 s"), told.get(2));

        Conversation young = new Conversation(CLIENT_B, 40002, 1000, 5000);
        int nat = young.call(1, 0x105);
        GreMapping youngMapping = mapped.getLast();
        alg.greCounters(youngMapping, 0, 300);
        clock.advance(TrackedCall.GRE_JUDGED_AFTER.minusSeconds(1));
        alg.greCounters(youngMapping, 0, 300);
        young.toClient(cdn(nat));
        alg.clear(); // the last call (nats[4]) ends with the ALG, whose stop is no fault of its GRE
        assertEquals(3, told.size(), told.toString());
    }

    /**
     * A call quiet inside its tunnel (a split-tunnel laptop nobody uses, neither end sending LCP
     * echoes) whose control connection still carries Echo-Requests (RFC 2637 §2.5: after 60 s
     * without control messages) is connected at both ends: its GRE mapping and Call ID translation
     * stay while the control connection does. Dropped, the server's GRE to the NAT ID would be lost
     * and the client show "Connected" with nothing passing. (Kinder than the kernel's helper: its
     * GRE conntrack, with the keymap, goes after 180 s without GRE whatever the control carries.)
     */
    @Test
    void aQuietCallWhoseControlConnectionKeepsEchoingStaysMapped() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = c.call(1, 0x100);
        GreMapping m = mapped.getFirst();
        alg.greCounters(m, 800, 600);
        for (int i = 1; i <= 10; i++) {
            clock.advance(Duration.ofSeconds(60));
            c.toServer(echoRequest());
            c.toClient(echoRequest());
            assertEquals(0, alg.expire(), "the control connection is alive after " + 60 * i + " s");
        }
        assertEquals(List.of(m), mapped);
        assertEquals(1, u16At(c.toClient(cdn(nat)), 12), "the server's Call-Disconnect-Notify still reaches the client's call");
        assertTrue(mapped.isEmpty(), "and ends the call");

        Conversation quiet = new Conversation(CLIENT_B, 40002, 1000, 5000);
        quiet.call(1, 0x101);
        alg.greCounters(mapped.getFirst(), 800, 600);
        clock.advance(Duration.ofSeconds(181));
        assertEquals(1, alg.expire(), "GRE and control connection both quiet for 180 s: gone");
    }

    /**
     * After {@code nft flush ruleset} the ALG puts each call's rules back, and their counters start
     * at zero: a call that had carried megabytes is still busy, not idle until it carries as much again.
     */
    @Test
    void aBusyCallWhoseRulesWerePutBackCountingFromZeroIsNotExpiredAsIdle() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        c.call(1, 0x100);
        GreMapping m = mapped.getFirst();
        alg.greCounters(m, 5_000_000, 4_000_000);
        // The table was flushed: the rules are back (by whoever), counting anew.
        for (int i = 1; i <= 6; i++) {
            clock.advance(Duration.ofSeconds(60));
            alg.greCounters(m, 1000L * i, 1000L * i);
            assertEquals(0, alg.expire(), "busy after " + 60 * i + " s");
        }
        assertEquals(List.of(m), mapped);
        TrackedCallView v = alg.calls().getFirst();
        assertEquals(5_006_000, v.bytesToClient(), "the page's count goes on from where it was");
        assertEquals(4_006_000, v.bytesToServer());

        // Put back by the ALG itself: the first count of the new rules is all new traffic.
        assertEquals(1, alg.mapAgain(x -> false, 10));
        clock.advance(Duration.ofSeconds(60));
        alg.greCounters(m, 500, 500);
        assertEquals(5_006_500, alg.calls().getFirst().bytesToClient());
        clock.advance(Duration.ofSeconds(181));
        assertEquals(1, alg.expire(), "and a call that does go quiet still ends");
    }

    @Test
    void theViewListsClientServerIdsBytesAndAge() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = c.call(1, 0x100);
        alg.greCounters(mapped.getFirst(), 1234, 567);
        clock.advance(Duration.ofSeconds(5));
        TrackedCallView v = alg.calls().getFirst();
        assertEquals(new TrackedCallView(CLIENT_A, SERVER, 1, nat, 0x100, "CONNECTED", 1234, 567, Duration.ofSeconds(5)), v);
    }

    @Test
    void aClientStreamThatStopsFramingAsPptpIsStoppedAndAServerStreamLeftAlone() {
        // Passed on unparsed, the Outgoing-Call-Request after the junk would leave with the
        // client's own call ID, which can be another LAN client's NAT ID towards the server.
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        Conversation other = new Conversation(CLIENT_B, 40002, 1000, 5000);
        int victim = other.call(1, 0x100);
        byte[] junk = new byte[40];
        Arrays.fill(junk, (byte) 0x55);
        assertEquals(SegmentVerdict.DROP, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq, junk)));
        c.clientSeq += junk.length;
        assertEquals(SegmentVerdict.DROP, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_SERVER, c.clientSeq,
                ocrq(victim))), "nothing more from that client on it");

        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(TcpSegment.of(c.flow, Direction.TO_CLIENT, c.serverSeq, junk)));
        c.serverSeq += junk.length;
        assertArrayEquals(echoRequest(), c.toClient(echoRequest()), "the server's side passes as it is");
        assertEquals(1, mapped.size(), "the other client's call stands");
    }

    @Test
    void aConnectionPickedUpMidStreamIsFollowedFromTheNextHeader() {
        ControlFlow flow = new ControlFlow(CLIENT_A, 40009, SERVER, 1723);
        byte[] m = ocrq(4);
        assertEquals(SegmentVerdict.ACCEPT_REWRITTEN, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, 777, m)));
        assertNotEquals(4, u16At(m, 12));
    }

    /**
     * After a restart, a control connection met mid-stream held calls whose NAT IDs went with the
     * tracker before: its first data segment goes on as a RST toward its receiver, its later data
     * stripped (the end reset answers with a RST of its own), nothing parsed; that RST ends it
     * here too. Before, it was followed from the next header, its calls stranded.
     */
    @Test
    void afterARestartAConnectionMetMidStreamIsResetAndItsLaterDataStripped() {
        alg.resetConnectionsPickedUp(true);
        ControlFlow flow = new ControlFlow(CLIENT_A, 40009, SERVER, 1723);
        byte[] echo = echoRequest();
        assertEquals(SegmentVerdict.RESET, alg.onSegment(new TcpSegment(flow, Direction.TO_SERVER, 777, false, false,
                false, echo, 0, echo.length, true, 9000)));
        assertEquals(1, alg.connectionsResetAfterPickUp());
        byte[] again = echoRequest();
        assertEquals(SegmentVerdict.STRIP, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, 777, again)),
                "the retransmission reaches the reset server as a bare ACK, which it answers with a RST");
        assertArrayEquals(echoRequest(), again, "not parsed, not rewritten");
        byte[] request = ocrq(4);
        assertEquals(SegmentVerdict.STRIP, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, 777 + 16, request)));
        assertEquals(4, u16At(request, 12), "a call request on it goes nowhere, untouched");
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(flow, Direction.TO_CLIENT, 9000, false, false,
                false, new byte[0], 0, 0, true, 777)), "segments without data pass as they are");
        assertEquals(1, alg.connectionCount());
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(flow, Direction.TO_CLIENT, 9000, false, false,
                true, new byte[0], 0, 0)), "the server's RST");
        assertEquals(0, alg.connectionCount(), "its end forgets it");
        assertTrue(mapped.isEmpty());
        assertEquals(1, alg.connectionsResetAfterPickUp());
    }

    @Test
    void afterARestartAConnectionMetMidStreamFromTheServerIsResetTowardTheClient() {
        alg.resetConnectionsPickedUp(true);
        ControlFlow flow = new ControlFlow(CLIENT_A, 40009, SERVER, 1723);
        assertEquals(SegmentVerdict.RESET, alg.onSegment(TcpSegment.of(flow, Direction.TO_CLIENT, 9000, echoRequest())));
        assertEquals(SegmentVerdict.STRIP, alg.onSegment(TcpSegment.of(flow, Direction.TO_CLIENT, 9000, echoRequest())));
        assertEquals(1, alg.connectionsResetAfterPickUp());
    }

    /**
     * The server got the client's Echo-Request, but its reply was lost in the restart: the first
     * segment the new tracker sees is the client's retransmission, whose RST the server drops
     * (below its RCV.NXT). The server's own retransmission then shows it alive and goes on as a
     * RST toward the client (its RCV.NXT), and the server's next, stripped, draws the client's
     * RST. Before, every later segment was stripped: both ends kept the connection, the client's
     * dial "connected" with no reset for as long as the TCPs retried.
     */
    @Test
    void afterARestartAResetTheReceiverIgnoredIsSentTowardTheOtherEnd() {
        alg.resetConnectionsPickedUp(true);
        ControlFlow flow = new ControlFlow(CLIENT_A, 40009, SERVER, 1723);
        assertEquals(SegmentVerdict.RESET, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, 777, echoRequest())),
                "the client's retransmission, the server has it already");
        assertEquals(SegmentVerdict.STRIP, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, 777, echoRequest())),
                "the server may be reset: a bare ACK draws its RST");
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(flow, Direction.TO_CLIENT, 9000 + 20, false,
                false, false, new byte[0], 0, 0, true, 777 + 16)), "the server's duplicate ACK: it is not reset");
        assertEquals(SegmentVerdict.RESET, alg.onSegment(TcpSegment.of(flow, Direction.TO_CLIENT, 9000, echoReply())),
                "the server's lost reply, sent again, resets the client");
        assertEquals(SegmentVerdict.STRIP, alg.onSegment(TcpSegment.of(flow, Direction.TO_CLIENT, 9000, echoReply())),
                "the client reset answers the next with its RST");
        assertEquals(1, alg.connectionCount());
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(flow, Direction.TO_SERVER, 777 + 16, false,
                false, true, new byte[0], 0, 0)), "the client's RST");
        assertEquals(0, alg.connectionCount());
        assertEquals(1, alg.connectionsResetAfterPickUp());
    }

    /** Connections seen from their start are followed as ever, also one on the ports of a connection reset. */
    @Test
    void afterARestartNewConnectionsAreTrackedAsEver() {
        alg.resetConnectionsPickedUp(true);
        Conversation fresh = new Conversation(CLIENT_B, 40010, 1000, 5000);
        fresh.call(1, 0x100);
        ControlFlow flow = new ControlFlow(CLIENT_A, 40009, SERVER, 1723);
        assertEquals(SegmentVerdict.RESET, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, 777, echoRequest())));
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, 778, new byte[0])),
                "a bare ACK of an unknown connection makes no state");
        Conversation again = new Conversation(CLIENT_A, 40009, 3000, 7000);
        again.call(2, 0x101);
        assertEquals(2, mapped.size(), "both calls translated" + mapped);
        assertEquals(1, alg.connectionsResetAfterPickUp());
    }

    @Test
    void aNewConnectionOnTheSamePortsStartsAfreshAndEndsTheOldOnesCalls() {
        Conversation old = new Conversation(CLIENT_A, 40001, 1000, 5000);
        old.call(1, 0x100);
        // The old connection's end was never seen; the client's SYN is not queued (not yet
        // masqueraded), so the ALG sees the server's SYN-ACK first, with a new sequence number.
        ControlFlow flow = old.flow;
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(flow, Direction.TO_CLIENT, 90000, true, false, false,
                new byte[0], 0, 0)));
        assertTrue(mapped.isEmpty(), "the old connection's call is over");
        int clientSeq = 777_001;
        byte[] sccrq = sccrq();
        alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, clientSeq, sccrq));
        clientSeq += sccrq.length;
        alg.onSegment(TcpSegment.of(flow, Direction.TO_CLIENT, 90001, sccrp(1)));
        byte[] request = ocrq(2);
        alg.onSegment(TcpSegment.of(flow, Direction.TO_SERVER, clientSeq, request));
        int nat = u16At(request, 12);
        assertNotEquals(2, nat, "the new connection's call is translated");
        assertNotEquals(0, nat);
        byte[] reply = ocrp(0x200, nat, 1);
        alg.onSegment(TcpSegment.of(flow, Direction.TO_CLIENT, 90001 + 156, reply));
        assertEquals(2, u16At(reply, 14));
        assertEquals(1, mapped.size());
    }

    @Test
    void aRetransmittedSynAckDoesNotResetTheStream() {
        Conversation c = new Conversation(CLIENT_A, 40001, 1000, 5000);
        int nat = u16At(c.toServer(ocrq(1)), 12);
        // The server did not see the client's ACK and repeats its SYN-ACK.
        assertEquals(SegmentVerdict.ACCEPT, alg.onSegment(new TcpSegment(c.flow, Direction.TO_CLIENT, 5000, true, false, false, new byte[0], 0, 0)));
        assertEquals(1, u16At(c.toClient(ocrp(0x100, nat, 1)), 14));
        assertEquals(1, mapped.size());
    }

    /**
     * The same conversation cut into random segments, some sent twice, some overlapping: what
     * reaches the far end (each octet as first delivered) is the conversation with every call ID
     * rewritten, and a dropped segment comes again joined to the next one, as Linux's
     * retransmission collapses segments.
     */
    @Test
    void randomSegmentationRetransmissionAndOverlapGiveTheSameRewrittenStream() {
        java.util.Random random = new java.util.Random(20261202);
        for (int round = 0; round < 200; round++) {
            // Seeded: an unseeded generator now and then drew 11 itself as call 11's NAT ID, which
            // the check that the ID was translated below then took for no translation.
            PptpAlg fresh = new PptpAlg(clock, AlgTimeouts.KERNEL, flow -> PUBLIC, GreMappingListener.NONE,
                    java.util.random.RandomGeneratorFactory.of("L64X128MixRandom").create(round));
            ControlFlow flow = new ControlFlow(CLIENT_A, 40000 + round, SERVER, 1723);
            fresh.onSegment(new TcpSegment(flow, Direction.TO_SERVER, 0, true, false, false, new byte[0], 0, 0));
            fresh.onSegment(new TcpSegment(flow, Direction.TO_CLIENT, 0, true, false, false, new byte[0], 0, 0));
            // The server accepts the control connection: calls are translated from then on.
            byte[] accepted = sccrp(1);
            assertArrayEquals(accepted, deliver(fresh, flow, Direction.TO_CLIENT, accepted, 0, random));
            // Client: two OCRQs, a CCRQ for the first. The NAT IDs are learnt from what got through.
            byte[] toServer = concat(concat(ocrq(11), ocrq(12)), ccrq(11));
            byte[] outServer = deliver(fresh, flow, Direction.TO_SERVER, toServer, random);
            int nat11 = u16At(outServer, 12);
            int nat12 = u16At(outServer, 168 + 12);
            assertNotEquals(11, nat11);
            assertNotEquals(nat11, nat12);
            assertEquals(nat11, u16At(outServer, 336 + 12), "CCRQ carries the first call's NAT ID");
            byte[] expectedServer = toServer.clone();
            put16(expectedServer, 12, nat11);
            put16(expectedServer, 168 + 12, nat12);
            put16(expectedServer, 336 + 12, nat11);
            assertArrayEquals(expectedServer, outServer, "round " + round);
            // Server: both replies, an SLI for the second, a CDN for the first.
            byte[] toClient = concat(concat(concat(ocrp(0x500, nat11, 1), ocrp(0x600, nat12, 1)), sli(nat12)), cdn(nat11));
            byte[] outClient = deliver(fresh, flow, Direction.TO_CLIENT, toClient, accepted.length, random);
            byte[] expectedClient = toClient.clone();
            put16(expectedClient, 14, 11);
            put16(expectedClient, 32 + 14, 12);
            put16(expectedClient, 64 + 12, 12);
            put16(expectedClient, 88 + 12, 11);
            assertArrayEquals(expectedClient, outClient, "round " + round);
            assertEquals(1, fresh.mappings().size(), "round " + round + ": call 12 remains");
        }
    }

    /** Whatever arrives on port 1723, the tracker neither throws nor changes anything but call-ID octets. */
    @Test
    void arbitraryBytesNeverBreakTheTracker() {
        java.util.Random random = new java.util.Random(7);
        byte[][] pieces = {ocrq(1), ocrp(2, 3, 1), icrq(4), icrp(5, 4, 1), iccn(6), ccrq(7), cdn(8), wen(9), sli(10), stopccrq()};
        for (int round = 0; round < 2000; round++) {
            ControlFlow flow = new ControlFlow(CLIENT_A, 1024 + round % 50, SERVER, 1723);
            byte[] data = random.nextBoolean() ? pieces[random.nextInt(pieces.length)].clone() : new byte[random.nextInt(300)];
            if (random.nextBoolean()) {
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    if (data.length > 0) {
                        data[random.nextInt(data.length)] = (byte) random.nextInt();
                    }
                }
            } else if (data.length > 1 && data[0] == 0 && data[1] == 0) {
                random.nextBytes(data);
            }
            byte[] before = data.clone();
            Direction d = random.nextBoolean() ? Direction.TO_SERVER : Direction.TO_CLIENT;
            SegmentVerdict v = alg.onSegment(new TcpSegment(flow, d, random.nextInt(400), random.nextInt(10) == 0,
                    random.nextInt(20) == 0, random.nextInt(50) == 0, data, 0, data.length));
            assertNotNull(v);
            int changed = 0;
            for (int i = 0; i < data.length; i++) {
                changed += data[i] != before[i] ? 1 : 0;
            }
            assertTrue(changed <= 2 * (1 + data.length / 16), "round " + round + ": " + changed + " octets changed");
            if (round % 100 == 0) {
                clock.advance(Duration.ofMinutes(10));
                alg.expire();
            }
        }
    }

    /** Sends {@code stream} (sequence numbers from 1) in random pieces; returns the octets as the receiver got them. */
    private static byte[] deliver(PptpAlg alg, ControlFlow flow, Direction d, byte[] stream, java.util.Random random) {
        return deliver(alg, flow, d, stream, 0, random);
    }

    /** As above, the stream's sequence numbers from {@code 1 + sent}: after {@code sent} octets already delivered. */
    private static byte[] deliver(PptpAlg alg, ControlFlow flow, Direction d, byte[] stream, int sent,
                                  java.util.Random random) {
        byte[] received = new byte[stream.length];
        int acked = 0;
        int start = 0;
        while (acked < stream.length) {
            // Sometimes go back (retransmission / overlap), sometimes leap ahead (a gap).
            int from = random.nextInt(4) == 0 ? Math.max(0, acked - random.nextInt(40)) : acked;
            if (random.nextInt(8) == 0 && acked + 10 < stream.length) {
                from = acked + 1 + random.nextInt(5);
            }
            int length = Math.min(stream.length - from, 1 + random.nextInt(60));
            if (from == start && length < stream.length - from && random.nextBoolean()) {
                length = Math.min(stream.length - from, length + 30); // a collapsed retransmission
            }
            byte[] segment = Arrays.copyOfRange(stream, from, from + length);
            SegmentVerdict v = alg.onSegment(TcpSegment.of(flow, d, 1 + sent + from, segment));
            if (v == SegmentVerdict.DROP) {
                start = from;
                continue;
            }
            for (int i = 0; i < length; i++) {
                if (from + i >= acked) {
                    received[from + i] = segment[i];
                } else {
                    assertEquals(received[from + i], segment[i], "a retransmitted octet differs from its first copy");
                }
            }
            acked = Math.max(acked, from + length);
        }
        return received;
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
