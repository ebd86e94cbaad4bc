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
 * logins at once, then {@value #PER_MINUTE} a minute, a login counted when its session comes up.
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

    private long linesLogged;
    private final Map<String, Account> accounts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Account> eldest) {
            return size() > REMEMBERED;
        }
    };

    /**
     * Why a login of {@code account} (its own name), about to be let in, may not be, or empty if it
     * may. It is counted when its session comes up ({@link #cameUp}).
     */
    synchronized Optional<String> refuses(String account, long nowNanos) {
        Account a = account(account, nowNanos);
        if (a.logins.has(nowNanos)) {
            return Optional.empty();
        }
        String why = PppSession.printable(account) + " logged in more than " + BURST + " times in quick succession,"
                + " then more than " + PER_MINUTE + " a minute";
        if (!a.logged || nowNanos - a.loggedAt >= LOGGED_EVERY_NANOS) {
            LOG.warn("{}: its logins are refused until it waits (the password was right){}", why,
                    a.unlogged == 0 ? "" : "; " + a.unlogged + " more refused since this was last logged");
            linesLogged++;
            a.logged = true;
            a.loggedAt = nowNanos;
            a.unlogged = 0;
        } else {
            a.unlogged++;
        }
        return Optional.of(why);
    }

    /**
     * A session of {@code account} that {@link #refuses} let in came up: one of its logins spent.
     * Logins judged at the same moment may all have been let in with one left: the bucket then
     * stays empty (the account's per-user limit bounds how many).
     */
    synchronized void cameUp(String account, long nowNanos) {
        account(account, nowNanos).logins.take(nowNanos);
    }

    private Account account(String account, long nowNanos) {
        return accounts.computeIfAbsent(account, k -> new Account(new TokenBucket(BURST, PER_MINUTE, nowNanos)));
    }

    /** How many refusal lines were logged, for the tests: one per account per {@link #LOGGED_EVERY_NANOS}. */
    synchronized long linesLogged() {
        return linesLogged;
    }

    /** How many accounts are remembered, for the tests of its bound. */
    synchronized int remembered() {
        return accounts.size();
    }
}
