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

    /**
     * Two routers on factory settings, one dialling the other: the remote's pool gave this router's
     * dial-out 192.168.250.10, the first address of this router's own pool too. A VPN client here
     * must not be given it (it would reach nothing); it is handed out again once this host lets it go.
     */
    @Test
    void anAddressThisHostUsesItselfIsNotHandedOutWhileItDoes() throws Exception {
        AddressPool pool = new AddressPool(ip("192.168.250.10"), ip("192.168.250.12"));
        Set<Inet4Address> usedHere = new HashSet<>(Set.of(ip("192.168.250.10")));
        pool.avoid(usedHere::contains);
        assertEquals(ip("192.168.250.11"), pool.allocate().orElseThrow());
        assertEquals(ip("192.168.250.12"), pool.allocate().orElseThrow());
        assertTrue(pool.allocate().isEmpty(), "only the address this host uses is left");
        assertEquals(0, pool.allocatable(5), "nothing a new call could be given: it is refused as busy");
        usedHere.clear(); // the dial-out went down
        assertEquals(ip("192.168.250.10"), pool.allocate().orElseThrow());
    }

    /**
     * A session keeping its address through a renegotiation asks whether clients may still be given
     * it: not once the pool has moved elsewhere, nor while this host uses it itself; held or not.
     */
    @Test
    void anAddressIsForClientsWhileItIsInTheRangeInForceAndNotThisHostsOwn() throws Exception {
        AddressPool old = new AddressPool(ip("192.168.250.10"), ip("192.168.250.19"));
        Inet4Address held = old.allocate().orElseThrow();
        assertTrue(old.forClients(held));
        assertTrue(old.forClients(ip("192.168.250.19")), "free ones too");
        assertFalse(old.forClients(ip("10.8.8.8")), "outside the range (a static address)");
        AddressPool next = new AddressPool(ip("192.168.250.100"), ip("192.168.250.110"));
        old.handOverTo(next);
        assertFalse(old.forClients(held), "the pool moved: still held, but no longer for clients");
        assertTrue(old.forClients(ip("192.168.250.100")));
        next.avoid(ip("192.168.250.100")::equals);
        assertFalse(old.forClients(ip("192.168.250.100")), "this host's own");
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

    @Test
    void aReplacedPoolKeepsItsSessionsAddressesReservedInTheNewOneUntilTheyComeBack() throws Exception {
        AddressPool old = new AddressPool(ip("10.0.0.1"), ip("10.0.0.4"));
        Inet4Address a = old.allocate().orElseThrow();
        Inet4Address b = old.allocate().orElseThrow();
        assertTrue(old.claim(ip("172.16.0.9")), "a static address outside the range");
        // The new range overlaps the old one: 10.0.0.1-2 are still out to the old sessions.
        AddressPool next = new AddressPool(ip("10.0.0.1"), ip("10.0.0.3"));
        old.handOverTo(next);
        assertEquals(3, next.inUse());
        assertEquals(ip("10.0.0.3"), next.allocate().orElseThrow(), "only the address nobody holds");
        assertEquals(Optional.empty(), next.allocate());
        assertFalse(next.claim(ip("172.16.0.9")), "the old session's static address is still taken");

        old.release(a);
        assertEquals(a, next.allocate().orElseThrow(), "given back through the old pool, it is free in the new one");
        old.release(a);
        assertEquals(4, next.inUse(), "a second release of it must not free the new session's address");
        old.release(ip("172.16.0.9"));
        assertTrue(next.claim(ip("172.16.0.9")));
        assertEquals(1, old.inUse(), "b is still out");
        old.release(b);
        assertEquals(0, old.inUse());
    }

    /** What the server's check at each new call reads (PppSessions.addressForAnotherCall), also across a change of range. */
    @Test
    void freeAndHeldAddressesAreToldApartAcrossAChangeOfRange() throws Exception {
        AddressPool old = new AddressPool(ip("10.0.0.1"), ip("10.0.0.3"));
        Inet4Address a = old.allocate().orElseThrow();
        assertEquals(ip("10.0.0.1"), a);
        assertTrue(old.claim(ip("172.16.0.9")));
        assertEquals(2, old.allocatable(100), "a static address outside the range takes none of it");
        assertTrue(old.holds(a) && old.holds(ip("172.16.0.9")));
        assertFalse(old.holds(ip("172.16.0.10")));
        AddressPool next = new AddressPool(ip("10.0.0.1"), ip("10.0.0.2"));
        old.handOverTo(next);
        assertEquals(next.allocatable(100), old.allocatable(100), "a retired pool answers for its successor");
        assertEquals(1, next.allocatable(100), "10.0.0.1 is still out to the old pool's session");
        assertTrue(next.holds(a) && old.holds(ip("172.16.0.9")));
        old.release(a);
        assertFalse(next.holds(a));
        assertEquals(2, next.allocatable(100));
    }

    @Test
    void aSessionStillNegotiatingOnTheOldPoolGetsAnAddressOfTheNewOne() throws Exception {
        AddressPool old = new AddressPool(ip("10.0.0.1"), ip("10.0.0.9"));
        AddressPool next = new AddressPool(ip("10.1.0.1"), ip("10.1.0.1"));
        old.handOverTo(next);
        Inet4Address a = old.allocate().orElseThrow();
        assertEquals(ip("10.1.0.1"), a);
        assertEquals(Optional.empty(), next.allocate(), "held by the old pool's session");
        assertFalse(old.claim(ip("10.1.0.1")));
        old.release(a);
        assertEquals(a, next.allocate().orElseThrow());
    }

    @Test
    void releasesTravelAlongAChainOfChanges() throws Exception {
        AddressPool first = new AddressPool(ip("10.0.0.1"), ip("10.0.0.2"));
        Inet4Address a = first.allocate().orElseThrow();
        AddressPool second = new AddressPool(ip("10.0.0.1"), ip("10.0.0.2"));
        first.handOverTo(second);
        AddressPool third = new AddressPool(ip("10.0.0.1"), ip("10.0.0.1"));
        second.handOverTo(third);
        assertEquals(Optional.empty(), third.allocate(), "the first pool's session still holds 10.0.0.1");
        first.release(a);
        assertEquals(a, third.allocate().orElseThrow());
        assertThrows(IllegalStateException.class, () -> first.handOverTo(new AddressPool(ip("10.0.0.1"), ip("10.0.0.1"))));
        assertThrows(IllegalArgumentException.class, () -> third.handOverTo(second), "only to a fresh pool");
    }

    /**
     * What a client asks for in IPCP it gets only from the range, free, and not this host's own:
     * never another session's address or one the administrator did not set aside for clients.
     */
    @Test
    void anAddressAClientAsksForIsGivenOnlyIfItIsAFreeOneOfTheRange() throws Exception {
        AddressPool pool = new AddressPool(ip("192.168.250.10"), ip("192.168.250.19"));
        pool.avoid(ip("192.168.250.19")::equals);
        Inet4Address another = pool.allocate().orElseThrow();
        assertFalse(pool.claimRequested(another), "another session's");
        assertFalse(pool.claimRequested(ip("192.168.250.20")), "outside the range");
        assertFalse(pool.claimRequested(ip("192.168.250.19")), "this host's own");
        assertTrue(pool.claimRequested(ip("192.168.250.15")), "free");
        assertFalse(pool.claimRequested(ip("192.168.250.15")), "now taken");
        assertEquals(2, pool.inUse());

        // The range changed while sessions are up: the old range's addresses are no longer for the asking.
        AddressPool next = new AddressPool(ip("10.1.0.10"), ip("10.1.0.19"));
        pool.handOverTo(next);
        pool.release(ip("192.168.250.15"));
        assertFalse(pool.claimRequested(ip("192.168.250.15")), "outside the new range");
        assertTrue(pool.claimRequested(ip("10.1.0.12")));
        assertTrue(next.holds(ip("10.1.0.12")));
        pool.release(ip("10.1.0.12"));
        assertFalse(next.holds(ip("10.1.0.12")), "given back through the old pool");
    }
}
