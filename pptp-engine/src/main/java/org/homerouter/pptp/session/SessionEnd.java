package org.homerouter.pptp.session;

/**
 * Why a session ended, in the terms the dashboard and the logs use (the Windows error a user sees
 * in parentheses where one applies).
 */
public enum SessionEnd {
    HUNG_UP("the link was closed normally"),
    AUTH_FAILED("authentication failed (Windows error 691)"),
    ACCOUNT_DISABLED("the account is disabled (Windows error 649)"),
    AUTH_METHOD_REFUSED("client and server share no allowed authentication method"),
    ENCRYPTION_REFUSED("client and server could not agree on encryption (Windows error 741/742)"),
    NO_ADDRESS("no tunnel address left in the pool"),
    LCP_TIMEOUT("the client stopped answering during link setup"),
    NO_GRE("no GRE (IP protocol 47) ever arrived from the client: GRE is blocked between the client and this "
            + "router — open or forward protocol 47, not just TCP port 1723 (Windows error 806/619)"),
    PEER_DEAD("the client stopped answering LCP echo requests"),
    DEVICE_FAILED("the tunnel interface could not be created, or was removed under the session"),
    TOO_MANY_SESSIONS("the user already has as many sessions as allowed (per-user limit)"),
    MADE_ROOM("still logging in when the router's limit on logins in progress was reached, most of them from this"
            + " client's address: it made room for a login from another address"),
    RESTARTED_TOO_OFTEN("the client renegotiated the connection over and over (" + PppSession.IP_RESTART_BURST
            + " times in quick succession, then more than once every 10 s)"),
    CALL_CLEARED("the PPTP call was cleared");

    private final String description;

    SessionEnd(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
