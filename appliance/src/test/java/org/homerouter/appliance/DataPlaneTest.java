package org.homerouter.appliance;

import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataPlaneTest {
    /**
     * With passthrough on, a LAN client's call to an outside server has a NAT ID, and its GRE NAT
     * sends the server's GRE with that key to the client. A call of the router's own (its VPN
     * server's, its dial-out's) with the same ID towards the same server would have its GRE taken
     * there: the router's calls skip every NAT ID in use.
     */
    @Test
    void theRoutersOwnCallsNeverTakeALanClientsNatId() {
        DataPlane plane = new DataPlane(new InMemoryGreNetwork().bind(InetAddress.getLoopbackAddress()),
                config -> null, null, () -> { });
        plane.reserveCallIds(id -> id != 0x1234); // every ID but one is a NAT ID
        CallIdAllocator ids = plane.callIds(4);
        assertEquals(0x1234, ids.allocate());
        assertEquals(-1, ids.allocate(), "nothing else is free");

        plane.reserveCallIds(id -> false); // passthrough switched off
        int next = ids.allocate();
        assertNotEquals(-1, next);
        assertNotEquals(0x1234, next);
    }

    /**
     * The dial-out's call ID is out from its Outgoing-Call-Request (RFC 2637 §2.7); its GRE channel
     * registers only at the office's reply (§2.8). Meanwhile the VPN server gave the same ID to a
     * client (the dial-out's call then failed at the reply, and it redialled), and the passthrough
     * ALG could make it a LAN call's NAT ID (whose GRE NAT then took the dial-out's GRE to a LAN host).
     */
    @Test
    void aDialOutCallNotYetAnsweredKeepsItsIdFromTheServerAndThePassthrough() {
        DataPlane plane = new DataPlane(new InMemoryGreNetwork().bind(InetAddress.getLoopbackAddress()),
                config -> null, null, () -> { });
        CallIdAllocator dialOut = plane.callIds(1, SAME_START);
        int placed = dialOut.allocate(); // what its Outgoing-Call-Request carries
        assertEquals(0x2222, placed);
        assertNull(plane.demux().channel(placed), "not answered yet: no channel");

        assertNotEquals(placed, plane.callIds(8, SAME_START).allocate(), "the server's next client gets another ID");
        assertTrue(plane.callIdTaken(placed), "the passthrough ALG, which asks this, skips it");

        dialOut.release(placed); // the office refused the call
        assertFalse(plane.callIdTaken(placed));
    }

    /** Every allocator probes 0x2222 first: without the dial-out's ID held, the server would take the same. */
    private static final java.util.random.RandomGenerator SAME_START = new java.util.random.RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public int nextInt(int bound) {
            return 0x2221;
        }
    };
}
