package org.homerouter.pptp.ppp.lcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;

/**
 * The path probe: padded LCP echoes find a path that loses large frames (MTU trouble) and how large
 * a frame still crosses, without a false alarm on a good path, a dead one, or one lost packet.
 */
class LcpPathProbeTest {
    /** Each frame is the LCP packet plus Address, Control and Protocol. */
    private static final int FRAME_OVERHEAD = 4;

    private static LcpPipe openedPipe() {
        LcpPipe pipe = new LcpPipe(LcpSettings.server(List.of()).withEcho(Duration.ofSeconds(20), 3),
                LcpSettings.client(List.of()).withEcho(Duration.ZERO, 1));
        pipe.start();
        pipe.pump();
        assertEquals(AutomatonState.OPENED, pipe.server.state());
        return pipe;
    }

    /** Runs the probe to its end: one-second steps for up to two minutes. */
    private static void probe(LcpPipe pipe) {
        pipe.server.probePath();
        pipe.pump();
        for (int i = 0; i < 120; i++) {
            pipe.elapse(1_000);
        }
    }

    private static List<ControlPacket> echoRequests(LcpPipe pipe) {
        return pipe.fromServer.stream().filter(p -> p.code() == LcpCode.ECHO_REQUEST).toList();
    }

    @Test
    void aGoodPathIsProbedOnceAtFullSizeAndRaisesNothing() {
        LcpPipe pipe = openedPipe();
        probe(pipe);
        List<ControlPacket> probes = echoRequests(pipe);
        assertEquals(LcpSettings.PPTP_MRU, probes.getFirst().length(), "the first probe fills the MRU");
        assertTrue(probes.size() <= 2 + 6, "one round and keepalives, not a search: " + probes.size());
        assertEquals(List.of("needed", "up"), pipe.serverEvents.events);
    }

    @Test
    void aPathLosingLargeFramesIsFoundAndTheLargestThatCrossesMeasured() {
        LcpPipe pipe = openedPipe();
        pipe.maxFrame = 1300; // GRE payload: e.g. a PPPoE link below, with ICMP filtered
        probe(pipe);
        String last = pipe.serverEvents.events.getLast();
        Matcher m = Pattern.compile("large frames lost: 1400 tried, (\\d+) crossed").matcher(last);
        assertTrue(m.matches(), last);
        int crossed = Integer.parseInt(m.group(1));
        int truth = 1300 - FRAME_OVERHEAD;
        assertTrue(crossed <= truth && crossed > truth - 8, "within the 8-octet granularity of " + truth + ": " + crossed);
        assertEquals(AutomatonState.OPENED, pipe.server.state(), "the link itself stays up");
        assertTrue(pipe.server.deadline().isPresent(), "the keepalive goes on");
    }

    @Test
    void aPathThatCarriesNothingLargerThanTheFloorSaysNoneCrossed() {
        LcpPipe pipe = openedPipe();
        pipe.maxFrame = 100;
        probe(pipe);
        assertEquals("large frames lost: 1400 tried, none crossed", pipe.serverEvents.events.getLast());
    }

    @Test
    void aDeadLinkIsLeftToTheKeepaliveNotCalledMtuTrouble() {
        LcpPipe pipe = openedPipe();
        pipe.cut = true;
        probe(pipe);
        assertFalse(pipe.serverEvents.events.stream().anyMatch(e -> e.startsWith("large frames lost")),
                pipe.serverEvents.events.toString());
        assertTrue(pipe.serverEvents.events.contains("failed KEEPALIVE_TIMEOUT"));
    }

    @Test
    void oneLostProbeIsRetriedNotCalledMtuTrouble() {
        LcpPipe pipe = openedPipe();
        pipe.maxFrame = 1300;
        pipe.server.probePath(); // the first full-size probe is lost
        pipe.pump();
        pipe.maxFrame = Integer.MAX_VALUE;
        for (int i = 0; i < 60; i++) {
            pipe.elapse(1_000);
        }
        assertEquals(List.of("needed", "up"), pipe.serverEvents.events);
        assertEquals(2, echoRequests(pipe).stream().filter(p -> p.length() == LcpSettings.PPTP_MRU).count(),
                "the lost size was tried again and crossed");
    }

    @Test
    void probingIsOffWhenTheSettingsSaySo() {
        LcpPipe pipe = new LcpPipe(LcpSettings.server(List.of()).withEcho(Duration.ZERO, 1)
                .withPathProbe(PathProbeSettings.OFF), LcpSettings.client(List.of()).withEcho(Duration.ZERO, 1));
        pipe.start();
        pipe.pump();
        pipe.maxFrame = 100;
        probe(pipe);
        assertEquals(List.of(), echoRequests(pipe));
    }
}
