package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.homerouter.pptp.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An ended session's tracked flows are forgotten before its tunnel address goes to anyone else,
 * many ends costing one sweep: the kernel's entries left behind gave the next session on the
 * address the replies to the previous user's connections.
 */
class FlowSweepTest {
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
    private final TrackedFlows.InMemory kernel = new TrackedFlows.InMemory();

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    @Test
    void anAddressGivenBackIsHandedOutAgainOnlyOnceItsFlowsAreGone() throws Exception {
        Gate gate = new Gate(kernel);
        AddressPool pool = pool("10.8.0.5", "10.8.0.5", new FlowSweep(gate, background, Duration.ZERO));
        Inet4Address a = pool.allocate().orElseThrow();
        kernel.add(a, ip("203.0.113.9"));          // its masqueraded flow to the internet
        kernel.add(ip("192.168.1.20"), a);          // a LAN server's connection to it
        kernel.add(ip("10.8.0.6"), ip("203.0.113.9")); // another session's
        pool.release(a);
        gate.entered.await(5, TimeUnit.SECONDS);
        assertEquals(Optional.empty(), pool.allocate(), "not handed out while its flows are still tracked");
        gate.open.countDown();
        await(() -> pool.allocatable(1) == 1);
        assertEquals(Optional.of(a), pool.allocate(), "free once swept");
        assertEquals(List.of(new TrackedFlows.Flow(ip("10.8.0.6"), ip("203.0.113.9"))), kernel.flows(),
                "its flows forgotten, another session's kept");
    }

