package org.homerouter.pptp.auth;

import java.net.InetAddress;
import org.homerouter.pptp.control.ClientSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.homerouter.pptp.Clock;

/**
 * Brute-force protection for VPN logins: after {@code freeFailures} failed logins in a row, a user
 * name is locked out, first for {@code firstLockout}, doubling with each further failure up to
 * {@code maxLockout}. A source address is locked the same way, but only once its failures span at
 * least {@value #DISTINCT_NAMES} distinct user names; its first lockout is then {@code
 * firstLockout} however many failures came before. A success clears both counters (but see
 * {@link #succeeded}), and so does a day without a failure ({@link #FORGOTTEN_AFTER}). Locking
 * the address stops one attacker trying many names; locking the name stops a botnet trying one
 * name from many addresses (at the cost that the real user waits too where they have not logged
 * in before, which is why the lockout is short and grows only while failures continue).
 *
 * <p>Why the address needs several names: remote workers behind one office or hotel NAT share
 * its public address. One phone that keeps redialling with an old password (Android's always-on
 * VPN, NetworkManager's retries) used to lock that address, and with it every colleague behind
 * it, who was then refused like a wrong password (691) for up to 15 minutes. One name failing
 * over and over is what the name's own lockout is for (pptpd/pppd lock no address at all, Windows
 * RRAS locks per user name only); an address is suspect when it tries many names. So a name's
 * failures beyond its own free ones do not count at the address at all, before or after the
 * address may be locked: a colleague who mistypes a third name there waits {@code firstLockout},
 * and the phone's further failures neither lengthen that nor lock the address again.
 *
 * <p>A name's lockout does not refuse it near an address it logged in from in the last 30 days
 * (the same IPv4 /24 or IPv6 /64, {@link FamiliarSources#near}): anyone on the internet may lock
 * a name with one guess per lockout, and its owner, refused with the same 691 as a wrong password,
 * would be kept out of the router for as long as they liked, with only the LAN's Lockouts page to
 * lift it. There the name's failures count apart, under "user NAME from NETWORK" (e.g. "user alice
 * from 198.51.100.0/24"), which locks the name there only, the same way: so a familiar network (a
 * hotel's NAT the owner once used, shared with a guesser) gives no free guesses, and the owner's
 * typos there do not lock the name elsewhere. Nor does the address's own lockout (many names
 * failing there) refuse such a name while it has at most one failure there: a stranger spraying
 * three names from a hotel's or an office's NAT locked out every worker behind it who had logged
 * in from there before, refused with 691 for up to the maximum. One failure is its owner's typo,
 * forgiven (with none, her one typo there had her refused like a wrong password for as long as the
 * stranger kept the address locked); a second on the name there (or a guesser sharing the network
 * who knows the name) brings the address's lockout back for it, so the network gives a guesser
 * two tries per such name, not five.
 *
 * <p>While locked, a login is refused before the password is checked, so a locked-out attacker
 * learns nothing from further attempts; nor do they count as failures, or a client that retries on
 * its own (Windows and Android redial) would keep its real user locked out for ever. Memory is
 * bounded: the least recently failing keys are forgotten first, and an address keeps at most
 * {@value #DISTINCT_NAMES} - 1 of the names that failed from it. Thread-safe.
 */
public final class AuthFailureLockout {
    /** Most keys (names plus addresses) remembered. */
    private static final int REMEMBERED = 4096;
    /** Distinct user names an address's failures must span before the address is locked. */
    static final int DISTINCT_NAMES = 3;
    /** Failures a name may have near a familiar address and still not be refused by that address's lockout. */
    static final int TYPOS_FORGIVEN_THERE = 1;
    /**
     * How long a key must go without a failure, counted from the end of its lockout if it had
     * one, before its failures are forgotten. The lockout "grows only while failures continue":
     * kept for ever, failures from months ago made one new typo lock a name again at once, for
     * up to the maximum (Windows' "Reset account lockout counter after" and RRAS's ResetTime
     * forget them the same way). A day, so that waiting it out gives a guesser some ten tries a
     * day where keeping on gives one per maximum lockout (96 a day at 15 minutes).
     */
    static final Duration FORGOTTEN_AFTER = Duration.ofDays(1);

    /** One locked-out user name or address, for logs and the UI. */
    public record Lockout(String key, int failures, Duration remaining) {
    }

    private final int freeFailures;
    private final Duration firstLockout;
    private final Duration maxLockout;
    private final Clock clock;
    /** In access order: the least recently failing (or checked) first, the first forgotten (see {@link #forgetOne}). */
    private final Map<String, Counter> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final FamiliarSources familiar = new FamiliarSources();

    public AuthFailureLockout(int freeFailures, Duration firstLockout, Duration maxLockout, Clock clock) {
        if (freeFailures < 1 || firstLockout.isNegative() || firstLockout.isZero() || maxLockout.compareTo(firstLockout) < 0) {
            throw new IllegalArgumentException("need freeFailures >= 1 and 0 < firstLockout <= maxLockout");
        }
        this.freeFailures = freeFailures;
        this.firstLockout = firstLockout;
        this.maxLockout = maxLockout;
        this.clock = clock;
    }

