package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressPoolTest {
    private static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    @Test
    void handsOutEveryAddressOnceThenRunsDry() throws Exception {
        AddressPool pool = new AddressPool(ip("192.168.250.10"), ip("192.168.250.19"));
        Set<Inet4Address> seen = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            assertTrue(seen.add(pool.allocate().orElseThrow()));
        }
        assertEquals(Optional.empty(), pool.allocate());
        assertEquals(10, pool.inUse());
        pool.release(ip("192.168.250.13"));
        assertEquals(ip("192.168.250.13"), pool.allocate().orElseThrow());
    }

    @Test
    void releasedAddressIsNotReusedImmediately() throws Exception {
        AddressPool pool = new AddressPool(ip("10.0.0.1"), ip("10.0.0.5"));
        Inet4Address a = pool.allocate().orElseThrow();
        pool.release(a);
        // A client that reconnects at once should not find its old address on somebody else's session.
        assertFalse(pool.allocate().orElseThrow().equals(a));
    }

    @Test
    void staticAddressesShareTheBitmap() throws Exception {
        AddressPool pool = new AddressPool(ip("10.0.0.1"), ip("10.0.0.2"));
        assertTrue(pool.claim(ip("10.0.0.2")));
        assertFalse(pool.claim(ip("10.0.0.2")), "a taken static address cannot be claimed twice");
        assertEquals(ip("10.0.0.1"), pool.allocate().orElseThrow());
        assertEquals(Optional.empty(), pool.allocate());
        assertTrue(pool.claim(ip("172.16.0.9")), "a static address outside the range");
        assertFalse(pool.claim(ip("172.16.0.9")), "...is still only for one session at a time");
        assertEquals(3, pool.inUse());
        pool.release(ip("172.16.0.9"));
        assertTrue(pool.claim(ip("172.16.0.9")));
    }

    @Test
    void rangeAcrossAnOctetBoundary() throws Exception {
        AddressPool pool = new AddressPool(ip("10.0.0.254"), ip("10.0.1.1"));
        assertEquals(4, pool.size());
        assertTrue(pool.contains(ip("10.0.1.0")));
        assertFalse(pool.contains(ip("10.0.1.2")));
    }

    @Test
    void invalidRangesAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new AddressPool(ip("10.0.0.9"), ip("10.0.0.1")));
        assertThrows(IllegalArgumentException.class, () -> new AddressPool(ip("10.0.0.0"), ip("10.2.0.0")));
    }
}
