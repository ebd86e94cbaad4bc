package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

class AuthFailureLockoutTest {
    private final ManualClock clock = new ManualClock();
    private final AuthFailureLockout lockout = new AuthFailureLockout(3, Duration.ofSeconds(30),
            Duration.ofMinutes(4), clock);

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void aGuesserIsLockedOutAfterTheFreeFailuresWithGrowingWaits() throws Exception {
        InetAddress attacker = ip("198.51.100.1");
        for (int i = 0; i < 2; i++) {
            assertEquals(List.of(), lockout.failed("alice", attacker), "failure " + (i + 1) + " begins no lockout");
            assertTrue(lockout.lockedOut("alice", attacker).isEmpty(), "failure " + (i + 1) + " is free");
        }
        // The failure that begins it says so, for the log line. One name only: the address is not locked.
        assertEquals(List.of("user alice"),
                lockout.failed("alice", attacker).stream().map(AuthFailureLockout.Lockout::key).toList());
        assertEquals(Duration.ofSeconds(30), lockout.lockedOut("alice", attacker).orElseThrow().remaining());
        clock.advanceMillis(30_000);
        assertTrue(lockout.lockedOut("alice", attacker).isEmpty(), "the first lockout lasts 30 s");
        lockout.failed("alice", attacker);
        assertEquals(Duration.ofSeconds(60), lockout.lockedOut("alice", attacker).orElseThrow().remaining(), "then doubles");
        for (int i = 0; i < 10; i++) {
            lockout.failed("alice", attacker);
        }
        assertEquals(Duration.ofMinutes(4), lockout.lockedOut("alice", attacker).orElseThrow().remaining(), "up to the cap");
    }

    /**
     * The name is the peer's, as sent: a CHAP Response can carry 65,000 octets of it. Kept whole in
     * every key and remembered name, a few dozen addresses' guesses under such names held more than
     * the service's heap. Each is held to {@value AuthFailureLockout#MAX_NAME_CHARS} chars, and a
     * long name still locks as one name.
     */
    @Test
    void hugeNamesHoldNoMoreThanAFewHundredCharsEach() throws Exception {
        String huge = "x".repeat(60_000);
        for (int i = 0; i < 200; i++) { // each a name of its own from an address of its own
            lockout.failed(i + huge, ip("10.1." + (i >> 8) + "." + (i & 0xFF)));
        }
        // A name's key and the address's: each with the name's first chars, not 60,000 of them.
        long perEntry = "user ".length() + AuthFailureLockout.MAX_NAME_CHARS + 30;
        assertTrue(lockout.charsHeld() <= 200L * 3 * perEntry, lockout.charsHeld() + " chars held");
        for (int i = 0; i < 3; i++) {
            lockout.failed(huge, ip("198.51.100.1"));
        }
        assertTrue(lockout.lockedOut(huge, ip("198.51.100.1")).isPresent(), "a long name is locked out all the same");
    }

    /**
     * A botnet cannot wash a locked-out name out of the bounded memory with failures under fresh
     * names from fresh addresses (each one locks nothing) and then guess again for free.
     */
    @Test
    void aLockedOutNameOutlivesAFloodOfFreshKeys() throws Exception {
        for (int i = 0; i < 3; i++) {
            lockout.failed("alice", ip("198.51.100.1"));
        }
        for (int i = 0; i < 5000; i++) { // 10,000 fresh keys, none locked: name and address once each
            lockout.failed("n" + i, ip("10." + (i >> 16) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF)));
        }
        assertTrue(lockout.lockedOut("alice", ip("203.0.113.9")).isPresent(), "alice's lockout was forgotten");
        assertTrue(lockout.lockedOut("n0", ip("203.0.113.9")).isEmpty());

