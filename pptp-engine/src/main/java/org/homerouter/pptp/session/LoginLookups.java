package org.homerouter.pptp.session;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.auth.AuthFailureReason;
import org.homerouter.pptp.auth.AuthResult;
import org.homerouter.pptp.auth.LoginRefusal;
import org.homerouter.pptp.auth.PppUser;
import org.homerouter.pptp.auth.UserDirectory;

/**
 * The accounts the logins of one session look up (server side), through the brute-force lockout
 * (while the account or the peer's address is locked out, none is found), and what a failed login
 * then ends as: its {@link SessionEnd}, the name it is shown under, and the words for its log line,
 * a failed password counted towards the lockout on the way.
 *
 * <p>Touched only under its {@link PppSession}'s lock, as every authentication exchange is.
 */
final class LoginLookups {
    private final Optional<AuthFailureLockout> lockout;
    private final InetAddress peer;
    /** Set when the login was refused because of a brute-force lockout, for the log line. */
    private AuthFailureLockout.Lockout lockedOut;
    /**
     * The name the login's failures count under: the account's own name when the last lookup found
     * one ("Alice" and "CORP\\alice" are alice), else the name looked up.
     */
    private String lookedUpName;
    /** The account the last lookup found (its own name), null if none: a failed login is shown under it. */
    private String lookedUpAccount;

    /** @param peer the address the session's logins come from */
    LoginLookups(Optional<AuthFailureLockout> lockout, InetAddress peer) {
        this.lockout = lockout;
        this.peer = peer;
    }

    /** A login exchange begins: its lookups, not an earlier login's, are the ones that count. */
    void exchangeStarts() {
        lookedUpName = null;
        lookedUpAccount = null;
    }

    /**
     * The accounts as a login from this peer sees them: while the account (or, for a name without
     * one, the name) or the peer's address is locked out after repeated failures, no account is
     * found, so the password is never checked (and the attacker learns nothing) and the peer gets
     * the usual 691. The lockout is the account's whatever case the name comes in. {@code
     * refusesNow} is {@link UserDirectory#refusesNow}, by the account's name.
     */
    UserDirectory guarded(UserDirectory users, Function<String, Optional<LoginRefusal>> refusesNow) {
        return new UserDirectory() {
            @Override
            public Optional<PppUser> find(String name) {
                Optional<PppUser> found;
                try {
                    found = users.find(name);
                } catch (UserDirectory.Unreadable e) {
                    // Locked out as sent is locked out still: the lockout's answer, not the database's.
                    if (noteLockout(name)) {
                        return Optional.empty();
                    }
                    throw e;
                }
                lookedUpAccount = found.map(PppUser::userName).orElse(null);
                lookedUpName = found.isPresent() ? lookedUpAccount : name;
                return noteLockout(lookedUpName) ? Optional.empty() : found;
            }

            @Override
            public Optional<LoginRefusal> refusesNow(PppUser account) {
                return refusesNow.apply(account.userName());
            }
        };
    }

    /** Whether {@code name} is locked out from this peer's address now; if so, kept in {@link #lockedOut}. */
    private boolean noteLockout(String name) {
        Optional<AuthFailureLockout.Lockout> l = lockout.flatMap(x -> x.lockedOut(name, peer));
        l.ifPresent(found -> lockedOut = found);
        return l.isPresent();
    }

    /** {@code userName} logged in: the lockout forgets this peer's failures under it. */
    void succeeded(String userName) {
        lockout.ifPresent(l -> l.succeeded(userName, peer));
    }

    /**
     * The name a failed login is shown under: the account it named, if any ("Alice" is alice's);
     * else whatever the peer sent: keep that out of logs as raw text.
     */
    String shownAs(AuthResult.Failure f) {
        return lookedUpAccount != null && f.reason() != AuthFailureReason.ACCOUNTS_UNREADABLE
                ? lookedUpAccount : f.userName().map(PppSession::printable).orElse(null);
    }

