package org.homerouter.pptp.session;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.TokenBucket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often one account may log in to a session (server side, {@link PppSessions}): {@value #BURST}
 * logins at once (twice the per-user limit where that is more), then {@value #PER_MINUTE} a minute;
 * a login takes its token when it is let in, and gets it back if its session never comes up.
 * Every session that comes up costs the appliance two committed writes to flash (its start and its
 * end) and a row of a history that keeps only the newest sessions, from which the lockout also
 * learns each user's familiar networks. Failed logins are budgeted there; a right password was
 * not, so one account (a compromised laptop, a hostile user) that logged in and hung up in a loop
 * wore the flash and pushed every colleague's sessions out of the history.
 *
 * <p>Only accounts reach it: it is asked once the password proved right and the account enabled
 * (the authenticators' last question, {@link org.homerouter.pptp.auth.UserDirectory#refusesNow}),
 * under the account's own name, so "USER" and "user" are the account User as its per-user limit
 * counts them, and a stranger's names never get a place here. Still at most {@value #REMEMBERED}
 * accounts are remembered (the least lately seen forgotten, to start full again). Thread-safe.
 */
public final class LoginPace {
    /**
     * Logins at once. More than a real device uses in a bad hour: a laptop that sleeps and wakes,
     * changes between Wi-Fi and mobile, or whose link flaps and redials each time; or an office
     * sharing one account (as far as its per-user limit lets it) connecting in the morning.
     */
    public static final int BURST = 20;
    /**
     * Logins a minute once the burst is spent: one every 30 s. Twice what a flapping link redials:
     * Windows waits a minute between redials by default, and this router's own dial-out redials
     * 2 s after a session that lasted a minute or more, after a doubling wait of up to 60 s after
     * one that did not (ReconnectBackoff), so once a minute at most. Spent only by a session that
     * comes up: not by a wrong password (the lockout's), a renegotiation on a logged-in link, nor a
     * login then refused for its encryption, say (the appliance's failed attempts, budgeted there).
     * A loop of logins is held to 2,880 sessions a day, not one every second or so.
     */
    public static final int PER_MINUTE = 2;
    static final int REMEMBERED = 1024;
    /** An account refused over and over is logged once in this time, with how many were refused since. */
    static final long LOGGED_EVERY_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final Logger LOG = LoggerFactory.getLogger(LoginPace.class);

    private static final class Account {
        final TokenBucket logins;
        boolean logged;
        long loggedAt;
        long unlogged;

        Account(TokenBucket logins) {
            this.logins = logins;
        }
    }

    private final Map<String, Account> accounts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Account> eldest) {
            return size() > REMEMBERED;
        }
    };

    /**
     * Why a login of {@code account} (its own name), about to be let in, may not be, or empty if it
     * may: it then takes one of the account's logins at once, which {@link #neverCameUp} gives back.
     * Taken when let in, not when the session comes up: logins let in at the same moment all passed
     * a check of one token left, and each refill let the whole per-user limit in at once (8
     * sessions a minute for one token), for ever.
     *
     * @param burst the logins at once: {@link #BURST}, or twice the per-user limit where that is
     *     more (an office sharing one account, all connecting at 9:00, and again after its line dropped)
     */
    synchronized Optional<String> refuses(String account, long nowNanos, int burst) {
        Account a = account(account, nowNanos, burst);
        if (a.logins.take(nowNanos)) {
            return Optional.empty();
        }
        String why = PppSession.printable(account) + " logged in more than " + burst + " times in quick succession,"
                + " then more than " + PER_MINUTE + " a minute";
        if (!a.logged || nowNanos - a.loggedAt >= LOGGED_EVERY_NANOS) {
            LOG.warn("{}: its logins are refused until it waits (the password was right){}", why,
                    a.unlogged == 0 ? "" : "; " + a.unlogged + " more refused since this was last logged");
            a.logged = true;
            a.loggedAt = nowNanos;
            a.unlogged = 0;
        } else {
            a.unlogged++;
        }
        return Optional.of(why);
    }

    /**
     * A login of {@code account} that {@link #refuses} let in ended without its session coming up
     * (refused for its encryption, say): its login is given back. Such a device is budgeted as a
     * failed attempt, and must go on being told the truth about its encryption, not that it logs
     * in too often.
     */
    synchronized void neverCameUp(String account, long nowNanos) {
        Account a = accounts.get(account);
        if (a != null) {
            a.logins.giveBack(nowNanos);
        }
    }

    /** The account's logins, made afresh (full) where the burst changed with the per-user limit. */
    private Account account(String account, long nowNanos, int burst) {
        Account a = accounts.get(account);
        if (a == null || a.logins.burst() != burst) {
            a = new Account(new TokenBucket(burst, PER_MINUTE, nowNanos));
            accounts.put(account, a);
        }
        return a;
    }

    /** The logins at once for a per-user limit of {@code maxPerUser}. */
    static int burstFor(int maxPerUser) {
        return Math.max(BURST, 2 * maxPerUser);
    }

    /** How many accounts are remembered, for the tests of its bound. */
    synchronized int remembered() {
        return accounts.size();
    }
}
