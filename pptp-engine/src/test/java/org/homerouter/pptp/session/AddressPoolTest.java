package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.homerouter.pptp.LogCapture;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

class AddressPoolTest {
    private static final Predicate<Inet4Address> NONE = a -> false;
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

    /**
     * alice's session drops while the LAN still sends to her address; bob, another account, asks
     * for that address at once (pppd with ipcp-accept-local): he is refused (IPCP Naks him with
     * another), not given what is still on its way to alice. alice's redial asking for it has it
     * back at once. Another account is granted it only {@link AddressPool#QUARANTINE} after she
     * gave it back. Before, bob was given it at once.
     */
    @Test
    void anAddressAnotherAccountGaveBackIsNotGrantedOnRequestUntilItsQuarantineIsOver() throws Exception {
        ManualClock clock = new ManualClock();
        AddressPool pool = new AddressPool(ip("10.0.0.1"), ip("10.0.0.10"), clock);
        Inet4Address hers = ip("10.0.0.5");
        assertTrue(pool.claimRequested(hers, "alice", NONE));
        pool.release(hers); // her session dropped
        assertFalse(pool.claimRequested(hers, "bob", NONE), "bob is given another");
        Inet4Address bobs = pool.allocate(NONE, "bob").orElseThrow();
        assertNotEquals(hers, bobs);
        assertFalse(pool.claimRequested(hers, null, NONE), "nor a client of no known account");
        assertTrue(pool.claimRequested(hers, "alice", NONE), "alice's redial has it back");

        pool.release(hers); // and drops again
        clock.advance(AddressPool.QUARANTINE.minusSeconds(1));
        assertFalse(pool.claimRequested(hers, "bob", NONE), "a second before the quarantine is over");
        clock.advance(java.time.Duration.ofSeconds(1));
        assertTrue(pool.claimRequested(hers, "bob", NONE), "once it is over");
        assertEquals(2, pool.inUse());
    }

    /**
     * The pool's own allocation goes by the same record: where its turn alone would hand bob the
     * address alice just gave back, he gets another (his own, here).
     */
    @Test
    void thePoolsNextAllocationSkipsAnAddressAnotherAccountJustGaveBack() throws Exception {
        ManualClock clock = new ManualClock();
        AddressPool pool = new AddressPool(ip("10.0.0.1"), ip("10.0.0.4"), clock);
        assertEquals(ip("10.0.0.1"), pool.allocate(NONE, "alice").orElseThrow());
        assertEquals(ip("10.0.0.2"), pool.allocate(NONE, "carol").orElseThrow());
        assertEquals(ip("10.0.0.3"), pool.allocate(NONE, "bob").orElseThrow());
        assertEquals(ip("10.0.0.4"), pool.allocate(NONE, "carol").orElseThrow());
        pool.release(ip("10.0.0.1"));
        pool.release(ip("10.0.0.3"));
        // The turn is back at 10.0.0.1, alice's until just now.
        assertEquals(ip("10.0.0.3"), pool.allocate(NONE, "bob").orElseThrow());
        assertEquals(ip("10.0.0.1"), pool.allocate(NONE, "alice").orElseThrow(), "hers is hers to have");
    }

