package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The throttle's own rules for a browser with a known-device cookie (the pages' side is in WebServerTest). */
class LoginThrottleTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final LoginThrottle throttle = new LoginThrottle(now::get);

    private void wrong(String address, String device) {
        now.addAndGet(LoginThrottle.MIN_INTERVAL.toMillis());
        assertInstanceOf(LoginThrottle.Verdict.Allowed.class, throttle.attempt(address, device));
        throttle.failed(address, device);
    }

    /**
     * A LAN host taking a new IPv6 address for each request (it may take any number) within the
     * lockout's 15 minutes: each left an entry until then, 90,000 in 15 minutes at 100 a second,
     * and each attempt above 10,000 scanned them all under the lock the owner's login waits for.
     * Now the entries stay bounded, and an address locked out before the crowd stays locked.
     */
    @Test
    void aCrowdOfNewAddressesStaysBoundedAndKeepsALockoutItFound() {
        for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
            wrong("192.168.1.66", null);
        }
        for (int i = 0; i < 30_000; i++) {
            now.addAndGet(10); // 100 a second: 5 minutes, all within the lockout
            throttle.attempt("fe80::" + Integer.toHexString(i), null);
        }
        assertTrue(throttle.tracked() <= LoginThrottle.TRACKED + 1, "entries: " + throttle.tracked());
        assertInstanceOf(LoginThrottle.Verdict.LockedOut.class, throttle.attempt("192.168.1.66", null));
    }

    /**
     * Another host's failures may have locked the address the owner's laptop has just been given
     * (DHCP hands out what it has): the laptop's cookie is counted, not the address.
     */
    @Test
    void aKnownBrowserIsNotHeldBackByTheLockoutOfTheAddressItHasNow() {
        for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
            wrong("192.168.1.77", null);
        }
        now.addAndGet(1000);
        assertInstanceOf(LoginThrottle.Verdict.LockedOut.class, throttle.attempt("192.168.1.77", null));
        assertInstanceOf(LoginThrottle.Verdict.Allowed.class, throttle.attempt("192.168.1.77", "laptop"));
    }

    /**
     * The cookie's own wrong passwords lock it and the address they came from: dropping the cookie
     * there starts no fresh count. The Lockouts page lists both; unlocking the address lifts the
     * browser's lockout too (the owner, locked out on the laptop, unlocks from the phone).
     */
    @Test
    void aKnownBrowsersWrongPasswordsLockItAndItsAddressAndUnlockingTheAddressLiftsBoth() {
        for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
            wrong("192.168.1.20", "laptop");
        }
        now.addAndGet(1000);
        assertInstanceOf(LoginThrottle.Verdict.LockedOut.class, throttle.attempt("192.168.1.21", "laptop"),
                "from another address too");
        assertInstanceOf(LoginThrottle.Verdict.LockedOut.class, throttle.attempt("192.168.1.20", null),
                "the address, without the cookie");
        assertInstanceOf(LoginThrottle.Verdict.Allowed.class, throttle.attempt("192.168.1.22", "phone"),
                "another known browser is not");
        assertEquals(List.of("192.168.1.20"), throttle.current().stream().map(LoginThrottle.Lockout::address).toList());
        assertEquals(List.of(new LoginThrottle.DeviceLockout("laptop", "192.168.1.20", LoginThrottle.MAX_FAILURES,
                LoginThrottle.LOCKOUT.toSeconds() - 1)), throttle.currentDevices());

        assertTrue(throttle.unlock("192.168.1.20"));
        now.addAndGet(1000);
        assertInstanceOf(LoginThrottle.Verdict.Allowed.class, throttle.attempt("192.168.1.20", "laptop"));
        assertEquals(List.of(), throttle.currentDevices(), "no longer listed");
        assertFalse(throttle.unlock("192.168.1.20"), "nothing left locked");
    }
}
