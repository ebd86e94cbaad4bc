package org.homerouter.webui;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows password guessing per client address: at most one attempt per {@link #MIN_INTERVAL}, and
 * after {@link #MAX_FAILURES} failures in a row the address is locked out for {@link #LOCKOUT}
 * (even a right password is refused meanwhile). A success clears the count. After
 * {@link #ROUTER_WIDE_FAILURES} wrong passwords from any addresses, those that have not logged in
 * lately share one attempt per {@link #ROUTER_WIDE_INTERVAL}.
 *
 * <p>A browser holding a genuine {@link KnownDevices known-device cookie} (it logged in before,
 * under the current password) is counted by that cookie instead, whatever its address: neither
 * the shared slowdown nor a lockout of the address it has now (another host's failures may have
 * locked it) hold it back. Its own wrong passwords still count, against the cookie and the
 * address both: five lock the cookie out like an address, so a copied cookie is worth five
 * guesses per {@link #LOCKOUT}, and only until the password changes.
 */
final class LoginThrottle {
    static final int MAX_FAILURES = 5;
    static final Duration LOCKOUT = Duration.ofMinutes(15);
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    /**
     * Wrong passwords within {@link #LOCKOUT}, from any addresses, after which addresses that have
     * not logged in lately get one attempt per {@link #ROUTER_WIDE_INTERVAL} between them: a LAN
     * host can take many addresses (a /24, or any number of IPv6 ones), each with its own 5 tries.
     */
    static final int ROUTER_WIDE_FAILURES = 20;
    static final Duration ROUTER_WIDE_INTERVAL = Duration.ofSeconds(5);
    /** How long an address that logged in stays exempt from the router-wide slowdown. */
    static final Duration TRUSTED_FOR = Duration.ofDays(30);
    /** Addresses (and, apart, known browsers) tracked at most: a few MB of heap at worst. */
    static final int TRACKED = 10_000;
    /** What {@link #prune} trims a full map down to. */
    static final int TRIMMED_TO = TRACKED * 4 / 5;

    /** What to tell the client before checking its password. */
    sealed interface Verdict {
        record Allowed() implements Verdict { }
        record TooFast(String why) implements Verdict { }
        record LockedOut(long secondsLeft) implements Verdict { }
    }

    /** An address locked out of the admin login now. */
    record Lockout(String address, int failures, long secondsLeft) {
    }

    /**
     * A browser with a known-device cookie (its id) locked out now by its own wrong passwords, the
     * last of them from {@code lastAddress}: they may have come from several addresses (a laptop
     * moving between networks, IPv6 temporary addresses), none of them locked.
     */
    record DeviceLockout(String device, String lastAddress, int failures, long secondsLeft) {
    }

    private static final class Entry {
        int failures;
        /** The failures that locked it, for the Lockouts page (the running count starts again at the lock). */
        int lockedAfter;
        long lastAttemptMs = Long.MIN_VALUE / 2;
        long lockedUntilMs;
        /** Where the last wrong password came from (for a known device: which unlock lifts its lockout). */
        String lastAddress;
    }

    private final Map<String, Entry> byAddress = new ConcurrentHashMap<>();
    private final LongSupplier clockMs;
    /** When the recent wrong passwords were given, oldest first (at most {@link #ROUTER_WIDE_FAILURES}). */
    private final ArrayDeque<Long> recentFailuresMs = new ArrayDeque<>();
    /**
     * Browsers with a known-device cookie, by the cookie's id. Only the router issues ids (at a
     * login), so no client can make this grow; it is pruned as {@link #byAddress} all the same.
     */
    private final Map<String, Entry> byDevice = new ConcurrentHashMap<>();
    /**
     * Addresses that logged in, and when: the admin's own devices, known this way too when their
     * known-device cookie is not sent (a browser whose cookies were cleared, a Secure one over
     * plain HTTP). Kept in memory only: a restart or a new DHCP lease forgets it, the cookie not.
     */
    private final Map<String, Long> loggedInFrom = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 64;
        }
    };
    private long lastSlowedAttemptMs = Long.MIN_VALUE / 2;

    LoginThrottle(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /**
     * Whether an attempt from {@code address} may check a password now.
     *
     * @param device the id of the browser's genuine known-device cookie, or null
     */
    synchronized Verdict attempt(String address, String device) {
        long now = clockMs.getAsLong();
        prune(byAddress, now);
        if (device != null) {
            prune(byDevice, now);
            return ownPace(byDevice.computeIfAbsent(device, d -> new Entry()), now);
        }
        // Marks the attempt even when the shared slowdown refuses it below: asking again at once
        // costs the address its own second.
        Verdict own = ownPace(byAddress.computeIfAbsent(address, a -> new Entry()), now);
        if (!(own instanceof Verdict.Allowed)) {
            return own;
        }
        Long trusted = loggedInFrom.get(address);
        boolean known = trusted != null && now - trusted < TRUSTED_FOR.toMillis();
        if (!known && recentFailures(now) >= ROUTER_WIDE_FAILURES) {
            if (now - lastSlowedAttemptMs < ROUTER_WIDE_INTERVAL.toMillis()) {
                return new Verdict.TooFast("many wrong passwords from several addresses lately: the router takes one"
                        + " attempt every " + ROUTER_WIDE_INTERVAL.toSeconds() + " seconds from browsers that have not"
                        + " logged in here before; try again in a few seconds");
            }
            lastSlowedAttemptMs = now;
        }
        return own;
    }

    /** The lockout and the one-second pace of one address or browser; marks an allowed attempt. */
    private static Verdict ownPace(Entry e, long now) {
        if (now < e.lockedUntilMs) {
            return new Verdict.LockedOut((e.lockedUntilMs - now + 999) / 1000);
        }
        if (now - e.lastAttemptMs < MIN_INTERVAL.toMillis()) {
            return new Verdict.TooFast("wait a second between attempts");
        }
        e.lastAttemptMs = now;
        return new Verdict.Allowed();
    }

    /**
     * Many addresses guessing at once: forget those neither locked nor recently seen; then, if that
     * was not enough (a LAN host can take IPv6 addresses by the thousand, each attempt a new entry
     * seen just now), the least telling of the rest down to {@link #TRIMMED_TO}: never a lockout,
     * those without a wrong password before those with one, the oldest first. Forgetting a count
     * costs little: the router-wide slowdown paces such a crowd anyway. Down to fewer than the
     * bound, so that the next attempts do not scan the whole map again each.
     */
    private static void prune(Map<String, Entry> entries, long now) {
        if (entries.size() <= TRACKED) {
            return;
        }
        entries.values().removeIf(x -> now >= x.lockedUntilMs && now - x.lastAttemptMs > LOCKOUT.toMillis());
        int excess = entries.size() - TRIMMED_TO;
        if (excess > 0) {
            entries.entrySet().stream()
                    .filter(x -> now >= x.getValue().lockedUntilMs)
                    .sorted(Comparator.comparingInt((Map.Entry<String, Entry> x) -> x.getValue().failures)
                            .thenComparingLong(x -> x.getValue().lastAttemptMs))
                    .limit(excess)
                    .map(Map.Entry::getKey)
                    .toList()
                    .forEach(entries::remove);
        }
    }

    /** Addresses (or known browsers) tracked, for the tests of the bound. */
    synchronized int tracked() {
        return byAddress.size() + byDevice.size();
    }

    private int recentFailures(long now) {
        while (!recentFailuresMs.isEmpty() && now - recentFailuresMs.peekFirst() > LOCKOUT.toMillis()) {
            recentFailuresMs.pollFirst();
        }
        return recentFailuresMs.size();
    }

    /**
     * Records a wrong password, against the address and against the known device (its id, or
     * null) it came with; true when this one locked out what {@link #attempt} checks: the device
     * when there is one, else the address.
     */
    synchronized boolean failed(String address, String device) {
        recentFailuresMs.addLast(clockMs.getAsLong());
        if (recentFailuresMs.size() > ROUTER_WIDE_FAILURES) {
            recentFailuresMs.pollFirst();
        }
        // The address too: with the cookie dropped, the same host starts no fresh count there.
        boolean addressLocked = count(byAddress.computeIfAbsent(address, a -> new Entry()), address);
        if (device == null) {
            return addressLocked;
        }
        return count(byDevice.computeIfAbsent(device, d -> new Entry()), address);
    }

    private boolean count(Entry e, String address) {
        e.failures++;
        e.lastAddress = address;
        if (e.failures >= MAX_FAILURES) {
            e.lockedAfter = e.failures;
            e.failures = 0;
            e.lockedUntilMs = clockMs.getAsLong() + LOCKOUT.toMillis();
            return true;
        }
        return false;
    }

    /** The right password, from {@code address} with the known device {@code device} (or null): its count starts again. */
    synchronized void succeeded(String address, String device) {
        byAddress.remove(address);
        if (device != null) {
            byDevice.remove(device);
        }
        loggedInFrom.put(address, clockMs.getAsLong());
    }

    /**
     * The admin password changed: wrong guesses at the old one say nothing about the new, and the
     * owner who set a new password at the router's console because the login had locked them out
     * (`admin password`) must be let in with it now, not in 15 minutes. Addresses that logged in
     * stay known.
     */
    synchronized void passwordChanged() {
        byAddress.clear();
        byDevice.clear();
        recentFailuresMs.clear();
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

    /** The known browsers locked out now, by the address of their last wrong password. */
    synchronized List<DeviceLockout> currentDevices() {
        long now = clockMs.getAsLong();
        List<DeviceLockout> out = new ArrayList<>();
        byDevice.forEach((device, e) -> {
            if (now < e.lockedUntilMs) {
                out.add(new DeviceLockout(device, e.lastAddress, e.lockedAfter, (e.lockedUntilMs - now + 999) / 1000));
            }
        });
        out.sort(Comparator.comparing(DeviceLockout::lastAddress).thenComparing(DeviceLockout::device));
        return out;
    }

    /**
     * An administrator lifts the lockout of one known browser; its last address stays locked if it
     * is (other hosts' guesses may have locked it too). False when the browser is not locked.
     */
    synchronized boolean unlockDevice(String device) {
        Entry e = byDevice.get(device);
        if (e == null || clockMs.getAsLong() >= e.lockedUntilMs) {
            return false;
        }
        byDevice.remove(device);
        return true;
    }

    /**
     * An administrator lifts the lockout of one address, and of the known browsers locked by wrong
     * passwords last made there: the owner, locked out on the laptop at home, unlocks the address
     * they know from the phone and expects the laptop in again. False when the address is not locked.
     */
    synchronized boolean unlock(String address) {
        Entry e = byAddress.get(address);
        if (e == null || clockMs.getAsLong() >= e.lockedUntilMs) {
            return false;
        }
        byAddress.remove(address);
        byDevice.values().removeIf(d -> address.equals(d.lastAddress));
        return true;
    }
}
