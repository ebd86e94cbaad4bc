package org.homerouter.pptp.auth;

import java.util.Optional;

/**
 * Where the authenticators look accounts up. Implementations may be backed by the appliance's
 * store; lookups happen on the session's thread, so they should be quick.
 *
 * <p>Names match regardless of ASCII case ({@link #fold}): a phone or the Windows dialog that
 * capitalises "Alice" logs in to the account "alice", as Windows servers do. The store refuses two
 * names that differ only in case, so the match is unique; an exact match wins where it is not. From
 * the lookup on, the session uses the account's own name ({@link PppUser#userName}): its limits,
 * lockout and history are the account's, whatever case the client typed. MS-CHAPv2 still computes
 * with the name as sent (RFC 2759 §8.2), which the client hashed.
 */
@FunctionalInterface
public interface UserDirectory {

    /**
     * The account of this name, ASCII case aside, if any.
     *
     * @throws Unreadable when the accounts cannot be read (the router's problem, not the client's)
     */
    Optional<PppUser> find(String userName);

    /**
     * The account for a name as a peer sent it. The exact name wins; failing that, a name of the
     * form DOMAIN&#92;user is looked up as {@code user}.
     *
     * <p>Why: Windows sends DOMAIN&#92;user when the connection is set to include the Windows
     * logon domain or the user typed it that way, and RFC 2759 §8.2 already has the domain dropped
     * before the name enters the MS-CHAPv2 challenge hash, so a router with local accounts should
     * not fail such a client. Accepting the bare name loses nothing: the password still has to be
     * the account's own. An account may still be created under the full DOMAIN&#92;user name,
     * which then matches first.
     *
     * @throws Unreadable when the accounts cannot be read
     */
    default Optional<PppUser> resolve(String sentName) {
        Optional<PppUser> exact = find(sentName);
        if (exact.isPresent()) {
            return exact;
        }
        int backslash = sentName.lastIndexOf('\\');
        if (backslash < 0 || backslash == sentName.length() - 1) {
            return Optional.empty();
        }
        return find(sentName.substring(backslash + 1));
    }

    /**
     * Why {@code account}, found and with its password checked, may not log in at this moment (it
     * already holds as many sessions as it may, or logged in too often lately), or empty. Asked
     * before the login is accepted, so that the refusal is the authentication's answer (MS-CHAPv2
     * E=649, CHAP Failure, PAP Nak) and not a hang-up after a Success. None by default.
     */
    default Optional<LoginRefusal> refusesNow(PppUser account) {
        return Optional.empty();
    }

    /** A name with A-Z folded to a-z and nothing else changed: how names are compared. */
    static String fold(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            b.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return b.toString();
    }

    /**
     * The accounts could not be read (a database error): the login ends as the router's failure,
     * not as a wrong name, and counts toward no lockout.
     */
    final class Unreadable extends RuntimeException {
        public Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
