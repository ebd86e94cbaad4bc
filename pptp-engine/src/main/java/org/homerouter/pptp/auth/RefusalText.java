package org.homerouter.pptp.auth;

/**
 * The words a PAP Authenticate-Nak (RFC 1334 §2.2.2) or CHAP Failure (RFC 1994 §4.2) carries: the
 * peer may show them (pppd logs them). Both fields are free text, so an account refused after its
 * password proved right is told why, as MS-CHAPv2's Failure tells it ({@link MsChapV2Authenticator}).
 * Every other refusal, a wrong password or an unknown name among them, gets the one generic text,
 * so that the answer tells a guesser nothing about which names exist.
 */
final class RefusalText {
    static final String GENERIC = "Access denied";

    private RefusalText() {
    }

    /** @param reason why the authenticator refused */
    static String of(AuthFailureReason reason) {
        return switch (reason) {
            // Only ever given once the password was checked right (see the authenticators).
            case ACCOUNT_DISABLED -> MsChapV2Authenticator.ACCOUNT_DISABLED;
            case SESSION_LIMIT -> MsChapV2Authenticator.TOO_MANY_SESSIONS;
            case LOGIN_RATE -> MsChapV2Authenticator.TOO_MANY_LOGINS;
            default -> GENERIC;
        };
    }
}