    /**
     * A pool too small to keep them apart: with nothing else free, the address another account
     * gave back is handed out anyway (logged) rather than the call failing for a quarter of an hour,
     * the one given back longest ago first; a client naming another such address is offered that one.
     */
    @Test
    void aPoolWithNothingElseFreeHandsOutWhatAnotherAccountGaveBackLongestAgo() throws Exception {
        ManualClock clock = new ManualClock();
        AddressPool one = new AddressPool(ip("10.0.0.5"), ip("10.0.0.5"), clock);
        assertTrue(one.claimRequested(ip("10.0.0.5"), "alice", NONE));
        one.release(ip("10.0.0.5"));
        assertTrue(one.claimRequested(ip("10.0.0.5"), "bob", NONE), "the only address: bob has it on request");
        one.release(ip("10.0.0.5"));
        assertEquals(ip("10.0.0.5"), one.allocate(NONE, "alice").orElseThrow(), "and by allocation");

        AddressPool pool = new AddressPool(ip("10.0.0.1"), ip("10.0.0.3"), clock);
        assertTrue(pool.claimRequested(ip("10.0.0.1"), "alice", NONE));
        assertTrue(pool.claimRequested(ip("10.0.0.2"), "dave", NONE));
        assertTrue(pool.claimRequested(ip("10.0.0.3"), "carol", NONE));
        pool.release(ip("10.0.0.2"));
        clock.advance(java.time.Duration.ofMinutes(1));
        pool.release(ip("10.0.0.1"));
        assertFalse(pool.claimRequested(ip("10.0.0.1"), "bob", NONE), "alice's, given back after dave's");
        assertEquals(ip("10.0.0.2"), pool.allocate(NONE, "bob").orElseThrow(), "dave's, given back longest ago");
        assertTrue(pool.claimRequested(ip("10.0.0.1"), "erin", NONE), "then the last one free");
    }

    /** A change of range just after alice's session dropped keeps her address from others in the new pool too. */
    @Test
    void aChangeOfRangeKeepsAnAddressGivenBackFromOtherAccounts() throws Exception {
        ManualClock clock = new ManualClock();
        AddressPool old = new AddressPool(ip("10.0.0.1"), ip("10.0.0.9"), clock);
        Inet4Address hers = ip("10.0.0.5");
        Inet4Address carols = ip("10.0.0.6");
        assertTrue(old.claimRequested(hers, "alice", NONE));
        assertTrue(old.claimRequested(carols, "carol", NONE));
        old.release(hers);
        AddressPool next = new AddressPool(ip("10.0.0.1"), ip("10.0.0.19"), clock);
        old.handOverTo(next);
        assertFalse(next.claimRequested(hers, "bob", NONE), "alice's, given back in the old pool");
        assertTrue(next.claimRequested(hers, "alice", NONE));
        old.release(carols); // carol's session, of the old pool, ends
        assertFalse(next.claimRequested(carols, "bob", NONE), "carol's, given back through the old pool");
        clock.advance(AddressPool.QUARANTINE);
        assertTrue(old.claimRequested(carols, "bob", NONE));
    }

    /**
     * The administrator moves alice's static address to bob within the second her ended session's
     * sweep takes: bob's session does not get it before the sweep is done (it would be sent the
     * replies to alice's connections), and gets it once it is, in the range or outside.
     */
    @Test
    void aStaticAddressWaitingForItsSweepIsNotAnotherAccountsUntilSwept() throws Exception {
        Sweeps sweeps = new Sweeps();
        AddressPool pool = new AddressPool(ip("10.0.0.1"), ip("10.0.0.9"));
        pool.beforeReuse(sweeps);
        Inet4Address fixed = ip("10.0.0.7");
        Inet4Address outside = ip("172.16.0.9");
        assertTrue(pool.claim(fixed, "alice"));
        assertTrue(pool.claim(outside, "alice"));
        pool.release(fixed); // alice's sessions end: their sweeps begin
        pool.release(outside);
        try (LogCapture log = LogCapture.start()) {
            assertFalse(pool.claim(fixed, "bob"), "moved to bob while alice's connections are being removed");
            assertFalse(pool.claim(outside, "bob"), "outside the range too");
            assertFalse(pool.claim(fixed), "nor to a session of no known account");
            assertTrue(log.lines().contains("INFO tunnel address 10.0.0.7 not given to bob yet: alice's session that"
                    + " had it ended a moment ago, and what the kernel still tracks of its connections is being"
                    + " removed, or bob would receive replies meant for it; this session gets another address,"
                    + " the next one gets 10.0.0.7"), log.lines().toString());
        }
        assertEquals(List.of(), sweeps.calledOff, "alice's sweeps go on");
        sweeps.finish(fixed);
        sweeps.finish(outside);
        assertTrue(pool.claim(fixed, "bob"), "bob's once swept");
        assertTrue(pool.claim(outside, "bob"));
    }

