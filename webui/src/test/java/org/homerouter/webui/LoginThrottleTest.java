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
