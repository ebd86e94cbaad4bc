package org.homerouter.appliance;

import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
}
