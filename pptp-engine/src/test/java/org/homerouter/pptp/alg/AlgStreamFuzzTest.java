package org.homerouter.pptp.alg;

import static org.homerouter.pptp.alg.AlgFixtures.ccrq;
import static org.homerouter.pptp.alg.AlgFixtures.cdn;
import static org.homerouter.pptp.alg.AlgFixtures.iccn;
import static org.homerouter.pptp.alg.AlgFixtures.icrp;
import static org.homerouter.pptp.alg.AlgFixtures.icrq;
import static org.homerouter.pptp.alg.AlgFixtures.ocrp;
import static org.homerouter.pptp.alg.AlgFixtures.ocrq;
import static org.homerouter.pptp.alg.AlgFixtures.sccrp;
import static org.homerouter.pptp.alg.AlgFixtures.sccrq;
import static org.homerouter.pptp.alg.AlgFixtures.sli;
import static org.homerouter.pptp.alg.AlgFixtures.stopccrq;
import static org.homerouter.pptp.alg.AlgFixtures.wen;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.homerouter.pptp.ManualClock;

/**
 * The passthrough ALG's stream parser under any mix of well-formed call messages and garbage, on
 * several control connections of two LAN clients, in any segmentation, order and flags. It never
 * throws; it changes at most the call-ID octets of what it forwards (two per message: the length
 * never changes, so TCP stays in step); the kernel rules it asks for always match the mappings it
 * holds; and once every connection has timed out, nothing is left mapped.
 */
class AlgStreamFuzzTest {
    private static final Inet4Address SERVER = ip("203.0.113.10");
    private static final Inet4Address PUBLIC = ip("198.51.100.1");
    private static final Inet4Address[] CLIENTS = {ip("192.168.1.20"), ip("192.168.1.21")};

    @FuzzTest(maxDuration = "10s")
    void anyStreamKeepsTheTrackerConsistentAndLeavesNothingMapped(FuzzedDataProvider data) {
        ManualClock clock = new ManualClock();
        List<GreMapping> installed = new ArrayList<>();
        PptpAlg alg = new PptpAlg(clock, AlgTimeouts.KERNEL, flow -> PUBLIC, new GreMappingListener() {
            @Override
            public void mapped(GreMapping m) {
                installed.add(m);
            }

            @Override
            public void unmapped(GreMapping m) {
                assertTrue(installed.remove(m), "unmapped only what was mapped: " + m);
            }
        }, RandomGenerator.of("L64X128MixRandom"));
        // Per connection and direction: the sequence number after the last octet the tracker let
        // through. A sender goes on from there; a segment dropped for a gap is not sent on.
        int[][] sent = new int[4][2];
        while (data.remainingBytes() > 0) {
            int c = data.consumeInt(0, 3);
            ControlFlow flow = new ControlFlow(CLIENTS[c & 1], 40000 + c, SERVER, 1723);
            Direction direction = data.consumeBoolean() ? Direction.TO_SERVER : Direction.TO_CLIENT;
            byte[] payload = message(data);
            int d = direction == Direction.TO_SERVER ? 0 : 1;
            int sequence = data.consumeInt(0, 7) == 0 ? data.consumeInt() : sent[c][d];
            boolean syn = data.consumeInt(0, 15) == 0;
            boolean fin = data.consumeInt(0, 31) == 0;
            boolean rst = data.consumeInt(0, 63) == 0;
            byte[] before = payload.clone();
            SegmentVerdict verdict = alg.onSegment(new TcpSegment(flow, direction, sequence, syn, fin, rst,
                    payload, 0, payload.length));
            assertNotNull(verdict);
            int changed = 0;
            for (int i = 0; i < payload.length; i++) {
                changed += payload[i] != before[i] ? 1 : 0;
            }
            if (verdict == SegmentVerdict.DROP) {
                assertEquals(0, changed, "a dropped segment is not rewritten");
            } else if (syn || sequence == sent[c][d]) {
                // New octets only. (Octets the tracker has seen get the rewrites their first copy
                // got, as a retransmission must; the fuzzer may put other bytes there, which TCP
                // would discard, so they are not counted.)
                assertTrue(changed <= 2 * Math.max(1, payload.length / 16),
                        changed + " octets of " + payload.length + " changed: only call IDs may be");
            }
            if (verdict != SegmentVerdict.DROP) {
                int end = sequence + payload.length + (syn ? 1 : 0);
                if (syn || end - sent[c][d] > 0) {
                    sent[c][d] = end;
                }
            }
            assertEquals(installed.size(), alg.mappings().size(), "kernel rules and tracked calls agree");
            if (data.consumeInt(0, 15) == 0) {
                clock.advance(Duration.ofSeconds(data.consumeInt(0, 400)));
                alg.expire();
                assertEquals(installed.size(), alg.mappings().size(), "after expiry too");
            }
        }
        clock.advance(Duration.ofDays(6));
        alg.expire();
        assertEquals(List.of(), alg.mappings(), "everything expires");
        assertEquals(List.of(), installed, "every kernel rule asked for was removed");
        assertEquals(0, alg.connectionCount());
    }

    private static byte[] message(FuzzedDataProvider data) {
        int id = data.consumeInt(0, 65535);
        int peer = data.consumeInt(0, 65535);
        return switch (data.consumeInt(0, 13)) {
            case 0 -> ocrq(id);
            case 1 -> ocrp(id, peer, data.consumeInt(1, 7));
            case 2 -> icrq(id);
            case 3 -> icrp(id, peer, data.consumeInt(1, 3));
            case 4 -> iccn(peer);
            case 5 -> ccrq(id);
            case 6 -> cdn(id);
            case 7 -> wen(peer);
            case 8 -> sli(peer);
            case 9 -> stopccrq();
            case 10 -> sccrq();
            case 11 -> sccrp(data.consumeInt(1, 2));
            default -> data.consumeBytes(data.consumeInt(0, 400));
        };
    }

    private static Inet4Address ip(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