    /**
     * Alice's session drops, and a settings change comes before its sweep is done: her redial, on
     * the new pool, has her static address again at once (not a pool address for the whole
     * session), another account only once the sweep, which ends in the old pool, is done there.
     */
    @Test
    void aStaticAddressWaitingInTheOldPoolIsItsAccountsAgainInTheNewOne() throws Exception {
        Sweeps sweeps = new Sweeps();
        AddressPool old = new AddressPool(ip("10.0.0.1"), ip("10.0.0.9"));
        old.beforeReuse(sweeps);
        Inet4Address fixed = ip("10.0.0.7");
        Inet4Address carols = ip("172.16.0.9");
        assertTrue(old.claim(fixed, "alice"));
        assertTrue(old.claim(carols, "carol"));
        old.release(fixed);
        old.release(carols);
        AddressPool next = new AddressPool(ip("10.0.0.1"), ip("10.0.0.19"));
        next.beforeReuse(sweeps);
        old.handOverTo(next);

        assertTrue(next.claim(fixed, "alice"), "alice's redial on the new settings has her static address");
        assertEquals(List.of(fixed), sweeps.calledOff, "her sweep not begun is called off");
        sweeps.finish(fixed); // the called-off sweep's end
        assertTrue(next.holds(fixed), "still her new session's");
        assertFalse(next.claim(fixed, "alice"), "never held twice");
        old.release(fixed); // a stray give-back through the old pool
        assertTrue(next.holds(fixed));
        next.release(fixed); // her new session ends: swept in the new pool
        assertTrue(next.holds(fixed), "out until swept");
        sweeps.finish(fixed);
        assertFalse(next.holds(fixed));

        assertFalse(next.claim(carols, "dave"), "moved to dave: not before the old pool's sweep is done");
        sweeps.finish(carols);
        assertTrue(next.claim(carols, "dave"), "free in the new pool once swept in the old one");
        assertEquals(0, old.inUse(), "the old pool's sessions hold nothing");
    }

    /**
     * Given back (its sweep begun), claimed again and handed over, then given back through the old
     * pool: the first sweep's end, which comes to the old pool, does not free it before the second.
     */
    @Test
    void aSweepUnderWayAtAHandoverDoesNotFreeWhatWasGivenBackAgainAfterIt() throws Exception {
        Sweeps sweeps = new Sweeps();
        AddressPool old = new AddressPool(ip("10.0.0.1"), ip("10.0.0.9"));
        old.beforeReuse(sweeps);
        Inet4Address fixed = ip("10.0.0.7");
        assertTrue(old.claim(fixed, "alice"));
        old.release(fixed);
        assertTrue(old.claim(fixed, "alice")); // its sweep under way goes on
        AddressPool next = new AddressPool(ip("10.0.0.1"), ip("10.0.0.9"));
        next.beforeReuse(sweeps);
        old.handOverTo(next);
        old.release(fixed); // the old pool's session ends
        sweeps.finish(fixed); // the first sweep's end
        assertFalse(next.claim(fixed, "bob"), "the second sweep is not done");
        sweeps.finish(fixed);
        assertTrue(next.claim(fixed, "bob"));
    }

    /** A sweep the test ends by hand: each give-back's free, in turn. */
    private static final class Sweeps implements AddressPool.BeforeReuse {
        final Map<Inet4Address, Deque<Runnable>> due = new HashMap<>();
        final List<Inet4Address> calledOff = new ArrayList<>();

        @Override
        public void givenBack(Inet4Address address, Runnable free) {
            due.computeIfAbsent(address, a -> new ArrayDeque<>()).add(free);
        }

        @Override
        public void claimedAgain(Inet4Address address) {
            calledOff.add(address);
        }

        void finish(Inet4Address address) {
            due.get(address).remove().run();
        }
    }
}