    /**
     * Whether the failed login named one of this router's accounts (whatever its password): what
     * the owner looks for when a user cannot connect, kept apart from strangers' guesses.
     */
    boolean namedAnAccount(AuthResult.Failure f) {
        return lookedUpAccount != null && f.reason() != AuthFailureReason.ACCOUNTS_UNREADABLE;
    }

    /** What a failed login ends the session as. */
    SessionEnd endOf(AuthResult.Failure f) {
        return lockedOut != null ? SessionEnd.LOCKED_OUT : switch (f.reason()) {
            case ACCOUNTS_UNREADABLE -> SessionEnd.ACCOUNTS_UNREADABLE;
            case ACCOUNT_DISABLED -> SessionEnd.ACCOUNT_DISABLED;
            case SESSION_LIMIT -> SessionEnd.TOO_MANY_SESSIONS;
            case LOGIN_RATE -> SessionEnd.LOGINS_TOO_OFTEN;
            case RESTRICTED_HOURS_646 -> SessionEnd.OUTSIDE_LOGON_HOURS;
            case PREVIOUS_PASSWORD -> SessionEnd.PREVIOUS_PASSWORD; // no strike: see the reason
            case METHOD_NOT_ALLOWED -> SessionEnd.AUTH_METHOD_REFUSED;
            case NO_SECRET_FOR_METHOD -> SessionEnd.CHAP_SECRET_MISSING;
            // The peer did not answer the login (AbstractAuthExchange): the link was up by then.
            case TIMEOUT -> SessionEnd.LOGIN_TIMEOUT;
            case AUTHENTICATOR_NOT_VERIFIED -> SessionEnd.SERVER_NOT_VERIFIED;
            default -> SessionEnd.AUTH_FAILED;
        };
    }

    /** Why the login failed, for its log line and the session's end (a lockout it begins aside: {@link #failureCounted}). */
    String why(AuthResult.Failure f) {
        String code = f.msChapError().isPresent() && !f.message().contains("E=" + f.msChapError().getAsInt())
                ? " (MS-CHAP error " + f.msChapError().getAsInt() + ")" : "";
        String why = f.message() + code;
        if (lockedOut != null) {
            why = "refused without checking the password: " + PppSession.printable(lockedOut.key())
                    + " is locked out for " + Math.max(1, lockedOut.remaining().toSeconds()) + " s after "
                    + lockedOut.failures() + " failed logins";
        }
        return why;
    }

    /**
     * A failed password ({@code end} {@link SessionEnd#AUTH_FAILED}) counts towards the lockout.
     *
     * @return the lockouts it began, each logged on a line of its own ({@link FailedLoginLines})
     *     and named in the session's end ({@link #lockoutsBegun})
     */
    List<AuthFailureLockout.Lockout> failureCounted(AuthResult.Failure f, SessionEnd end) {
        if (end != SessionEnd.AUTH_FAILED || lockout.isEmpty()) {
            return List.of();
        }
        // Under the name the account was looked up by: "CORP\alice" is alice's account
        // (UserDirectory.resolve), so its failures lock alice, however many domains an
        // attacker puts in front of the name.
        String counted = lookedUpName != null ? lookedUpName : f.userName().orElse(null);
        return counted == null ? List.of() : lockout.get().failed(counted, peer);
    }

    /** What the session's end adds to {@link #why} for the lockouts its failure began: "" for none. */
    static String lockoutsBegun(List<AuthFailureLockout.Lockout> begun) {
        StringBuilder words = new StringBuilder();
        for (AuthFailureLockout.Lockout l : begun) {
            words.append("; ").append(lockoutBegun(l));
        }
        return words.toString();
    }

    /** "user alice is now locked out for 30 s after 5 failed logins". */
    static String lockoutBegun(AuthFailureLockout.Lockout l) {
        return PppSession.printable(l.key()) + " is now locked out for " + l.remaining().toSeconds() + " s after "
                + l.failures() + " failed logins";
    }
}