        // Its lockout over, a flood again: the count is kept, so the next wrong guess locks at once, for longer.
        clock.advanceMillis(30_000);
        assertTrue(lockout.lockedOut("alice", ip("203.0.113.9")).isEmpty());
        for (int i = 0; i < 5000; i++) {
            lockout.failed("m" + i, ip("10.100." + (i >> 8) + "." + (i & 0xFF)));
        }
        lockout.failed("alice", ip("203.0.113.10"));
        assertEquals(Duration.ofSeconds(60), lockout.lockedOut("alice", ip("203.0.113.9")).orElseThrow().remaining(),
                "the doubling went on: alice's failures were remembered");
    }

    @Test
    void theNameIsLockedForEveryAddressAndTheAddressForEveryName() throws Exception {
        InetAddress botnetA = ip("198.51.100.1");
        for (int i = 0; i < 3; i++) {
            lockout.failed("bob", ip("203.0.113." + (i + 1)));
        }
        assertTrue(lockout.lockedOut("bob", botnetA).isPresent(), "one name tried from many addresses: the name is locked");
        assertTrue(lockout.lockedOut("carol", botnetA).isEmpty(), "other users from a clean address are not");

        InetAddress sprayer = ip("198.51.100.9");
        lockout.failed("u1", sprayer);
        lockout.failed("u2", sprayer);
        lockout.failed("u3", sprayer);
        assertTrue(lockout.lockedOut("dave", sprayer).isPresent(), "many names from one address: the address is locked");
        assertEquals(2, lockout.current().stream().filter(l -> l.key().equals("user bob")
                || l.key().equals("address 198.51.100.9")).count());
    }

    @Test
    void anIpv6SprayerIsLockedAsItsWhole64() throws Exception {
        lockout.failed("u1", ip("2001:db8:9:9::1"));
        lockout.failed("u2", ip("2001:db8:9:9::2"));
        lockout.failed("u3", ip("2001:db8:9:9:1:2:3:4"));
        assertTrue(lockout.lockedOut("dave", ip("2001:db8:9:9::77")).isPresent(),
                "names sprayed from addresses of one /64: the /64 is locked, whatever address comes next");
        assertTrue(lockout.lockedOut("dave", ip("2001:db8:9:a::1")).isEmpty(), "the next /64 is not");
        assertEquals(List.of("address 2001:db8:9:9:0:0:0:0/64"), lockout.current().stream()
                .map(AuthFailureLockout.Lockout::key).filter(k -> k.startsWith("address")).toList());
    }

    @Test
    void anUnlockedKeyStartsAfreshAndTheOtherStaysLocked() throws Exception {
        InetAddress guesser = ip("198.51.100.7");
        lockout.failed("u1", guesser);
        lockout.failed("u2", guesser); // with frank, three names: the address is locked too
        for (int i = 0; i < 3; i++) {
            lockout.failed("frank", guesser);
        }
        assertEquals(2, lockout.current().size());
        assertTrue(lockout.unlock("user frank"));
        assertFalse(lockout.unlock("user frank"), "already unlocked");
        assertFalse(lockout.unlock("user nobody"));
        assertEquals(List.of("address 198.51.100.7"), lockout.current().stream().map(AuthFailureLockout.Lockout::key).toList());
        assertTrue(lockout.lockedOut("frank", ip("192.0.2.1")).isEmpty(), "the name may log in from elsewhere");
        lockout.failed("frank", ip("192.0.2.1"));
        assertTrue(lockout.lockedOut("frank", ip("192.0.2.1")).isEmpty(), "its count started again");
    }

    /**
     * Colleagues behind one office or hotel NAT share its address: one phone redialling with an
     * old password (always-on VPN) locks its own name, never the address and everyone behind it.
     */
    @Test
    void oneUserFailingOverAndOverLocksOnlyThatNameNotColleaguesBehindTheSameAddress() throws Exception {
        AuthFailureLockout office = AuthFailureLockout.defaults(clock);
        InetAddress nat = ip("198.51.100.20");
        for (int i = 0; i < 4; i++) {
            office.failed("alice", nat);
        }
        assertEquals(List.of("user alice"),
                office.failed("alice", nat).stream().map(AuthFailureLockout.Lockout::key).toList(),
                "the fifth failure locks the name alone");
        assertTrue(office.lockedOut("alice", nat).isPresent(), "alice is locked");
        assertTrue(office.lockedOut("bob", nat).isEmpty(), "bob behind the same NAT is not");
        for (int i = 0; i < 6; i++) { // the phone keeps at it, one counted failure per lockout
            clock.advance(office.lockedOut("alice", nat).orElseThrow().remaining());
            office.failed("alice", nat);
        }
        assertEquals(List.of("user alice"), office.current().stream().map(AuthFailureLockout.Lockout::key).toList());
        assertTrue(office.lockedOut("bob", nat).isEmpty(), "after 11 failures of alice's, bob is still let in");
        office.failed("bob", nat); // and a colleague's own typo on top
        assertTrue(office.lockedOut("carol", nat).isEmpty(), "two names are not a spray: carol is let in");
        office.succeeded("bob", nat);
        assertTrue(office.lockedOut("alice", nat).isPresent(), "bob's success does not lift alice's lockout");
    }

    @Test
    void failuresUnderThreeNamesFromOneAddressLockItForAFourth() throws Exception {
        AuthFailureLockout office = AuthFailureLockout.defaults(clock);
        InetAddress sprayer = ip("198.51.100.30");
        office.failed("alice", sprayer);
        office.failed("bob", sprayer);
        office.failed("carol", sprayer);
        assertTrue(office.lockedOut("dave", sprayer).isEmpty(), "three names, but fewer failures than the free five");
        office.failed("alice", sprayer);
        assertEquals(List.of("address 198.51.100.30"),
                office.failed("bob", sprayer).stream().map(AuthFailureLockout.Lockout::key).toList(),
                "the fifth failure, under three names, locks the address");
        assertEquals(Duration.ofSeconds(30), office.lockedOut("dave", sprayer).orElseThrow().remaining(),
                "a fourth name from that address is refused");
        assertTrue(office.lockedOut("dave", ip("198.51.100.31")).isEmpty(), "the name from elsewhere is not");
        clock.advanceMillis(30_000);
        office.failed("erin", sprayer);
        assertEquals(Duration.ofSeconds(60), office.lockedOut("dave", sprayer).orElseThrow().remaining(), "then doubles");
    }

    /**
     * An office address that does get locked (a third name mistyped there) starts at the first
     * lockout: the failures one phone piled up under one name do not make everyone wait 15 minutes,
     * nor, going on, lock the address again.
     */
    @Test
    void oneNamesFailuresNeitherLengthenNorRenewTheAddressesLockout() throws Exception {
        AuthFailureLockout office = AuthFailureLockout.defaults(clock);
        InetAddress nat = ip("198.51.100.20");
        for (int i = 0; i < 5; i++) {
            office.failed("alice", nat);
        }
        for (int i = 0; i < 6; i++) {
            clock.advance(office.lockedOut("alice", nat).orElseThrow().remaining());
            office.failed("alice", nat);
        }
        office.failed("bob", nat);
        assertTrue(office.lockedOut("dave", nat).isEmpty());
        assertEquals(List.of("address 198.51.100.20"),
                office.failed("carol", nat).stream().map(AuthFailureLockout.Lockout::key).toList());
        AuthFailureLockout.Lockout l = office.lockedOut("dave", nat).orElseThrow();
        assertEquals(Duration.ofSeconds(30), l.remaining(), "the first lockout, not alice's doubled one");
        assertEquals(7, l.failures(), "alice's first five, bob's and carol's: the ones that count at the address");
        clock.advanceMillis(30_000);
        office.failed("carol", nat);
        assertEquals(Duration.ofSeconds(60), office.lockedOut("dave", nat).orElseThrow().remaining(), "then doubles");

        // Nor does the phone, failing on, lock the address again once that lockout is over.
        clock.advanceMillis(60_000);
        for (int i = 0; i < 6; i++) {
            clock.advance(office.lockedOut("alice", nat).map(AuthFailureLockout.Lockout::remaining).orElse(Duration.ZERO));
            office.failed("alice", nat);
            assertTrue(office.lockedOut("dave", nat).isEmpty(), "the office locked again by alice's phone: "
                    + office.lockedOut("dave", nat));
            assertTrue(office.lockedOut("alice", nat).isPresent());
        }
    }

    @Test
    void aSuccessFromTheAddressForgetsTheNamesThatFailedThere() throws Exception {
        AuthFailureLockout office = AuthFailureLockout.defaults(clock);
        InetAddress nat = ip("198.51.100.20");
        office.failed("alice", nat);
        office.failed("bob", nat);
        office.succeeded("bob", nat);
        for (int i = 0; i < 5; i++) {
            office.failed("carol", nat);
        }
        assertTrue(office.lockedOut("carol", nat).isPresent());
        assertTrue(office.lockedOut("dave", nat).isEmpty(), "alice's and bob's failures went with bob's success");
    }

    @Test
    void successClearsTheCounters() throws Exception {
        InetAddress home = ip("192.0.2.10");
        lockout.failed("erin", home);
        lockout.failed("erin", home);
        lockout.succeeded("erin", home);
        lockout.failed("erin", home);
        lockout.failed("erin", home);
        assertTrue(lockout.lockedOut("erin", home).isEmpty(), "a typo or two before a success does not accumulate");
    }

    /**
     * Anyone may keep a name locked with one guess per lockout; its owner still gets in from where
     * they logged in before, and only there.
     */
    @Test
    void aNameLockedByAGuesserStillLetsItsOwnerInFromWhereTheyLoggedInBefore() throws Exception {
        InetAddress home = ip("192.0.2.10");
        lockout.succeeded("alice", home);
        for (int i = 0; i < 3; i++) {
            lockout.failed("alice", ip("203.0.113." + (i + 1)));
        }
        assertTrue(lockout.lockedOut("alice", ip("198.51.100.50")).isPresent(), "from a new address alice is refused");
        assertTrue(lockout.lockedOut("alice", home).isEmpty(), "from home she is let in");
        lockout.succeeded("alice", home);
        assertTrue(lockout.lockedOut("alice", ip("198.51.100.50")).isPresent(),
                "her login from home does not lift the guesser's lockout elsewhere");
        clock.advanceMillis(30_000);
        lockout.failed("alice", ip("203.0.113.4"));
        assertEquals(Duration.ofSeconds(60), lockout.lockedOut("alice", ip("198.51.100.50")).orElseThrow().remaining(),
                "nor does it give the guesser free guesses: the doubling goes on");
        assertTrue(lockout.lockedOut("alice", home).isEmpty());
    }

    @Test
    void aLoginMakesItsSourceFamiliarForThirtyDays() throws Exception {
        InetAddress home = ip("192.0.2.10");
        lockout.succeeded("alice", home);
        clock.advance(FamiliarSources.FOR.minusSeconds(10));
        for (int i = 0; i < 3; i++) {
            lockout.failed("alice", ip("203.0.113." + (i + 1)));
        }
        assertTrue(lockout.lockedOut("alice", home).isEmpty(), "10 s short of 30 days, home is still familiar");
        clock.advanceMillis(15_000);
        assertTrue(lockout.lockedOut("alice", home).isPresent(), "after 30 days it is an address like any other");
        assertTrue(lockout.lockedOut("bob", ip("203.0.113.9")).isEmpty(), "another name is not locked");
        lockout.succeeded("bob", home);
        for (int i = 0; i < 3; i++) {
            lockout.failed("bob", ip("203.0.113." + (i + 10)));
        }
        assertTrue(lockout.lockedOut("bob", home).isEmpty(), "familiar to the name that logged in there");
        assertTrue(lockout.lockedOut("alice", home).isPresent(), "not to the other names");
    }

    /** A familiar address (a hotel's NAT once used, shared with a guesser) gives no free guesses. */
    @Test
    void wrongPasswordsFromAFamiliarAddressLockTheNameThereOnly() throws Exception {
        InetAddress hotel = ip("198.51.100.40");
        lockout.succeeded("alice", hotel);
        lockout.failed("alice", hotel);
        lockout.failed("alice", hotel);
        assertEquals(List.of("user alice from 198.51.100.0/24"),
                lockout.failed("alice", hotel).stream().map(AuthFailureLockout.Lockout::key).toList());
        assertEquals(Duration.ofSeconds(30), lockout.lockedOut("alice", hotel).orElseThrow().remaining(),
                "refused there after the free failures, like anyone");
        assertTrue(lockout.lockedOut("alice", ip("192.0.2.10")).isEmpty(), "elsewhere the name is not locked");
        clock.advanceMillis(30_000);
        lockout.failed("alice", hotel);
        assertEquals(Duration.ofSeconds(60), lockout.lockedOut("alice", hotel).orElseThrow().remaining(), "then doubles");
        lockout.failed("u1", hotel);
        lockout.failed("u2", hotel);
        assertTrue(lockout.lockedOut("dave", hotel).isPresent(), "names sprayed there lock the address as before");
    }

    /**
     * A stranger spraying names from a hotel's NAT locks its address: the workers who logged in
     * from there before are let in all the same (their names' own count there guards them), where
     * they were refused with 691 like the stranger, for up to the maximum.
     */
    @Test
    void anAddressLockedByAStrangerSprayingNamesStillLetsInTheNamesThatLoggedInThere() throws Exception {
        InetAddress hotel = ip("198.51.100.40");
        lockout.succeeded("alice", ip("198.51.100.41")); // her laptop, behind the same NAT's network
        for (String name : List.of("admin", "test", "guest")) {
            lockout.failed(name, hotel);
        }
        assertEquals("address 198.51.100.40", lockout.lockedOut("bob", hotel).orElseThrow().key(),
                "the address is locked for other names");
        assertTrue(lockout.lockedOut("alice", hotel).isEmpty(), "alice, who logged in there, is let in");
        lockout.failed("alice", hotel);
        assertTrue(lockout.lockedOut("alice", hotel).isEmpty(),
                "her one typo there is forgiven: she is not refused like a wrong password while the stranger sprays");
        lockout.failed("alice", hotel);
        assertEquals("address 198.51.100.40", lockout.lockedOut("alice", hotel).orElseThrow().key(),
                "a guesser there who knows her name gets two tries, not her five");
        assertTrue(lockout.lockedOut("carol", hotel).isPresent());
    }

    @Test
    void forgettingAllLeavesNoLockoutAndNoFamiliarSource() throws Exception {
        InetAddress hotel = ip("198.51.100.40");
        lockout.succeeded("alice", ip("198.51.100.41"));
        for (String name : List.of("admin", "test", "guest")) {
            lockout.failed(name, hotel);
        }
        assertFalse(lockout.current().isEmpty());
        lockout.forgetAll();
        assertEquals(List.of(), lockout.current(), "no stranger's name or address is left to show");
        assertEquals(0, lockout.charsHeld());
        for (String name : List.of("admin", "test", "guest")) {
            lockout.failed(name, hotel);
        }
        assertTrue(lockout.lockedOut("alice", hotel).isPresent(),
                "where the old alice logged in from spares a new alice nothing");
    }

    @Test
    void anIpv6LoginMakesItsWhole64FamiliarAndANameKeepsItsEightLatestSources() throws Exception {
        lockout.succeeded("alice", ip("2001:db8:1:1::5"));
        for (int i = 0; i < FamiliarSources.PER_NAME; i++) {
            lockout.succeeded("alice", ip("192.0." + (i + 1) + ".1")); // eight networks (/24)
        }
        for (int i = 0; i < 3; i++) {
            lockout.failed("alice", ip("203.0.113." + (i + 1)));
        }
        assertTrue(lockout.lockedOut("alice", ip("192.0.1.1")).isEmpty());
        assertTrue(lockout.lockedOut("alice", ip("192.0.8.1")).isEmpty());
        assertTrue(lockout.lockedOut("alice", ip("2001:db8:1:1::77")).isPresent(),
                "the ninth source back is forgotten");
        lockout.unlock("user alice");
        lockout.succeeded("alice", ip("2001:db8:1:1::5"));
        for (int i = 0; i < 3; i++) {
            lockout.failed("alice", ip("203.0.113." + (i + 1)));
        }
        assertTrue(lockout.lockedOut("alice", ip("2001:db8:1:1:a:b:c:d")).isEmpty(),
                "a new privacy address in the same /64 is still home");
        assertTrue(lockout.lockedOut("alice", ip("192.0.1.1")).isPresent(), "and the eldest IPv4 one went");
    }

    /**
     * A phone on carrier-grade NAT comes from another address of its carrier's pool nearly every
     * time: its owner was refused from the next one like any guesser, who kept the name locked
     * with one guess per lockout. The network (/24) the owner logged in from is familiar, not only
     * the address; another network is not.
     */
    @Test
    void aNameLockedByAGuesserStillLetsItsOwnerInFromANearbyAddressOfTheSameNetwork() throws Exception {
        AuthFailureLockout lockout = AuthFailureLockout.defaults(clock);
        lockout.succeeded("alice", ip("198.51.100.7"));
        for (int i = 0; i < 5; i++) {
            lockout.failed("alice", ip("203.0.113.9"));
        }
        assertTrue(lockout.lockedOut("alice", ip("203.0.113.10")).isPresent(), "the guesses locked the name");
        assertTrue(lockout.lockedOut("alice", ip("198.51.100.8")).isEmpty(),
                "her phone's next address in the carrier's /24 is let in");
        assertTrue(lockout.lockedOut("alice", ip("198.51.101.8")).isPresent(), "the next /24 is somewhere else");

        // Wrong passwords there lock the name there only, under the network's name.
        for (int i = 0; i < 4; i++) {
            lockout.failed("alice", ip("198.51.100." + (20 + i)));
        }
        assertEquals(List.of("user alice from 198.51.100.0/24"),
                lockout.failed("alice", ip("198.51.100.99")).stream().map(AuthFailureLockout.Lockout::key).toList());
        assertTrue(lockout.lockedOut("alice", ip("198.51.100.7")).isPresent());

        // The same after a restart, when the history's logins are read back.
        AuthFailureLockout restarted = AuthFailureLockout.defaults(clock);
        restarted.loggedInBefore("alice", ip("198.51.100.7"), Duration.ofDays(2));
        for (int i = 0; i < 5; i++) {
            restarted.failed("alice", ip("203.0.113.9"));
        }
        assertTrue(restarted.lockedOut("alice", ip("198.51.100.8")).isEmpty(), "after a restart too");
        assertTrue(restarted.lockedOut("alice", ip("198.51.101.8")).isPresent());
    }

    /** The history's logins, seeded at start, make their sources familiar as a login here would. */
    @Test
    void aLoginFromBeforeARestartMakesItsSourceFamiliar() throws Exception {
        InetAddress home = ip("192.0.2.10");
        lockout.loggedInBefore("alice", home, Duration.ofDays(29));
        lockout.loggedInBefore("bob", home, Duration.ofDays(31));
        for (int i = 0; i < 3; i++) {
            lockout.failed("alice", ip("203.0.113." + (i + 1)));
            lockout.failed("bob", ip("203.0.113." + (i + 1)));
        }
        assertTrue(lockout.lockedOut("alice", home).isEmpty(), "alice logged in from home 29 days ago");
        assertTrue(lockout.lockedOut("bob", home).isPresent(), "bob's login from there was 31 days ago");
        clock.advance(Duration.ofDays(1));
        for (int i = 0; i < 3; i++) {
            lockout.failed("alice", ip("203.0.113." + (i + 1)));
        }
        assertTrue(lockout.lockedOut("alice", home).isPresent(), "its 30 days count from the login, not the restart");
    }

    /** Failures from long ago do not make one new typo lock the name again (at the longest lockout). */
    @Test
    void failuresAreForgottenAfterADayWithoutOne() throws Exception {
        InetAddress home = ip("192.0.2.10");
        lockout.failed("erin", home);
        lockout.failed("erin", home);
        clock.advance(AuthFailureLockout.FORGOTTEN_AFTER);
        lockout.failed("erin", home);
        lockout.failed("erin", home);
        assertTrue(lockout.lockedOut("erin", home).isEmpty(), "yesterday's two typos and today's two are not three in a row");

        InetAddress guesser = ip("198.51.100.1");
        for (int i = 0; i < 12; i++) { // well past the doubling's cap
            clock.advance(lockout.lockedOut("frank", guesser).map(AuthFailureLockout.Lockout::remaining).orElse(Duration.ZERO));
            lockout.failed("frank", guesser);
        }
        assertEquals(Duration.ofMinutes(4), lockout.lockedOut("frank", guesser).orElseThrow().remaining());
        clock.advance(AuthFailureLockout.FORGOTTEN_AFTER);
        lockout.failed("frank", guesser);
        assertEquals(Duration.ofMinutes(4), lockout.lockedOut("frank", guesser).orElseThrow().remaining(),
                "a day from the failure but not from the lockout's end: the count is kept");
        clock.advance(Duration.ofMinutes(4).plus(AuthFailureLockout.FORGOTTEN_AFTER));
        assertTrue(lockout.current().isEmpty(), "a day after the lockout ended, it is forgotten: " + lockout.current());
        lockout.failed("frank", guesser);
        assertTrue(lockout.lockedOut("frank", guesser).isEmpty(), "so the next typo is a free one again");
        lockout.failed("frank", guesser);
        assertEquals(Duration.ofSeconds(30), lockout.failed("frank", guesser).get(0).remaining(),
                "and the third locks for the first 30 s, not the longest");
    }
}
