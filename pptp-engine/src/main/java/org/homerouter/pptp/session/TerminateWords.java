package org.homerouter.pptp.session;

import org.homerouter.pptp.auth.MsChapV2Authenticator;

/**
 * What our LCP Terminate-Request tells the peer when this side ends the session for a
 * {@link SessionEnd} (RFC 1661 §5.5: the Data is the sender's; pppd logs it as "LCP terminated by
 * peer (...)", and fills it the same way itself: "Authentication failed", "MPPE required but peer
 * refused"). Short, and only what the peer's user may know: never the end's detail, which can name
 * other users or addresses, and a refused login says no more than its answer did, so that a
 * guesser learns nothing of which accounts exist, are locked out or had another password.
 */
final class TerminateWords {
    private TerminateWords() {
    }

    static String of(SessionEnd end, SessionRole role) {
        boolean server = role == SessionRole.SERVER;
        return switch (end) {
            case HUNG_UP -> server ? "Disconnected by the VPN server" : "User request";
            // ACCOUNTS_UNREADABLE too: refused before any password was checked, as a wrong one is (691).
            case AUTH_FAILED, PREVIOUS_PASSWORD, LOCKED_OUT, CHAP_SECRET_MISSING, ACCOUNTS_UNREADABLE ->
                    "Authentication failed";
            case ACCOUNT_DISABLED -> MsChapV2Authenticator.ACCOUNT_DISABLED;
            case TOO_MANY_SESSIONS -> MsChapV2Authenticator.TOO_MANY_SESSIONS;
            case LOGINS_TOO_OFTEN -> MsChapV2Authenticator.TOO_MANY_LOGINS;
            case OUTSIDE_LOGON_HOURS -> "Outside the account's logon hours";
            case SERVER_NOT_VERIFIED -> "The server did not prove that it knows the password";
            case AUTH_METHOD_REFUSED, AUTH_METHOD_UNSUPPORTED -> "No authentication method acceptable to both ends";
            case ENCRYPTION_REFUSED -> "No encryption (MPPE) acceptable to both ends";
            case ENCRYPTION_LOST -> "Encryption (MPPE) failed";
            case NO_ADDRESS -> server ? "No tunnel address left on the VPN server" : "No tunnel address given";
            case LCP_TIMEOUT -> "No answer during link setup";
            case LOGIN_TIMEOUT -> "Login not completed in time";
            case NO_GRE, GRE_ONE_WAY, GRE_SHARED_ADDRESS -> "GRE (IP protocol 47) does not get through";
            case PEER_DEAD, GRE_NOT_SENT -> "No answer to LCP echo requests";
            case DEVICE_FAILED -> "Tunnel interface failed";
            case REDIALED -> "Replaced by a new call with the same call ID";
            case MADE_ROOM, LOGIN_STALLED -> "Too many logins in progress";
            case RESTARTED_TOO_OFTEN -> "Renegotiated too often";
            case CONTROL_LOST -> "Control connection lost";
            case CALL_CLEARED -> "Call cleared";
        };
    }
}
