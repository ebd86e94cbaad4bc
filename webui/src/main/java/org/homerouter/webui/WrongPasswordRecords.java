package org.homerouter.webui;

import java.util.HashSet;
import java.util.Set;
import org.homerouter.pptp.TokenBucket;

/**
 * Which wrong admin passwords get an event-log line of their own: {@value #BURST} at once, then
 * {@value #PER_MINUTE} a minute. The login's throttle still lets anyone who reaches the login try
 * one password every 5 s from many addresses (about 720 an hour), and each line was a transaction
 * synced to the router's flash, as the VPN's failed attempts were before they were budgeted. The
 * rest are counted, with the addresses they came from and the lockouts among them, and the next
 * line logged says how many were left out; so does the next admin login ({@link #leftOut}), so
 * that a burst that stops is told all the same. The burst is the router-wide slowdown's count: an
 * owner's own typos, a few guesses from one address, are all logged one by one. Thread-safe.
 */
final class WrongPasswordRecords {
    static final int BURST = LoginThrottle.ROUTER_WIDE_FAILURES;
    static final int PER_MINUTE = 1;
    /** Addresses counted apart in what was left out; more are "over" this many. */
    static final int ADDRESSES_COUNTED = 100;

    private TokenBucket bucket;
    private long notLogged;
    private long lockoutsNotLogged;
    private final Set<String> addresses = new HashSet<>();

    /**
     * A wrong password from {@code address} ({@code locked}: it locked the address or browser out).
     *
     * @return null when not to be logged (counted instead); else what to add to its line: "" or
     *     what was left out before it
     */
    synchronized String admit(String address, boolean locked, long nowMs) {
        long nowNanos = nowMs * 1_000_000;
        if (bucket == null) {
            bucket = new TokenBucket(BURST, PER_MINUTE, nowNanos);
        }
        if (!bucket.take(nowNanos)) {
            notLogged++;
            if (locked) {
                lockoutsNotLogged++;
            }
            if (addresses.size() <= ADDRESSES_COUNTED) {
                addresses.add(address);
            }
            return null;
        }
        String before = describeLeftOut();
        return before == null ? "" : " (" + before + " before this one were not logged one by one: too many at once)";
    }

    /**
     * What was left out since the last wrong password logged, and forgets it: for a line of its
     * own at an admin login ("37 more wrong admin passwords from 12 addresses"); null if nothing was.
     */
    synchronized String leftOut() {
        String before = describeLeftOut();
        return before == null ? null : before + " were not logged one by one (too many at once)";
    }

    private String describeLeftOut() {
        if (notLogged == 0) {
            return null;
        }
        String text = notLogged + " more wrong admin password" + (notLogged == 1 ? "" : "s") + " from "
                + (addresses.size() > ADDRESSES_COUNTED ? "over " + ADDRESSES_COUNTED + " addresses"
                        : addresses.size() == 1 ? addresses.iterator().next()
                        : addresses.size() + " addresses")
                + (lockoutsNotLogged == 0 ? "" : ", " + lockoutsNotLogged + " of them locking out an address or browser,");
        notLogged = 0;
        lockoutsNotLogged = 0;
        addresses.clear();
        return text;
    }
}
