package org.homerouter.pptp.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * The engine's client (the site-to-site dial-out) against a server that answers "success" with
 * result code 0 instead of 1, as some ADSL modems do (pptp-linux and Android's mtpd accept it):
 * the control connection and the call must come up all the same, and a real refusal still fails.
 * Also how it ends a call: one Call-Clear-Request, even when it stops right after hanging up.
 */
class LenientResultCodesTest {
    private final List<ControlMessage> sent = new ArrayList<>();
    private final RecordingCalls calls = new RecordingCalls();
    private final PnsControlConnection pns = new PnsControlConnection(
            new InlineControlLink(InetAddress.getLoopbackAddress(), sent::add), new ManualClock(),
            ControlSettings.defaults("pns"), calls, new CallIdAllocator(8));

    private static StartControlConnectionReply startReply(int result) {
        return new StartControlConnectionReply(ControlProtocol.PROTOCOL_VERSION, result, 0, 1, 1, 0, 1, "modem", "acme");
    }

    @Test
    void resultZeroIsTakenForSuccessInBothReplies() throws Exception {
        CompletableFuture<StartControlConnectionReply> started = pns.start();
        pns.onMessage(startReply(0));
        assertTrue(started.isDone() && !started.isCompletedExceptionally(), "control connection up");

        CompletableFuture<PptpCall> call = pns.placeCall();
        OutgoingCallRequest request = (OutgoingCallRequest) sent.getLast();
        pns.onMessage(new OutgoingCallReply(77, request.callId(), 0, 0, 0, 100_000_000, 64, 0, 0));
        assertEquals(77, call.get().peerCallId(), "the call is up with the server's Call ID");
        assertEquals(1, calls.established.size());
    }

    @Test
    void stoppingWhileAHangUpIsUnderWaySendsOneCallClearRequest() throws Exception {
        pns.start();
        pns.onMessage(startReply(1));
        CompletableFuture<PptpCall> placed = pns.placeCall();
        OutgoingCallRequest request = (OutgoingCallRequest) sent.getLast();
        pns.onMessage(new OutgoingCallReply(77, request.callId(), 1, 0, 0, 100_000_000, 64, 0, 0));
        pns.hangUp(placed.get());
        pns.stop(StopControlConnectionRequest.REASON_NONE);
        assertEquals(1, sent.stream().filter(m -> m instanceof CallClearRequest).count(),
                "the call's clear was already asked for: " + sent);
        assertTrue(sent.getLast() instanceof StopControlConnectionRequest, sent.toString());
    }

    @Test
    void aRealRefusalStillFails() {
        CompletableFuture<StartControlConnectionReply> started = pns.start();
        pns.onMessage(startReply(StartControlConnectionReply.RESULT_GENERAL_ERROR));
        assertTrue(started.isCompletedExceptionally());
    }
}
