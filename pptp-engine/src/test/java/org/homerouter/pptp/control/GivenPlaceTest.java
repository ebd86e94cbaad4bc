package org.homerouter.pptp.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A call that gives its place to another ({@link CallIdAllocator#makeRoomWith}) stops counting at
 * once, but keeps its Call ID until its clear is done: its GRE is still keyed by it (RFC 2637 §4.1).
 */
class GivenPlaceTest {
    private static final InetAddress CALLER = InetAddress.getLoopbackAddress();

    @Test
    void aCallThatGaveItsPlaceKeepsItsIdAndItsEndFreesNoSecondPlace() {
        CallIdAllocator ids = new CallIdAllocator(2, new Random(1));
        int silent = ids.allocate();
        int other = ids.allocate();
        ids.makeRoomWith(caller -> silent);

        int newcomer = ids.allocate(CALLER);
        assertTrue(newcomer > 0, "the newcomer takes the silent call's place");
        assertNotEquals(silent, newcomer, "not its ID: the silent call's GRE still carries it until it is cleared");
        assertNotEquals(other, newcomer);
        assertEquals(2, ids.inUse());
        assertEquals(CallIdAllocator.AT_LIMIT, ids.allocate(CALLER), "a place is given once");

        ids.release(silent); // its clear, seconds later (LCP Terminate, RFC 1661 §5.5)
        assertEquals(2, ids.inUse(), "the place it gave is the newcomer's: its end frees no other");
        assertEquals(CallIdAllocator.AT_LIMIT, ids.allocate(), "the session limit holds");
        ids.release(other);
        assertTrue(ids.allocate() > 0);
    }

    @Test
    void aCallThatLoggedInAfterGivingItsPlaceCountsAgainUntilItEnds() {
        CallIdAllocator ids = new CallIdAllocator(1, new Random(1));
        int slow = ids.allocate();
        ids.makeRoomWith(caller -> slow);
        int newcomer = ids.allocate(CALLER);
        ids.takePlaceBack(slow);
        assertEquals(2, ids.inUse(), "over the limit until one ends");
        ids.release(newcomer);
        assertEquals(CallIdAllocator.AT_LIMIT, ids.allocate(), "the one left still fills the limit");
        ids.release(slow);
        assertEquals(0, ids.inUse());
    }

    @Test
    void nobodyIsAskedToGiveWayWhenOneCallFewerWouldNotMakeRoom() {
        CallIdAllocator ids = new CallIdAllocator(3, new Random(1));
        List<Integer> out = new ArrayList<>(List.of(ids.allocate(), ids.allocate(), ids.allocate()));
        List<InetAddress> asked = new ArrayList<>();
        ids.makeRoomWith(caller -> {
            asked.add(caller);
            return out.getFirst();
        });
        ids.setMaxCalls(1); // the owner lowered the limit: two calls would have to end for one more
        assertEquals(CallIdAllocator.AT_LIMIT, ids.allocate(CALLER));
        assertEquals(List.of(), asked, "no call ended for a place it could not make");
        ids.setMaxCalls(3);
        assertEquals(CallIdAllocator.AT_LIMIT, ids.allocate(), "a call without a caller (the dial-out's) asks nobody");
        assertEquals(List.of(), asked);
        assertTrue(ids.allocate(CALLER) > 0, "one that one call fewer makes room for asks");
        assertEquals(List.of(CALLER), asked);
        assertEquals(3, ids.inUse());
    }
}