    /** Five free failures, then 30 s doubling up to 15 minutes. */
    public static AuthFailureLockout defaults(Clock clock) {
        return new AuthFailureLockout(5, Duration.ofSeconds(30), Duration.ofMinutes(15), clock);
    }

    /**
     * The lockout that refuses this login now, if any: the user name's or the address's, whichever
     * ends later; at a source familiar to the name, the name's there only.
     */
    public synchronized Optional<Lockout> lockedOut(String userName, InetAddress source) {
        long now = clock.nanos();
        String name = nameKey(userName, source, now);
        Optional<Lockout> byName = lockout(name, now);
        Counter there = live(name, now);
        if (familiar.knows(userName, source, now) && (there == null || there.failures <= TYPOS_FORGIVEN_THERE)) {
            // Logged in near here before, and at most a typo on that name here since: the
            // address's lockout is strangers' business. One failure more and the address counts
            // again, so that a guesser sharing the network gets two tries per name that logged in
            // there, not five.
            return byName;
        }
        Optional<Lockout> byAddress = lockout(addressKey(source), now);
        if (byName.isEmpty()) {
            return byAddress;
        }
        if (byAddress.isEmpty()) {
            return byName;
        }
        return byName.get().remaining().compareTo(byAddress.get().remaining()) >= 0 ? byName : byAddress;
    }

    /**
     * A login with this name from this address failed (wrong password, unknown user), its password
     * checked: not one refused because of a lockout.
     *
     * @return the lockouts this failure began (none, the name's, the address's or both), for the log
     */
    public synchronized List<Lockout> failed(String userName, InetAddress source) {
        long now = clock.nanos();
        List<Lockout> begun = new ArrayList<>(2);
        String counted = nameKey(userName, source, now);
        fail(counted, now, null);
        lockout(counted, now).ifPresent(begun::add);
        // A name past its own free failures is its own lockout's business: counted at the address
        // too, one phone redialling with an old password would keep its office's address locked,
        // doubling up to the maximum, once two colleagues had mistyped there.
        if (entries.get(counted).failures <= freeFailures) {
            String address = addressKey(source);
            fail(address, now, userKey(userName));
            lockout(address, now).ifPresent(begun::add);
        }
        return begun;
    }

    /**
     * A login succeeded: the name's count it passed (at a familiar source, the name's there) and
     * the address start afresh, and the source is familiar to the name from now on. The name's
     * count elsewhere is left alone: it is a guesser's, and lifting it whenever the owner logs in
     * from home (an always-on VPN redials often) would give them five free guesses each time.
     */
    public synchronized void succeeded(String userName, InetAddress source) {
        long now = clock.nanos();
        entries.remove(nameKey(userName, source, now));
        entries.remove(addressKey(source));
        familiar.loggedIn(userName, source, now);
    }

    /**
     * {@code userName}'s password changed, or its account was disabled or deleted: the sources it
     * logged in from no longer spare it a lockout. A leaked password's user (who logged in with it)
     * would otherwise keep, at their address, a count of their own, apart from the name's lockout,
     * for 30 days after the owner changed it.
     */
    public synchronized void accountChanged(String userName) {
        familiar.forget(userName);
    }

    /**
     * The router was reset to factory settings: the names strangers typed, their addresses, and
     * where the old accounts logged in from are the old owner's business, not the next one's
     * (the Lockouts page would show them until a restart). Everything starts afresh.
     */
    public synchronized void forgetAll() {
        entries.clear();
        familiar.forgetAll();
    }

    /**
     * {@code userName} logged in from {@code source} {@code ago} (before this run, as the session
     * history says): the source is familiar to the name as if it had happened here, for what is
     * left of the 30 days.
     */
    public synchronized void loggedInBefore(String userName, InetAddress source, Duration ago) {
        // A history row "in the future" is the wall clock set back since: count it as just now.
        Duration age = ago.isNegative() ? Duration.ZERO : ago;
        if (age.compareTo(FamiliarSources.FOR) < 0) {
            familiar.loggedIn(userName, source, clock.nanos() - age.toNanos());
        }
    }

    /**
     * An administrator lifts the lockout of one key as {@link #current()} names it ("user alice",
     * "address 192.0.2.7"): its failures are forgotten too, so the next wrong password is free again.
     *
     * @return false when that key is not locked out (any more)
     */
    public synchronized boolean unlock(String key) {
        if (lockout(key, clock.nanos()).isEmpty()) {
            return false;
        }
        entries.remove(key);
        return true;
    }

    /** The chars of every key and remembered name held (tests: what the table costs the heap). */
    synchronized long charsHeld() {
        long chars = 0;
        for (var e : entries.entrySet()) {
            chars += e.getKey().length();
            if (e.getValue().names != null) {
                chars += e.getValue().names.stream().mapToLong(String::length).sum();
            }
        }
        return chars;
    }

