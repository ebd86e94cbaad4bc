package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The pool's "is it this router's own?" in a namespace made for it: a primary and a secondary
 * address of one network (whose local route names the primary as its source), a point-to-point
 * address as the dial-out's ppp device has, on an interface up and then down; and the same
 * answers where ip_nonlocal_bind lets a socket bind to any address.
 */
@Tag("root")
class OwnAddressesNetnsTest {

    private static Inet4Address ip(String a) throws Exception {
        return (Inet4Address) InetAddress.getByName(a);
    }

    @Test
    void everyAddressOnTheRoutersInterfacesIsItsOwnAndNoOther() throws Exception {
        try (Netns router = Netns.create("own")) {
            router.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan0p"); // no dummy module here
            router.ip("addr", "add", "10.9.0.1/24", "dev", "lan0");
            router.ip("addr", "add", "10.9.0.2/24", "dev", "lan0");
            router.ip("addr", "add", "10.8.0.5", "peer", "10.8.0.1", "dev", "lan0");
            router.ip("link", "set", "lan0", "up");
            router.ip("link", "set", "lan0p", "up");
            for (String state : new String[] {"up", "down"}) {
                router.ip("link", "set", "lan0", state);
                for (String nonlocalBind : new String[] {"0", "1"}) {
                    router.exec(java.time.Duration.ofSeconds(10), "sysctl", "-q", "-w",
                            "net.ipv4.ip_nonlocal_bind=" + nonlocalBind);
                    String where = "lan0 " + state + ", ip_nonlocal_bind " + nonlocalBind + ": ";
                    try (NetworkNamespace.Scope in = NetworkNamespace.enter(router.name())) {
                        for (String own : new String[] {"10.9.0.1", "10.9.0.2", "10.8.0.5", "127.0.0.1"}) {
                            assertTrue(OwnAddresses.isOwn(ip(own)), where + own);
                        }
                        for (String other : new String[] {"10.9.0.7", "10.8.0.1", "192.0.2.1"}) {
                            assertFalse(OwnAddresses.isOwn(ip(other)), where + other);
                        }
                    }
                }
            }
        }
    }
}
