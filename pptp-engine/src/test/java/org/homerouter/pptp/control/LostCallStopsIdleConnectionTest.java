package org.homerouter.pptp.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * A PNS that vanishes (its machine lost power, its Wi-Fi dropped) is noticed by LCP echo, which
 * ends the call. Its control connection must not linger until the control-level echo gives up
 * minutes later; a call ended by a hang-up leaves the connection to the peer, which stops it itself.
 */
class LostCallStopsIdleConnectionTest {
    private final ManualClock clock = new ManualClock();
    private final List<ControlMessage> sent = new ArrayList<>();
    private final RecordingCalls calls = new RecordingCalls();
    private final ControlLink link = new InlineControlLink(InetAddress.getLoopbackAddress(), sent::add);
    private final PacControlConnection pac = new PacControlConnection(link, clock, ControlSettings.defaults("pac"),
            calls, new CallIdAllocator(8));

    private PptpCall placeCall(int peerCallId) {
        pac.onMessage(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 1, "pns", "test"));
        pac.onMessage(new OutgoingCallRequest(peerCallId, 1, 300, 100_000_000, 3, 3, 64, 0, "", ""));
        return calls.established.getLast();
    }

    @Test
    void aLastCallWhosePeerStoppedAnsweringStopsTheConnection() {
        PptpCall call = placeCall(5);
        sent.clear();
        pac.clearCall(call, true, "the client stopped answering LCP echo requests");
        assertEquals(2, sent.size(), sent.toString());
        CallDisconnectNotify cdn = (CallDisconnectNotify) sent.get(0);
        assertEquals(CallDisconnectNotify.RESULT_LOST_CARRIER, cdn.resultCode());
        assertTrue(sent.get(1) instanceof StopControlConnectionRequest, sent.toString());
        assertEquals(ControlConnection.Phase.STOPPING, pac.phase());
    }

    @Test
    void aCallHungUpNormallyLeavesTheConnectionToThePeer() {
        PptpCall call = placeCall(5);
        sent.clear();
        pac.clearCall(call, false, "hung up");
        assertEquals(1, sent.size(), sent.toString());
        assertTrue(sent.getFirst() instanceof CallDisconnectNotify);
        assertEquals(ControlConnection.Phase.ESTABLISHED, pac.phase());
    }

    @Test
    void aRefusedOnlyCallStopsTheConnectionSoPptpLinuxHearsIt() {
        // pptp-linux ignores the Call-Disconnect-Notify (it looks our Call ID up among its own) and
        // would wait 30 s for PPP; the Stop it acts on at once.
        PptpCall call = placeCall(5);
        sent.clear();
        pac.refuseCall(call, "too many logins in progress from this address");
        assertEquals(2, sent.size(), sent.toString());
        assertEquals(CallDisconnectNotify.RESULT_ADMIN_SHUTDOWN, ((CallDisconnectNotify) sent.get(0)).resultCode());
        assertTrue(sent.get(1) instanceof StopControlConnectionRequest, sent.toString());
        assertEquals(ControlConnection.Phase.STOPPING, pac.phase());
    }

    @Test
    void aLostCallLeavesAConnectionThatStillCarriesAnotherCall() {
        PptpCall first = placeCall(5);
        pac.onMessage(new OutgoingCallRequest(6, 2, 300, 100_000_000, 3, 3, 64, 0, "", ""));
        sent.clear();
        pac.clearCall(first, true, "the client stopped answering LCP echo requests");
        assertFalse(sent.stream().anyMatch(m -> m instanceof StopControlConnectionRequest), sent.toString());
        assertEquals(ControlConnection.Phase.ESTABLISHED, pac.phase());
    }
}