    /** Every key locked out right now. */
    public synchronized List<Lockout> current() {
        long now = clock.nanos();
        List<Lockout> out = new ArrayList<>();
        for (String key : List.copyOf(entries.keySet())) {
            lockout(key, now).ifPresent(out::add);
        }
        return out;
    }

    /**
     * Counts a failure under {@code key}; {@code name} is the failing user's key when {@code key}
     * is an address (whose lockout waits for {@link #DISTINCT_NAMES} names), null for a name.
     */
    private void fail(String key, long now, String name) {
        Counter e = live(key, now);
        if (e == null) {
            if (entries.size() >= REMEMBERED) {
                forgetOne(now);
            }
            e = new Counter();
            entries.put(key, e);
        }
        e.failures++;
        e.lastFailure = now;
        if (name != null && e.failuresAtManyNames == 0) {
            if (e.names == null) {
                e.names = new ArrayList<>(DISTINCT_NAMES - 1);
            }
            if (!e.names.contains(name)) {
                if (e.names.size() + 1 < DISTINCT_NAMES) {
                    e.names.add(name);
                } else {
                    e.names = null; // enough names: the address may be locked from here on
                    e.failuresAtManyNames = e.failures;
                }
            }
            if (e.failuresAtManyNames == 0) {
                return; // too few names yet: one user's failures lock only that user
            }
        }
        int over = e.failures - Math.max(freeFailures, e.failuresAtManyNames);
        if (over >= 0) {
            Duration d = firstLockout.multipliedBy(1L << Math.min(over, 20));
            e.lockedUntil = now + (d.compareTo(maxLockout) > 0 ? maxLockout : d).toNanos();
        }
    }

    /**
     * Makes room for one more key: the least recent that never reached a lockout, else the least
     * recent not locked out now, else the least recent. Forgetting the eldest alone let failures
     * under ~4096 fresh keys (about 700 addresses, five names each) wipe a locked-out name, and its
     * attacker had five new guesses with the doubling started over; now the flood's own keys, each
     * one failure, go first, and a name that was locked keeps its count while the flood lasts.
     */
    private void forgetOne(long now) {
        String notLocked = null;
        for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            Counter c = entry.getValue();
            if (c.failures < freeFailures) {
                it.remove();
                return;
            }
            if (notLocked == null && (c.lockedUntil == 0 || c.lockedUntil - now <= 0)) {
                notLocked = entry.getKey();
            }
        }
        entries.remove(notLocked != null ? notLocked : entries.keySet().iterator().next());
    }

    private Optional<Lockout> lockout(String key, long now) {
        Counter e = live(key, now);
        if (e == null || e.lockedUntil == 0 || e.lockedUntil - now <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Lockout(key, e.failures, Duration.ofNanos(e.lockedUntil - now)));
    }

    /** The key's counter, unless it has been quiet for {@link #FORGOTTEN_AFTER} (then forgotten): null if none. */
    private Counter live(String key, long now) {
        Counter e = entries.get(key);
        if (e == null) {
            return null;
        }
        long quietSince = e.lockedUntil != 0 && e.lockedUntil - e.lastFailure > 0 ? e.lockedUntil : e.lastFailure;
        if (now - quietSince >= FORGOTTEN_AFTER.toNanos()) {
            entries.remove(key);
            return null;
        }
        return e;
    }

    /**
     * The longest name a key holds, in chars: an account's is at most 64 (with a Windows domain in
     * front, a few dozen more). The name is the peer's, as sent: a CHAP Response may carry 65,000
     * octets of it, which every key and remembered name kept whole, so that a few dozen addresses'
     * guesses filled the table's 4,096 entries with up to 130 KB each, more than the service's heap.
     */
    static final int MAX_NAME_CHARS = 256;

    private static String userKey(String userName) {
        return "user " + (userName.length() <= MAX_NAME_CHARS ? userName
                : userName.substring(0, MAX_NAME_CHARS) + "… (" + userName.length() + " characters)");
    }

    /** Where a name's failures from this source count: the name's own, or near a familiar address the name's there. */
    private String nameKey(String userName, InetAddress source, long now) {
        return familiar.knows(userName, source, now)
                ? userKey(userName) + " from " + FamiliarSources.near(source) : userKey(userName);
    }

    private static String addressKey(InetAddress source) {
        // An IPv6 host picks any address of its /64: the /64 is what is locked.
        return "address " + ClientSource.label(source);
    }

    private static final class Counter {
        int failures;
        /** The clock's nanos at the last failure counted. */
        long lastFailure;
        long lockedUntil;
        /**
         * An address's distinct failing user keys while fewer than {@link #DISTINCT_NAMES}; null
         * before the first and once there were that many (and for a name's own counter).
         */
        List<String> names;
        /**
         * An address's failure (counting from 1) that brought its {@link #DISTINCT_NAMES}th name,
         * from which on it may be locked and its doubling counts; 0 before (and for a name).
         */
        int failuresAtManyNames;
    }
}