    @Test
    void aHundredSessionsEndingAtOnceCostOneSweep() throws Exception {
        AddressPool pool = pool("10.8.0.1", "10.8.0.100", new FlowSweep(kernel, background, Duration.ofMillis(300)));
        List<Inet4Address> held = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            held.add(pool.allocate().orElseThrow());
            kernel.add(held.get(i), ip("203.0.113.9"));
        }
        try (LogCapture log = LogCapture.start()) {
            held.forEach(pool::release); // the WAN dropped
            await(() -> pool.inUse() == 0);
            assertEquals(1, kernel.calls(), "one dump for all of them");
            assertEquals(List.of(), kernel.flows());
            assertTrue(log.lines().stream().anyMatch(l -> l.startsWith(
                    "INFO connection tracking: removed 100 entries of ended sessions (100 addresses: 10.8.0.1, ")), log.lines().toString());
        }
    }

    /**
     * A user with a static address whose dead session a redial replaced: IPCP claims the address
     * the moment the old session ends, while its flows are still being forgotten. It gets it, not a
     * pool address for the whole session (the LAN's rules for that address missed it), and the
     * sweep's end does not free it under the new session.
     */
    @Test
    void aStaticAddressIsItsAccountsAgainAtOnceAndTheSweepsEndDoesNotFreeIt() throws Exception {
        Gate gate = new Gate(kernel);
        AddressPool pool = pool("10.8.0.5", "10.8.0.9", new FlowSweep(gate, background, Duration.ZERO));
        Inet4Address fixed = ip("10.8.0.7");
        assertTrue(pool.claim(fixed, "alice"));
        pool.release(fixed);
        gate.entered.await(5, TimeUnit.SECONDS);
        assertTrue(pool.claim(fixed, "alice"), "claimed again while its old flows are forgotten");
        gate.open.countDown();
        await(() -> gate.calls == 1 && kernel.calls() == 1);
        Thread.sleep(200); // the sweep's end, freeing what it swept, has run
        assertTrue(pool.holds(fixed), "still the new session's");
        assertTrue(!pool.claim(fixed, "alice"), "never handed out twice");
        pool.release(fixed);
        await(() -> pool.inUse() == 0);
    }

    /**
     * Given back, claimed again and given back again before the first sweep ended (a flapping WAN):
     * the first sweep's end neither frees it under the session that claimed it, nor leaves it out
     * for ever; a sweep not begun when it is claimed again is called off (the flows are the
     * account's own, and the new session's first connections would go with them).
     */
    @Test
    void aStaticAddressGivenBackClaimedAndGivenBackAgainIsNeitherLostNorHeldTwice() throws Exception {
        Gate gate = new Gate(kernel);
        AddressPool pool = pool("10.8.0.5", "10.8.0.9", new FlowSweep(gate, background, Duration.ZERO));
        Inet4Address fixed = ip("10.8.0.7");
        assertTrue(pool.claim(fixed, "alice"));
        pool.release(fixed);                     // session 1 ends: its sweep starts and waits at the gate
        gate.entered.await(5, TimeUnit.SECONDS);
        assertTrue(pool.claim(fixed, "alice"));  // session 2
        pool.release(fixed);                     // session 2 ends while the first sweep runs
        assertTrue(pool.claim(fixed, "alice"));  // session 3: the second sweep, not begun, is called off
        gate.open.countDown();
        await(() -> gate.calls == 1);
        Thread.sleep(200);
        assertEquals(1, gate.calls, "the second sweep was called off");
        assertTrue(pool.holds(fixed), "session 3's, not freed by the first sweep's end");
        assertTrue(!pool.claim(fixed, "alice"), "never held twice");
        pool.release(fixed);                     // session 3 ends: swept, then free
        await(() -> pool.inUse() == 0);
        assertTrue(pool.claim(fixed, "alice"), "not lost");

        // Given back, claimed and given back again before any sweep began: freed once both ends are done.
        AddressPool slow = pool("10.8.0.5", "10.8.0.9", new FlowSweep(kernel, background, Duration.ofMillis(300)));
        assertTrue(slow.claim(fixed, "alice"));
        slow.release(fixed);
        assertTrue(slow.claim(fixed, "alice"));
        slow.release(fixed);
        slow.release(fixed);                     // a stray second give-back changes nothing
        await(() -> slow.inUse() == 0);
        assertTrue(slow.claim(fixed, "alice"), "free again, once");
        assertTrue(!slow.claim(fixed, "alice"));
    }

    /**
     * A restart (an update, a crash, systemctl restart) with sessions up: their ends were never
     * swept, and the first client back is given one of their addresses. The start forgets what is
     * left in the pool's range and at the static addresses, and nothing else.
     */
    @Test
    void theStartForgetsWhatTheRunBeforeLeftInThePoolsRange() throws Exception {
        kernel.add(ip("10.8.0.10"), ip("203.0.113.9"));
        kernel.add(ip("192.168.1.20"), ip("10.8.0.50"));
        kernel.add(ip("10.8.0.51"), ip("203.0.113.9"));     // beyond the range
        kernel.add(ip("192.168.1.30"), ip("192.168.1.20")); // the LAN's own
        List<TrackedFlows.Network> range = TrackedFlows.Network.covering(ip("10.8.0.10"), ip("10.8.0.50"));
        assertEquals("[10.8.0.10/31, 10.8.0.12/30, 10.8.0.16/28, 10.8.0.32/28, 10.8.0.48/31, 10.8.0.50/32]",
                range.toString());
        new FlowSweep(kernel, background, Duration.ZERO).leftFromBefore(List.of(), range);
        assertEquals(List.of(new TrackedFlows.Flow(ip("10.8.0.51"), ip("203.0.113.9")),
                new TrackedFlows.Flow(ip("192.168.1.30"), ip("192.168.1.20"))), kernel.flows());
        assertEquals("[0.0.0.0/0]", TrackedFlows.Network.covering(ip("0.0.0.0"), ip("255.255.255.255")).toString());
        assertEquals("[10.8.0.7/32]", TrackedFlows.Network.covering(ip("10.8.0.7"), ip("10.8.0.7")).toString());
        // This host's own address in the range (the dial-out's): left out, its flows kept.
        assertEquals("[10.8.0.8/32, 10.8.0.10/31, 10.8.0.12/32]", TrackedFlows.Network.covering(ip("10.8.0.8"),
                ip("10.8.0.12"), List.of(ip("10.8.0.9"), ip("10.8.0.13"), ip("10.8.0.1"))).toString());
        assertEquals("[]", TrackedFlows.Network.covering(ip("10.8.0.8"), ip("10.8.0.8"), List.of(ip("10.8.0.8"))).toString());
    }

    /**
     * A settings change hands the pool over while an address waits for its sweep, and a stray second
     * give-back comes: it changes nothing. Passed on to the new pool, it started a second sweep
     * there, whose free ran under the new pool's lock into the old one's: the two locks in reverse
     * order, a deadlock of the VPN server.
     */
    @Test
    void aStrayGiveBackAfterAHandoverStartsNoSecondSweep() throws Exception {
        Gate gate = new Gate(kernel);
        FlowSweep sweep = new FlowSweep(gate, background, Duration.ZERO);
        AddressPool old = pool("10.8.0.5", "10.8.0.9", sweep);
        Inet4Address a = old.allocate().orElseThrow();
        old.release(a);
        gate.entered.await(5, TimeUnit.SECONDS);
        AddressPool next = pool("10.8.0.5", "10.8.0.9", sweep);
        old.handOverTo(next);
        old.release(a);
        gate.open.countDown();
        await(() -> next.allocatable(5) == 5);
        Thread.sleep(200);
        assertEquals(1, gate.calls, "one sweep");
        assertEquals(5, next.allocatable(5), "free once, in the pool in force");
    }

    /**
     * Alice's session drops and a settings change comes before its sweep begins: her redial, given
     * the new pool, has her static address again and the sweep is called off; bob, to whom the
     * administrator moved it meanwhile, has it only once her next session's end is swept.
     */
    @Test
    void aRedialJustAfterASettingsChangeHasItsStaticAddressAgain() throws Exception {
        FlowSweep sweep = new FlowSweep(kernel, background, Duration.ofMillis(300));
        AddressPool old = pool("10.8.0.5", "10.8.0.9", sweep);
        Inet4Address fixed = ip("10.8.0.7");
        assertTrue(old.claim(fixed, "alice"));
        kernel.add(fixed, ip("203.0.113.9"));
        old.release(fixed);
        AddressPool next = pool("10.8.0.5", "10.8.0.19", sweep);
        old.handOverTo(next);
        assertTrue(!next.claim(fixed, "bob"), "not bob's while alice's connections are being removed");
        assertTrue(next.claim(fixed, "alice"), "her static address, not a pool address");
        Thread.sleep(500);
        assertEquals(0, kernel.calls(), "the sweep not begun was called off");
        assertTrue(next.holds(fixed), "her new session's");
        assertTrue(!next.claim(fixed, "alice"), "never held twice");
        next.release(fixed);
        await(() -> next.inUse() == 0);
        assertEquals(1, kernel.calls(), "swept once her new session ended");
        assertTrue(next.claim(fixed, "bob"));
    }

    @Test
    void endsDuringASweepAreGatheredIntoTheNext() throws Exception {
        Gate gate = new Gate(kernel);
        AddressPool pool = pool("10.8.0.1", "10.8.0.50", new FlowSweep(gate, background, Duration.ZERO));
        List<Inet4Address> held = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            held.add(pool.allocate().orElseThrow());
        }
        pool.release(held.get(0));
        gate.entered.await(5, TimeUnit.SECONDS);
        held.subList(1, 50).forEach(pool::release);
        gate.open.countDown();
        await(() -> pool.inUse() == 0);
        assertEquals(2, gate.calls, "the first, then the 49 that came while it ran, together");
    }

    @Test
    void aFailedSweepStillFreesTheAddressAndWarnsOnce() throws Exception {
        TrackedFlows broken = (addresses, networks) -> {
            throw new IOException("ctnetlink: EPERM");
        };
        AddressPool pool = pool("10.8.0.5", "10.8.0.6", new FlowSweep(broken, background, Duration.ZERO));
        try (LogCapture log = LogCapture.start()) {
            for (int i = 0; i < 3; i++) {
                pool.release(pool.allocate().orElseThrow());
                await(() -> pool.inUse() == 0);
            }
            assertEquals(2, pool.allocatable(5), "the pool did not shrink");
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("WARN connection tracking:")).count(),
                    log.lines().toString());
        }
    }

    @Test
    void aBranchsNetworksAreForgottenUnlessALiveSessionHoldsThemAgain() throws Exception {
        FlowSweep sweep = new FlowSweep(kernel, background, Duration.ZERO);
        kernel.add(ip("192.168.50.7"), ip("192.168.1.20"));
        kernel.add(ip("192.168.1.20"), ip("192.168.60.3"));
        kernel.add(ip("192.168.1.30"), ip("192.168.1.20")); // the LAN's own
        TrackedFlows.Network gone = new TrackedFlows.Network(ip("192.168.50.0"), 24);
        TrackedFlows.Network redialled = new TrackedFlows.Network(ip("192.168.60.0"), 24);
        sweep.networksEnded(List.of(gone, redialled), redialled::equals);
        await(() -> kernel.calls() == 1);
        assertEquals(List.of(new TrackedFlows.Flow(ip("192.168.1.20"), ip("192.168.60.3")),
                new TrackedFlows.Flow(ip("192.168.1.30"), ip("192.168.1.20"))), kernel.flows());
    }

    private static AddressPool pool(String first, String last, FlowSweep sweep) throws Exception {
        AddressPool pool = new AddressPool(ip(first), ip(last));
        pool.beforeReuse(sweep);
        return pool;
    }

    /** Flows whose forget waits, once entered, until the test opens it. */
    private static final class Gate implements TrackedFlows {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
        final TrackedFlows flows;
        volatile int calls;

        Gate(TrackedFlows flows) {
            this.flows = flows;
        }

        @Override
        public int forget(Collection<Inet4Address> addresses, Collection<Network> networks) throws IOException {
            calls++;
            entered.countDown();
            try {
                open.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return flows.forget(addresses, networks);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "not within 10 s");
            Thread.sleep(5);
        }
    }

    private static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }
}
