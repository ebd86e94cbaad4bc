package org.homerouter.pptp.auth;

/** Why an authentication exchange failed, in terms an administrator can act on. */
public enum AuthFailureReason {
    /** The password (or CHAP secret) was wrong; MS-CHAPv2 error 691. */
    BAD_PASSWORD_691,
    /**
     * The account exists and the password was right, but it is disabled; MS-CHAPv2 error 647
     * (ERROR_ACCT_DISABLED, which Windows shows as "the account is disabled"). On the peer side
     * any of 647-649 sent by the authenticator (disabled, password expired, no dial-in permission).
     */
    ACCOUNT_DISABLED,
    /**
     * Authenticator side: the password was right and the account enabled, but it holds as many
     * sessions as one account may ({@link UserDirectory#refusesNow}). Refused before any Success,
     * as MS-CHAPv2 error 649 with a message saying why: a Success followed by a hang-up left the
     * client with a generic "connection terminated" and nothing to act on. Peer side: that 649
     * with that message ({@link MsChapV2Authenticator#TOO_MANY_SESSIONS}), from a router like this
     * one: unlike other 649s, one that a later attempt may get past.
     */
    SESSION_LIMIT,
    /**
     * Authenticator side: the password was right, but the account logged in more often lately than
     * one may ({@code PppSessions}' login pace): refused before any Success, as MS-CHAPv2 error 649
     * with {@link MsChapV2Authenticator#TOO_MANY_LOGINS}. Peer side: that 649 with that message, from
     * a router like this one: a refusal that waiting mends.
     */
    LOGIN_RATE,
    /** Peer side: MS-CHAPv2 E=646, the account may log in only at certain hours (RFC 2759 §6). */
    RESTRICTED_HOURS_646,
    /**
     * Authenticator side: the password the account had before its last change
     * ({@link PppUser#previousNtHash}). On the wire a wrong password like any other (691), but a
     * device not yet given the new password rather than a guess: it counts toward no lockout, which
     * on a shared account would otherwise lock every colleague out after a password change, and
     * the Logs page says which device to set up again.
     */
    PREVIOUS_PASSWORD,
    /** No account of that name. On the wire this looks exactly like {@link #BAD_PASSWORD_691}. */
    UNKNOWN_USER,
    /**
     * Authenticator side: the accounts could not be read ({@link UserDirectory.Unreadable}), so the
     * password was never checked. The router's failure, not the client's: it counts toward no
     * lockout. On the wire a plain failure (MS-CHAPv2 E=691 without a retry).
     */
    ACCOUNTS_UNREADABLE,
    /** The other side went silent: retransmissions or the overall time ran out. */
    TIMEOUT,
    /** The method is not allowed by the policy. */
    METHOD_NOT_ALLOWED,
    /**
     * The account exists but has no secret the method can check: CHAP-MD5 for an account whose
     * password was set while CHAP-MD5 was not allowed (only its NT hash is kept). Setting the
     * password again, with CHAP-MD5 allowed, mends it.
     */
    NO_SECRET_FOR_METHOD,
    /** The other side sent something this protocol cannot accept, e.g. a wrong-sized value. */
    PROTOCOL_ERROR,
    /**
     * Peer side, MS-CHAPv2: the authenticator's Success lacked a correct authenticator response
     * S=..., so the server did not prove it knows the password (RFC 2759 §5, §8.8).
     */
    AUTHENTICATOR_NOT_VERIFIED
}
