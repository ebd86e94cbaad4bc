package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The VPN server's pool skips an address this host holds itself (the site-to-site dial-out's, given
 * by a remote server with the same factory pool): the kernel says which, as the interface list
 * does, for every address this machine has; nothing is sent. (Secondary addresses, an interface
 * down, 1,000 interfaces: checked in a namespace, see the commit.)
 */
class OwnAddressesTest {

    @Test
    void everyAddressOfThisMachinesInterfacesIsItsOwnAndOthersAreNot() throws Exception {
        List<Inet4Address> own = NetworkInterface.networkInterfaces().filter(nif -> {
            try {
                return nif.isUp();
            } catch (java.net.SocketException e) {
                return false;
            }
        }).flatMap(NetworkInterface::inetAddresses).filter(a -> a instanceof Inet4Address)
                .map(a -> (Inet4Address) a).toList();
        assertTrue(own.stream().anyMatch(InetAddress::isLoopbackAddress), "127.0.0.1 at least: " + own);
        for (Inet4Address a : own) {
            assertTrue(OwnAddresses.isOwn(a), a + " is on an interface of this machine");
        }
        // RFC 5737 documentation addresses: no host has them.
        for (String other : List.of("192.0.2.1", "198.51.100.20", "203.0.113.7")) {
            Inet4Address a = (Inet4Address) InetAddress.getByName(other);
            assertFalse(OwnAddresses.isOwn(a), other);
            assertTrue(NetworkInterface.getByInetAddress(a) == null, "the interface list agrees: " + other);
        }
    }
}
