package org.homerouter.webui;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows password guessing per client address: at most one attempt per {@link #MIN_INTERVAL}, and
 * after {@link #MAX_FAILURES} failures in a row the address is locked out for {@link #LOCKOUT}
 * (even a right password is refused meanwhile). A success clears the count.
 */
final class LoginThrottle {
    static final int MAX_FAILURES = 5;
    static final Duration LOCKOUT = Duration.ofMinutes(15);
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    /** What to tell the client before checking its password. */
    sealed interface Verdict {
        record Allowed() implements Verdict { }
        record TooFast() implements Verdict { }
        record LockedOut(long secondsLeft) implements Verdict { }
    }

    /** An address locked out of the admin login now. */
    record Lockout(String address, int failures, long secondsLeft) {
    }

    private static final class Entry {
        int failures;
        /** The failures that locked it, for the Lockouts page (the running count starts again at the lock). */
        int lockedAfter;
        long lastAttemptMs = Long.MIN_VALUE / 2;
        long lockedUntilMs;
    }

    private final Map<String, Entry> byAddress = new ConcurrentHashMap<>();
    private final LongSupplier clockMs;

    LoginThrottle(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    synchronized Verdict attempt(String address) {
        long now = clockMs.getAsLong();
        if (byAddress.size() > 10_000) {
            // Many addresses guessing at once: forget those neither locked nor recently seen.
            byAddress.values().removeIf(x -> now >= x.lockedUntilMs && now - x.lastAttemptMs > LOCKOUT.toMillis());
        }
        Entry e = byAddress.computeIfAbsent(address, a -> new Entry());
        if (now < e.lockedUntilMs) {
            return new Verdict.LockedOut((e.lockedUntilMs - now + 999) / 1000);
        }
        if (now - e.lastAttemptMs < MIN_INTERVAL.toMillis()) {
            return new Verdict.TooFast();
        }
        e.lastAttemptMs = now;
        return new Verdict.Allowed();
    }

    /** Records a failure; true when this one locked the address out. */
    synchronized boolean failed(String address) {
        Entry e = byAddress.computeIfAbsent(address, a -> new Entry());
        e.failures++;
        if (e.failures >= MAX_FAILURES) {
            e.lockedAfter = e.failures;
            e.failures = 0;
            e.lockedUntilMs = clockMs.getAsLong() + LOCKOUT.toMillis();
            return true;
        }
        return false;
    }

    synchronized void succeeded(String address) {
        byAddress.remove(address);
    }

    /** The addresses locked out now. */
    synchronized List<Lockout> current() {
        long now = clockMs.getAsLong();
        List<Lockout> out = new ArrayList<>();
        byAddress.forEach((address, e) -> {
            if (now < e.lockedUntilMs) {
                out.add(new Lockout(address, e.lockedAfter, (e.lockedUntilMs - now + 999) / 1000));
            }
        });
        out.sort(Comparator.comparing(Lockout::address));
        return out;
    }

    /** An administrator lifts the lockout of one address; false when it is not locked. */
    synchronized boolean unlock(String address) {
        Entry e = byAddress.get(address);
        if (e == null || clockMs.getAsLong() >= e.lockedUntilMs) {
            return false;
        }
        byAddress.remove(address);
        return true;
    }
}
