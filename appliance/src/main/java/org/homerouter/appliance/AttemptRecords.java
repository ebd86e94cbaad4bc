package org.homerouter.appliance;

import java.net.InetAddress;
import org.homerouter.pptp.SourceBuckets;
import org.homerouter.pptp.TokenBucket;
import org.homerouter.pptp.control.ClientSource;

/**
 * Which sessions that ended without ever coming up (failed logins, calls that never spoke PPP,
 * logins then refused by a limit) get a history row and event-log line of their own: per source
 * address (an IPv6 one being its /64) {@value #PER_SOURCE_BURST} at once, then
 * {@value #PER_SOURCE_PER_MINUTE} a minute, and {@value #OVERALL_BURST} at once, then
 * {@value #OVERALL_PER_MINUTE} a minute in all. Anyone who reaches the PPTP port can open and clear
 * calls as fast as TCP carries the messages, without logging in; each such call wrote a row and an
 * event, so one connection replaced the kept 10,000 of each (admin logins, real users' failures)
 * within seconds and kept the flash busy. The rest are counted, and the next one recorded says how
 * many were not. Thread-safe.
 */
final class AttemptRecords {
    static final int PER_SOURCE_BURST = 10;
    static final int PER_SOURCE_PER_MINUTE = 2;
    static final int OVERALL_BURST = 60;
    static final int OVERALL_PER_MINUTE = 30;

    /** Whether to record this attempt, and how many were not recorded since the last one that was. */
    record Verdict(boolean record, long notRecordedBefore) {
    }

    private final SourceBuckets<String> perSource = new SourceBuckets<>(PER_SOURCE_BURST, PER_SOURCE_PER_MINUTE);
    /**
     * For the failures on one account ({@link #admit(String, String, long)}): three sources' worth
     * per account, so that one guesser's address leaves room for the account's own user's.
     */
    static final int PER_ACCOUNT_BURST = 3 * PER_SOURCE_BURST;
    private final SourceBuckets<String> perAccount = new SourceBuckets<>(PER_ACCOUNT_BURST, 3 * PER_SOURCE_PER_MINUTE);
    private TokenBucket overall;
    private long notRecorded;

    /** @param client the client's address as text (a literal: nothing is looked up) */
    synchronized Verdict admit(String client, long nowNanos) {
        return admitFrom(sourceOf(client), nowNanos);
    }

    /**
     * As {@link #admit}, for a failure on one of the router's accounts: the budget per source is
     * per account and source (a guesser naming alice from one address leaves alice's own failures
     * from another recorded), and each account has one of its own besides (guesses naming alice
     * from many addresses use up alice's, not every account's share of the overall one).
     */
    synchronized Verdict admit(String account, String client, long nowNanos) {
        return admitFrom(account + " from " + sourceOf(client), account, nowNanos);
    }

    private Verdict admitFrom(String source, long nowNanos) {
        return admitFrom(source, null, nowNanos);
    }

    private Verdict admitFrom(String source, String account, long nowNanos) {
        if (overall == null) {
            overall = new TokenBucket(OVERALL_BURST, OVERALL_PER_MINUTE, nowNanos);
        }
        // The narrowest token first: a flooding source must not use up the wider budgets.
        if (!perSource.take(source, nowNanos) || account != null && !perAccount.take(account, nowNanos)
                || !overall.take(nowNanos)) {
            notRecorded++;
            return new Verdict(false, 0);
        }
        long before = notRecorded;
        notRecorded = 0;
        return new Verdict(true, before);
    }

    private static String sourceOf(String client) {
        try {
            return ClientSource.label(InetAddress.ofLiteral(client));
        } catch (IllegalArgumentException e) {
            return client;
        }
    }
}
