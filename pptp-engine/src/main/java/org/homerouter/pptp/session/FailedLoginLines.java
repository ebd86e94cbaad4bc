package org.homerouter.pptp.session;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.slf4j.Logger;

/**
 * The log lines of failed logins on a server, and of the lockouts they begin. A stranger's guesses
 * (names that are none of the router's accounts) share one budget with the other ends of calls
 * that never logged in, which anyone reaching the port causes at will. The failures on each of the
 * router's accounts have a budget of their own: with one budget for all, a flood of guesses left a
 * real user's failed login, and the lockout it began, out of the journal, and the guesses' "more
 * like this not logged" count landed on the user's line. A lockout that begins gets a line of its
 * own: an account's always (at most one per lockout period, which doubles while failures go on),
 * an address's or an unknown name's within a budget. Thread-safe: sessions log on their own threads.
 */
final class FailedLoginLines {
    /** Accounts whose budgets are kept: far more than a router has, and bounded all the same. */
    static final int ACCOUNTS_REMEMBERED = 1024;

    private final Logger log;
    private final LogLimit strangers;
    private final LogLimit otherLockouts = new LogLimit();
    private final Map<String, LogLimit> perAccount = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LogLimit> eldest) {
            return size() > ACCOUNTS_REMEMBERED;
        }
    };

    /** @param strangers the budget of strangers' failures, shared with the ends of calls that never logged in */
    FailedLoginLines(Logger log, LogLimit strangers) {
        this.log = log;
        this.strangers = strangers;
    }

    /**
     * Logs a failed login of session {@code id} and each lockout it began.
     *
     * @param shownAs the name the login is shown under (null: it sent none)
     * @param onAccount whether the login named one of the router's accounts ({@code shownAs} is its name)
     * @param loggedInBefore whether the link had logged in before (the authenticator challenged
     *     again): no stranger's, always logged
     * @return whether the failure is accounted for in the log, so that the session's end (logged
     *     within the strangers' budget unless so) needs no line of its own: its line was written, or
     *     it is a stranger's guess, counted in that very budget. Counted there again at its end, each
     *     guess beyond the budget was counted twice, and the "more like this not logged" said twice
     *     the guesses there were. An account's failure left out of its own budget is not accounted
     *     for: its end has its chance
     */
    boolean failed(String id, String shownAs, boolean onAccount, boolean loggedInBefore, String why,
                   List<AuthFailureLockout.Lockout> begun) {
        boolean stranger = !loggedInBefore && !(onAccount && shownAs != null);
        String more = loggedInBefore ? "" : (stranger ? strangers : budgetOf(shownAs)).admit();
        if (more != null) {
            log.warn("{}: login of {} failed: {}{}", id, shownAs == null ? "(no name)" : shownAs, why, more);
        }
        for (AuthFailureLockout.Lockout lockout : begun) {
            // The account's own lockout ("user alice", or "user alice from 198.51.100.0/24"): its
            // user is refused from now on, which the owner must be able to find.
            String note = onAccount && lockout.key().startsWith("user ") ? "" : otherLockouts.admit();
            if (note != null) {
                log.warn("{}: {}{}", id, LoginLookups.lockoutBegun(lockout), note);
            }
        }
        return more != null || stranger;
    }

    private synchronized LogLimit budgetOf(String account) {
        return perAccount.computeIfAbsent(account, a -> new LogLimit());
    }
}
