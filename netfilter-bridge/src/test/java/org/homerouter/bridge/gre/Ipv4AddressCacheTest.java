package org.homerouter.bridge.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class Ipv4AddressCacheTest {
    @Test
    void repeatedSourcesReuseOneAddressAndCollisionsStayCorrect() throws Exception {
        Ipv4AddressCache cache = new Ipv4AddressCache();
        InetAddress first = cache.get(0xC0000201);
        assertEquals(InetAddress.getByName("192.0.2.1"), first);
        assertSame(first, cache.get(0xC0000201));
        // Same slot (the xor of the octets is equal), different address.
        assertEquals(InetAddress.getByName("192.0.1.2"), cache.get(0xC0000102));
        assertEquals(InetAddress.getByName("192.0.2.1"), cache.get(0xC0000201));
    }
}
