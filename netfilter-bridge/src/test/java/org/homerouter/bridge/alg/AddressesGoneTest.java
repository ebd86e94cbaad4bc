package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressesGoneTest {
    private static final Inet4Address OLD = ip("198.51.100.7");
    private static final Inet4Address NEW = ip("198.51.100.9");
    private static final Inet4Address LAN = ip("192.168.1.1");
    private static final long SECOND = 1_000_000_000L;

    private final AddressesGone gone = new AddressesGone();

    private static Inet4Address ip(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A DHCP renewal to another address: the old one's calls end once it has stayed away for the grace. */
    @Test
    void anAddressThatStaysAwayIsGoneAfterTheGrace() {
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(OLD, LAN), 0));
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(NEW, LAN), 5 * SECOND), "missing since now");
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(NEW, LAN), 14 * SECOND));
        assertEquals(Set.of(OLD), gone.gone(Set.of(OLD), Set.of(NEW, LAN), 15 * SECOND));
    }

    /**
     * A lease dropped and got again within seconds, or a modem rebooting for a minute or two with
     * no other address in its place: the address's calls stay; gone only after the long grace.
     */
    @Test
    void anAddressAwayWithNoneInItsPlaceKeepsItsCallsForTheLongGrace() {
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(OLD, LAN), 0));
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(LAN), SECOND));
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(OLD, LAN), 5 * SECOND), "back");
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(LAN), 12 * SECOND));
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(LAN), 120 * SECOND), "a modem rebooting");
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(LAN), 191 * SECOND));
        assertEquals(Set.of(OLD), gone.gone(Set.of(OLD), Set.of(LAN), 192 * SECOND));
    }

    /** A call NATed to an address on no interface (snat to a routed block) never ends so. */
    @Test
    void anAddressNeverHeldIsNeverGone() {
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(NEW, LAN), 0));
        assertEquals(Set.of(), gone.gone(Set.of(OLD), Set.of(NEW, LAN), 600 * SECOND));
    }

    /** Addresses no call uses are none of its business. */
    @Test
    void onlyAddressesInUseAreGone() {
        assertEquals(Set.of(), gone.gone(Set.of(), Set.of(LAN), 0));
        assertEquals(Set.of(), gone.gone(Set.of(), Set.of(LAN), 60 * SECOND));
    }
}
