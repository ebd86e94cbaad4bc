package org.homerouter.pptp.ppp.lcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.homerouter.pptp.LogCapture;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.AutomatonObserver;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;

/** Loop detection and keepalive: the ways LCP finds out that a link is not a working link. */
class LcpLinkHealthTest {

    @Test
    void loopedBackLinkIsDetectedByMagicNumbersAndClosed() {
        ArrayDeque<ControlPacket> wire = new ArrayDeque<>();
        List<ControlPacket> sent = new ArrayList<>();
        RecordingLcpListener events = new RecordingLcpListener();
        Lcp lcp = new Lcp(LcpSettings.client(List.of()), new ManualClock(), new Random(3), p -> {
            sent.add(p);
            wire.add(p);
        }, events);
        lcp.open();
        lcp.lowerLayerUp();
        for (int i = 0; i < 100 && !wire.isEmpty(); i++) {
            lcp.receive(wire.poll()); // everything we send comes straight back
        }
        assertTrue(wire.isEmpty(), "the loop settles");
        assertEquals(List.of("needed", "failed LOOPED_BACK", "finished"), events.events);
        assertEquals(3, sent.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_NAK).count(),
                "three Naks of our own magic number came back before the loop was declared");
        assertEquals(AutomatonState.CLOSED, lcp.state(), "closed after its own Terminate exchange");
    }

    private static LcpPipe openedPipe() {
        LcpPipe pipe = new LcpPipe(LcpSettings.server(List.of()).withEcho(Duration.ofSeconds(10), 3),
                LcpSettings.client(List.of()).withEcho(Duration.ZERO, 1));
        pipe.start();
        pipe.pump();
        assertEquals(AutomatonState.OPENED, pipe.server.state());
        assertEquals(AutomatonState.OPENED, pipe.client.state());
        return pipe;
    }

    private static long count(List<ControlPacket> packets, int code) {
        return packets.stream().filter(p -> p.code() == code).count();
    }

    @Test
    void answeredEchoesKeepTheLinkUp() {
        LcpPipe pipe = openedPipe();
        for (int i = 0; i < 6; i++) {
            pipe.elapse(10_000);
        }
        assertEquals(6, count(pipe.fromServer, LcpCode.ECHO_REQUEST));
        assertEquals(6, count(pipe.fromClient, LcpCode.ECHO_REPLY));
        assertEquals(0, count(pipe.fromClient, LcpCode.ECHO_REQUEST), "keepalive disabled on the client");
        assertEquals(AutomatonState.OPENED, pipe.server.state());
        assertEquals(List.of("needed", "up"), pipe.serverEvents.events);

        ControlPacket request = pipe.fromServer.getLast();
        assertEquals(pipe.serverEvents.configuration.localMagic(), ByteBuffer.wrap(request.data()).getInt());
        ControlPacket reply = pipe.fromClient.getLast();
        assertEquals(request.identifier(), reply.identifier());
        assertEquals(pipe.clientEvents.configuration.localMagic(), ByteBuffer.wrap(reply.data()).getInt());
    }

    @Test
    void unansweredEchoesTakeTheLinkDown() {
        LcpPipe pipe = openedPipe();
        pipe.elapse(10_000);
        pipe.cut = true;
        for (int i = 0; i < 3; i++) {
            pipe.elapse(10_000);
        }
        assertEquals(4, count(pipe.fromServer, LcpCode.ECHO_REQUEST), "three unanswered");
        pipe.elapse(9_999);
        assertEquals(AutomatonState.OPENED, pipe.server.state(), "not before the fourth interval ends");

        pipe.elapse(1);
        assertEquals(List.of("needed", "up", "failed KEEPALIVE_TIMEOUT", "down", "finished"), pipe.serverEvents.events);
        assertEquals(AutomatonState.INITIAL, pipe.server.state());
        assertEquals(4, count(pipe.fromServer, LcpCode.ECHO_REQUEST), "no fourth request");
        assertTrue(pipe.server.deadline().isEmpty(), "nothing left to time");
    }

    /**
     * While our frames are held back (a newer call with this call's address and call ID, which
     * may be a stranger's that never logs in), the requests that could not be sent do not count as
     * unanswered: a live client that sends nothing of its own was declared dead after 4 intervals.
     */
    @Test
    void echoesThatCouldNotBeSentDoNotTakeTheLinkDown() {
        LcpPipe pipe = openedPipe();
        pipe.elapse(10_000);
        long before = count(pipe.fromServer, LcpCode.ECHO_REQUEST);
        pipe.server.outputHeld(true);
        pipe.cut = true;
        for (int i = 0; i < 6; i++) {
            pipe.elapse(10_000);
        }
        assertEquals(AutomatonState.OPENED, pipe.server.state(), "a minute held back: " + pipe.serverEvents.events);
        assertEquals(before, count(pipe.fromServer, LcpCode.ECHO_REQUEST), "none asked while held back");
        pipe.server.outputHeld(false);
        pipe.cut = false;
        for (int i = 0; i < 6; i++) {
            pipe.elapse(10_000);
        }
        assertEquals(List.of("needed", "up"), pipe.serverEvents.events, "answered once it sends again");
        assertEquals(before + 6, count(pipe.fromServer, LcpCode.ECHO_REQUEST));

        // Held for longer than any login takes (newer calls one after another): a dead session
        // must not keep its address and its account's place for ever.
        pipe.server.outputHeld(true);
        pipe.cut = true;
        for (int i = 0; i < 12; i++) {
            pipe.elapse(10_000);
        }
        assertEquals(List.of("needed", "up", "failed KEEPALIVE_TIMEOUT", "down", "finished"), pipe.serverEvents.events,
                "ended on its keepalive once held past " + Lcp.MAX_POSTPONED);
    }

    @Test
    void echoRepliesCarryingOurOwnMagicDoNotProveTheLinkAlive() {
        ManualClock clock = new ManualClock();
        List<ControlPacket> sent = new ArrayList<>();
        RecordingLcpListener events = new RecordingLcpListener();
        Lcp lcp = openedServer(clock, sent, events, Duration.ofSeconds(5), 2);
        for (int i = 0; i < 2; i++) {
            clock.advanceMillis(5_000);
            lcp.poll();
            ControlPacket request = sent.getLast();
            // A looped link hands our request back as if it were the reply.
            lcp.receive(new ControlPacket(LcpCode.ECHO_REPLY, request.identifier(), request.data()));
        }
        clock.advanceMillis(5_000);
        lcp.poll();
        assertTrue(events.events.contains("failed KEEPALIVE_TIMEOUT"));
    }

    /** A session's LCP names the session when it logs that the link is dead: with many sessions up, a nameless line was no use. */
    @Test
    void aDeadLinkIsLoggedUnderItsSessionsName() {
        ManualClock clock = new ManualClock();
        List<ControlPacket> sent = new ArrayList<>();
        Lcp lcp = new Lcp("call 7 (192.0.2.7)", LcpSettings.server(List.of()).withEcho(Duration.ofSeconds(5), 2), clock,
                new Random(4), sent::add, new RecordingLcpListener(), AutomatonObserver.NONE);
        lcp.open();
        lcp.lowerLayerUp();
        ControlPacket ours = sent.getLast();
        lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_REQUEST, 1, new byte[] {5, 6, 0x0A, 0x0B, 0x0C, 0x0D}));
        lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, ours.identifier(), ours.data()));
        try (LogCapture log = LogCapture.start()) {
            for (int i = 0; i < 3; i++) {
                pollAfter(lcp, clock, 5_000, 0);
            }
            assertTrue(log.lines().contains("INFO call 7 (192.0.2.7): LCP: no reply to 2 echo requests, link is dead"),
                    log.lines().toString());
        }
    }

    /** {@code millis} later, the peer having shown {@code receipts} signs so far that it receives our frames: LCP's timers run. */
    private static void pollAfter(Lcp lcp, ManualClock clock, long millis, long receipts) {
        clock.advanceMillis(millis);
        lcp.peerReceiptsSoFar(receipts);
        lcp.poll();
    }

    /** An opened server LCP with a keepalive of {@code interval} and {@code failures}, its packets into {@code sent}. */
    private static Lcp openedServer(ManualClock clock, List<ControlPacket> sent, RecordingLcpListener events,
                                    Duration interval, int failures) {
        Lcp lcp = new Lcp(LcpSettings.server(List.of()).withEcho(interval, failures), clock, new Random(4), sent::add,
                events);
        lcp.open();
        lcp.lowerLayerUp();
        ControlPacket ours = sent.getLast();
        lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_REQUEST, 1, new byte[] {5, 6, 0x0A, 0x0B, 0x0C, 0x0D}));
        lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, ours.identifier(), ours.data()));
        assertEquals(AutomatonState.OPENED, lcp.state());
        return lcp;
    }

    /**
     * On a lossy link (hotel Wi-Fi, a phone's 3G) Echo-Replies get lost while the peer's data
     * still shows it receives ours (its GRE acknowledgements move on): any such sign after a
     * request answers it, so only a peer showing none for the configured number of requests ends
     * the link. Three replies lost in a row ended a session whose download was running.
     */
    @Test
    void aSignThatThePeerReceivesOurFramesAfterAnEchoRequestAnswersIt() {
        ManualClock clock = new ManualClock();
        List<ControlPacket> sent = new ArrayList<>();
        RecordingLcpListener events = new RecordingLcpListener();
        Lcp lcp = openedServer(clock, sent, events, Duration.ofSeconds(5), 2);
        long receipts = 0;
        for (int i = 0; i < 20; i++) { // every reply lost, acknowledgements between the requests
            receipts += 3;
            lcp.peerReceiptsSoFar(receipts);
            pollAfter(lcp, clock, 5_000, receipts);
        }
        assertEquals(20, count(sent, LcpCode.ECHO_REQUEST));
        assertEquals(List.of("needed", "up"), events.events, "no reply came, the acknowledgements did");

        // The peer shows no more (silent, or its GRE acknowledges nothing new: ours no longer reach
        // it): the second request after the last sign goes unanswered, and at the next due time the
        // link is dead.
        for (int i = 0; i < 2; i++) {
            pollAfter(lcp, clock, 5_000, receipts);
        }
        assertEquals(List.of("needed", "up", "failed KEEPALIVE_TIMEOUT", "down", "finished"), events.events);
        assertEquals(21, count(sent, LcpCode.ECHO_REQUEST), "the request of the 20th interval and one more");
    }

    /**
     * A hurried check ({@link Lcp#checkPeerNow}: is this session still there?) is answered by a
     * sign that the peer receives our frames too: a live session whose Echo-Replies queue behind a
     * download for over 3 s, or are lost, stays, and its keepalive goes back to its usual pace.
     */
    @Test
    void aHurriedCheckIsAnsweredByASignThatThePeerReceivesOurFrames() {
        ManualClock clock = new ManualClock();
        List<ControlPacket> sent = new ArrayList<>();
        RecordingLcpListener events = new RecordingLcpListener();
        Lcp lcp = openedServer(clock, sent, events, Duration.ofSeconds(20), 3);
        lcp.peerReceiptsSoFar(7);
        assertTrue(lcp.checkPeerNow(Duration.ofSeconds(1)));
        lcp.poll();
        assertEquals(1, count(sent, LcpCode.ECHO_REQUEST), "asked at once");
        pollAfter(lcp, clock, 1_000, 8); // an acknowledgement, no reply
        for (int i = 0; i < 19; i++) {
            pollAfter(lcp, clock, 1_000, 8);
        }
        assertEquals(List.of("needed", "up"), events.events);
        assertEquals(1, count(sent, LcpCode.ECHO_REQUEST), "back to one request per 20 s");
    }

    @Test
    void keepaliveStopsWhenThePeerCodeRejectsEchoRequest() {
        LcpPipe pipe = openedPipe();
        pipe.cut = true;
        pipe.elapse(10_000);
        ControlPacket request = pipe.fromServer.getLast();
        byte[] rejected = new byte[4 + request.dataLength()];
        rejected[0] = LcpCode.ECHO_REQUEST;
        rejected[1] = (byte) request.identifier();
        rejected[3] = (byte) rejected.length;
        pipe.server.receive(new ControlPacket(ControlPacket.CODE_REJECT, 0x40, rejected));
        for (int i = 0; i < 10; i++) {
            pipe.elapse(10_000);
        }
        assertEquals(AutomatonState.OPENED, pipe.server.state(), "a peer that cannot echo is not a dead peer");
        assertEquals(1, count(pipe.fromServer, LcpCode.ECHO_REQUEST));
    }
}
