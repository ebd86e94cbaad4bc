package org.homerouter.pptp.session;

/**
 * Why a session ended, in the terms the dashboard and the logs use (the Windows error a user sees
 * in parentheses where one applies).
 */
public enum SessionEnd {
    HUNG_UP("the link was closed normally"),
    AUTH_FAILED("authentication failed (Windows error 691)",
            "the remote server refused the user name or password (Windows error 691)"),
    /** Server role only: see AuthFailureReason#PREVIOUS_PASSWORD. */
    PREVIOUS_PASSWORD("the client logged in with the account's password from before its last change (Windows error"
            + " 691): a device not yet given the new one"),
    ACCOUNT_DISABLED("the account is disabled (Windows error 647)",
            "the remote server refused the account although the password may be right: no dial-in permission,"
                    + " disabled or password expired (Windows errors 647-649)"),
    /** Client role only: MS-CHAPv2 E=646 (RFC 2759 §6), a refusal that the time of day mends. */
    OUTSIDE_LOGON_HOURS("the account may connect only at certain hours (Windows error 646)",
            "the remote server lets this account connect only at certain hours, and not now (Windows error 646)"),
    /** Server role only: refused before the password was checked (AuthFailureLockout). */
    LOCKED_OUT("refused without checking the password: the user name or the client's address is locked out after"
            + " repeated failed logins (Windows error 691)"),
    /** Server role only: the user accounts could not be read (UserDirectory.Unreadable); counts toward no lockout. */
    ACCOUNTS_UNREADABLE("this router could not read its list of VPN users, so it could not check the login"
            + " (the client sees a failed login, Windows error 691)"),
    /** Client role only: the MS-CHAPv2 Success lacked the right S= (RFC 2759 §8.8). */
    SERVER_NOT_VERIFIED("the server did not prove that it knows the password",
            "the remote server did not prove that it knows the password (its MS-CHAPv2 authenticator response"
                    + " was wrong): it may not be the server it claims to be"),
    /**
     * The client asked for a login method this router can do but its settings do not allow, or
     * refused to log in at all (the detail says which).
     */
    AUTH_METHOD_REFUSED("client and server share no allowed authentication method"),
    /** The client asked for a login method this router does not offer at all (EAP, MS-CHAP v1; the detail names it). */
    AUTH_METHOD_UNSUPPORTED("the client asked for a login method this router does not offer",
            "the remote server asked for a login method this router does not offer"),
    /**
     * CHAP-MD5 login of an account that has no CHAP secret: its password was set while CHAP-MD5
     * was not allowed, and only the NT hash of it is kept.
     */
    CHAP_SECRET_MISSING("the user logged in with CHAP-MD5, but the router has no CHAP-MD5 copy of their password"
            + " (it was set before CHAP-MD5 was allowed)"),
    ENCRYPTION_REFUSED("client and server could not agree on encryption (Windows error 741/742)"),
    NO_ADDRESS("no tunnel address left in the pool",
            "the remote server did not give the tunnel's addresses (IPCP; the detail says which was missing)"),
    LCP_TIMEOUT("the client stopped answering during link setup",
            "the remote server stopped answering during link setup"),
    /**
     * The link was set up (LCP Opened, so the peer's GRE got through both ways) but the login was
     * not completed in time: no answer to the login request after its retransmissions or within
     * the exchange's limit (RFC 1994 §4.1, RFC 1334 §2.2.1; AuthPolicy), or, on the server, no
     * login within PppSession#LOGIN_DEADLINE of the call. Told apart from {@link #LCP_TIMEOUT},
     * which sent the owner to look at the client's network, which had carried the link set-up.
     */
    LOGIN_TIMEOUT("the link was set up, but the client did not complete its login in time",
            "the link was set up, but the remote server did not complete this router's login in time"),
    NO_GRE("no GRE (IP protocol 47) ever arrived from the client: GRE is blocked between the client and this "
            + "router — open or forward protocol 47, not just TCP port 1723 (Windows error 806/619)",
            "no GRE (IP protocol 47) ever arrived from the remote server: GRE is blocked between it and this router"
                    + " (a firewall or NAT in between passes TCP port 1723 but not protocol 47; Windows error 806/619)"),
    GRE_ONE_WAY("GRE (IP protocol 47) from the client arrives, but this router's never reaches it: something on the"
            + " client's side (its own router, a firewall) drops GRE coming in (Windows error 806/619)",
            "GRE (IP protocol 47) from the remote server arrives, but this router's never reaches it: something between"
                    + " them drops GRE going to the server"),
    /**
     * Server role only: {@link #NO_GRE} or {@link #GRE_ONE_WAY} while another session from the same
     * address was logged in. A NAT router in front of several clients that tracks PPTP's GRE (which
     * has no ports, RFC 2637 §4) by address alone passes it for one of them at a time.
     */
    GRE_SHARED_ADDRESS("no GRE (IP protocol 47) got through for this client while another session from the same"
            + " address was up: most likely the router in front of them passes PPTP's GRE for one client at a time"
            + " (Windows error 806/619)"),
    PEER_DEAD("the client stopped answering LCP echo requests",
            "the remote server stopped answering LCP echo requests"),
    /** The peer went silent while this router's own sends to it were failing (EndDiagnosis#unsentSinceSent). */
    GRE_NOT_SENT("no answer to LCP echo requests while this router could not send to the client: its own system"
            + " refused the GRE (a firewall rule on this router, a WAN address that changed, a full send queue)",
            "no answer to LCP echo requests while this router could not send to the remote server: its own system"
                    + " refused the GRE (a firewall rule on this router, a WAN address that changed, a full send queue)"),
    DEVICE_FAILED("the tunnel interface could not be created, or was removed under the session"),
    /** Server role only: see PppSessions#tunnelUp. */
    REDIALED("the client dialled again from the same address with the same call ID on a new connection, which a"
            + " client does once it has lost this call (it restarted, or its laptop changed networks and back); or a"
            + " second client behind the same router picked the same call ID, and the two could not be told apart"),
    TOO_MANY_SESSIONS("the user already has as many sessions as allowed (per-user limit)",
            "the remote server says this account already has as many sessions there as it may (an earlier session of"
                    + " this router's not yet timed out there, or the account used elsewhere too)"),
    /**
     * The password was right, but the account had logged in more often lately than one may
     * ({@link LoginPace}): the login was refused, and waiting mends it. Not {@link #TOO_MANY_SESSIONS},
     * whose remedy (fewer sessions at once, a higher per-user limit) does nothing for this.
     */
    LOGINS_TOO_OFTEN("the account logged in more often than one may (" + LoginPace.BURST + " logins in quick"
            + " succession, or twice its sessions allowed where that is more, then " + LoginPace.PER_MINUTE
            + " a minute), so this login was refused although its"
            + " password was right: it may log in again after a wait",
            "the remote server says this account logged in there more often lately than it may: a later attempt,"
                    + " after a wait, gets past it"),
    /** Server role only: see PppSessions#admit and PppSessions#makeRoomIn. */
    MADE_ROOM("still logging in when the router's limit on logins in progress was reached (or every session place"
            + " or tunnel address was taken), most of those logging in being from this client's address: it made"
            + " room for a call from another address"),
    /** Server role only: see PppSessions#admit and PppSessions#makeRoomIn. */
    LOGIN_STALLED("still logging in when the router's limit on logins in progress was reached (or every session"
            + " place or tunnel address was taken), the client not having answered the link set-up or the login"
            + " request in the " + PppSessions.UNANSWERED_GRACE_SECONDS
            + " s or more since its call: it made room for another call"),
    RESTARTED_TOO_OFTEN("the client renegotiated the connection over and over (" + PppSession.IP_RESTART_BURST
            + " times in quick succession, then more than once every 10 s)",
            "the remote server renegotiated the connection over and over (" + PppSession.IP_RESTART_BURST
                    + " times in quick succession, then more than once every 10 s)"),
    /**
     * Encryption was up and then lost: the peer stopped it (CCP left Opened, RFC 3078 §4), left our
     * CCP Reset-Requests unanswered (stateful MPPE, RFC 3078 §8), or too many of its packets did
     * not decrypt. Not a hang-up: the link was ended because MPPE could not go on.
     */
    ENCRYPTION_LOST("the encryption (MPPE) broke down while the session was up, so this router ended the link",
            "the encryption (MPPE) with the remote server broke down while the session was up, so this router ended"
                    + " the link"),
    /**
     * The PPTP control connection (TCP port 1723) under the call was lost, not closed in order: no
     * Echo-Reply (RFC 2637 §2.4), a reset TCP connection, or a control message that could not be
     * decoded. A peer's Call-Clear-Request or Stop-Control-Connection-Request is {@link #CALL_CLEARED}.
     */
    CONTROL_LOST("the client's control connection (TCP port 1723) was lost while the session was up: the call"
            + " ended with it",
            "the control connection (TCP port 1723) to the remote server was lost while the session was up: the"
                    + " call ended with it"),
    CALL_CLEARED("the PPTP call was cleared");

    private final String description;
    private final String asClient;

    SessionEnd(String description) {
        this(description, description);
    }

    SessionEnd(String description, String asClient) {
        this.description = description;
        this.asClient = asClient;
    }

    /** As the server's administrator reads it: "the client" is the far end. */
    public String description() {
        return description;
    }

    /** As the administrator of the side in {@code role} reads it: the router dialing out says "the remote server". */
    public String description(SessionRole role) {
        return role == SessionRole.CLIENT ? asClient : description;
    }
}
