package org.homerouter.pptp.auth;

/**
 * Why an account, found and with its password checked right, may not log in at this moment
 * ({@link UserDirectory#refusesNow}): the refusal's reason, which decides what the client is told
 * (MS-CHAPv2's M= text, the CHAP or PAP message) and how the session ends, and its words for the
 * administrator.
 *
 * @param reason {@link AuthFailureReason#SESSION_LIMIT} or {@link AuthFailureReason#LOGIN_RATE}
 * @param why    for the log and the session's end, e.g. "alice already has 2 sessions"
 */
public record LoginRefusal(AuthFailureReason reason, String why) {
    public LoginRefusal {
        if (reason != AuthFailureReason.SESSION_LIMIT && reason != AuthFailureReason.LOGIN_RATE) {
            throw new IllegalArgumentException("not a refusal of a right password: " + reason);
        }
    }

    /** The account holds as many sessions as it may. */
    public static LoginRefusal tooManySessions(String why) {
        return new LoginRefusal(AuthFailureReason.SESSION_LIMIT, why);
    }

    /** The account logged in more often than it may, lately. */
    public static LoginRefusal tooOften(String why) {
        return new LoginRefusal(AuthFailureReason.LOGIN_RATE, why);
    }
}
