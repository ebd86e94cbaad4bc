package org.homerouter.appliance;

import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.session.LoginPace;
import org.homerouter.pptp.session.PppSessions;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionProblem;

/**
 * What a session's end, or a problem it ran into while up, means for the person at the router, and
 * what to do about it. The engine reports typed reasons ({@link SessionEnd}, {@link SessionProblem});
 * this turns each into a sentence and an action.
 */
final class Diagnosis {
    /** Where Windows keeps a VPN connection's login and encryption choices (not in the Settings app). */
    private static final String SECURITY_TAB = "the VPN connection's Properties in Control Panel › Network Connections"
            + " (ncpa.cpl), Security tab";

    /** Recorded for sessions a previous run left open (power cut, kill -9). */
    static final String INTERRUPTED = "INTERRUPTED";

    private Diagnosis() {
    }

    /** What happened, in plain words. */
    static String what(String reason) {
        if (reason == null) {
            return "";
        }
        if (INTERRUPTED.equals(reason)) {
            return "the router stopped or restarted while the session was up";
        }
        for (SessionEnd e : SessionEnd.values()) {
            if (e.name().equals(reason)) {
                return e.description();
            }
        }
        for (SessionProblem p : SessionProblem.values()) {
            if (p.name().equals(reason)) {
                return p.description();
            }
        }
        return reason;
    }

    /**
     * A failed login in a few words, for a table cell (the Users page's last connection): the
     * common refusals shortened, the rest as {@link #what}, whose sentences are short enough.
     */
    static String brief(String reason) {
        if (reason == null) {
            return "";
        }
        return switch (reason) {
            case "AUTH_FAILED" -> "wrong password or user name (Windows error 691)";
            case "LOCKED_OUT" -> "locked out after repeated failed logins";
            case "ACCOUNT_DISABLED" -> "the account is disabled";
            case "PREVIOUS_PASSWORD" -> "the old password, from before it was changed (Windows error 691)";
            case "LOGINS_TOO_OFTEN" -> "logged in too often lately: refused for a while";
            default -> what(reason);
        };
    }

    /** What to do about it ("" when nothing is wrong). */
    static String advice(String reason) {
        if (reason == null || INTERRUPTED.equals(reason)) {
            return INTERRUPTED.equals(reason) ? "Nothing, unless it repeats: then show the"
                    + " \"service\" events on the Logs page. A failure the service noticed is there; if none is, the"
                    + " power was cut or the system stopped it (the system log does not survive a restart)." : "";
        }
        if (SessionProblem.MTU_TROUBLE.name().equals(reason)) {
            return "The router lowered this session's tunnel MTU by itself, which mends TCP (web, mail, file "
                    + "shares). If the client still hangs on large transfers, lower the MTU on the client's side "
                    + "(Windows: netsh interface ipv4 set subinterface \"VPN name\" mtu=1300) or look for a link "
                    + "with a small MTU (PPPoE/DSL, mobile) between client and router that drops ICMP \"fragmentation "
                    + "needed\".";
        }
        SessionEnd end;
        try {
            end = SessionEnd.valueOf(reason);
        } catch (IllegalArgumentException e) {
            return "";
        }
        return switch (end) {
            case HUNG_UP, CALL_CLEARED -> "";
            case PREVIOUS_PASSWORD -> "Enter the account's new password on that device (it dialled from the address"
                    + " shown). Such logins count toward no lockout, so a device left with the old password does not"
                    + " lock the account out for everyone else; if no device should still have it, someone else"
                    + " knows the old password, which no longer works.";
            case AUTH_FAILED -> "Check the user name and password typed on the client (the password is"
                    + " case-sensitive, the user name is not); "
                    + "set a new password on the VPN users page if in doubt.";
            case LOCKED_OUT -> "Failed logins in a row locked this user name out for a while, or the client's address where"
                    + " they tried 3 or more names (longer with each"
                    + " further failure, up to 15 minutes; attempts while locked do not count). The user still logs in"
                    + " from an address they logged in from in the last 30 days. If the real user"
                    + " mistyped, lift it on the Lockouts page; if nobody here tried, someone is guessing passwords:"
                    + " give every VPN user a long one.";
            case ACCOUNTS_UNREADABLE -> "Not the user's fault, and not counted against them: the router's database"
                    + " failed when the login was checked (the detail gives the error). If it keeps happening, see the"
                    + " \"service\" events on the Logs page: a full or failing data partition is the usual cause.";
            case ACCOUNT_DISABLED -> "This VPN user is disabled on the VPN users page: enable them there if they should connect.";
            case SERVER_NOT_VERIFIED, OUTSIDE_LOGON_HOURS -> "Only this router's site-to-site dial-out meets this"
                    + " (from the server it dials): see the Site-to-site page.";
            case AUTH_METHOD_REFUSED -> "The client wants a login method this router can do but the VPN server page does"
                    + " not allow (the detail names it). Best: set the client to MS-CHAP v2 (Windows: " + SECURITY_TAB
                    + ", \"Allow these protocols\", tick only MS-CHAP v2), the"
                    + " only method that gives encryption keys. If that client can do nothing else, allow its method"
                    + " on the VPN server page with Encryption \"Optional\" (PAP and CHAP-MD5 give no encryption keys,"
                    + " so the page allows them only then): that client's sessions are then unencrypted.";
            case AUTH_METHOD_UNSUPPORTED -> "The client wants a login method this router does not have at all (the"
                    + " detail names it, such as EAP or MS-CHAP version 1): no setting here can allow it. Set the"
                    + " client to MS-CHAP v2 (Windows: " + SECURITY_TAB + ", \"Allow these protocols\", tick only"
                    + " MS-CHAP v2; not \"Use Extensible Authentication Protocol\").";
            case CHAP_SECRET_MISSING -> "This user's password was set before CHAP-MD5 was allowed, so the router"
                    + " keeps no copy of it that CHAP-MD5 can check. Set the user's password again on the VPN users"
                    + " page (now that CHAP-MD5 is allowed, the copy is kept), or better set the client to MS-CHAP v2"
                    + " (Windows: " + SECURITY_TAB + ").";
            // Two ways round, told apart by the detail: "relax the policy" sent an owner whose router
            // offered none (Encryption "None", or PAP alone) to loosen it further.
            case ENCRYPTION_REFUSED -> "Where the detail says this router offers none, the client is right to"
                    + " require encryption (Windows does by default): on the VPN server page choose Encryption"
                    + " \"Require 128-bit (recommended)\" with MS-CHAP v2 ticked (PAP and CHAP-MD5 give no keys)."
                    + " Otherwise the client refuses the encryption the VPN server page requires: set it to encrypt"
                    + " (Windows: Data encryption \"Require encryption\" with MS-CHAP v2; Linux and Android: MPPE on).";
            case ENCRYPTION_LOST -> "The encryption between the client and this router fell out of step, so the"
                    + " session could not go on (the detail says how). Most often it is the older stateful MPPE on a"
                    + " network that loses packets: on the VPN server page choose Encryption \"Require 128-bit"
                    + " (recommended)\", not the stateful one, and set the client to stateless if it has such a setting"
                    + " (Linux pppd: leave out mppe-stateful). If it keeps happening, the client's network loses many"
                    + " packets (weak Wi-Fi or mobile signal): try it from another network.";
            case CONTROL_LOST -> "The session's control connection (TCP port 1723) broke while it was up: the detail"
                    + " says how (no answer for a minute, a reset connection). Usually the client's network dropped"
                    + " it: it lost its connection, slept, or a router or firewall in between forgot the connection"
                    + " or reset it. Nothing to do unless it repeats; then check the client's network, or whether its"
                    + " router or firewall cuts long-lived connections.";
            case NO_ADDRESS -> "Every pool address is in use: enlarge the pool on the VPN server page or disconnect "
                    + "unused sessions.";
            case LCP_TIMEOUT -> "The client went silent while the link was set up: check its network. If it happens "
                    + "every time, something between client and router drops or mangles GRE (IP protocol 47).";
            // Not the client's network: the link was set up over it, GRE both ways. It sent owners to
            // firewalls and passthrough settings for a user who had left a password prompt open.
            case LOGIN_TIMEOUT -> "The client's network is not the problem: the link was set up, so GRE (IP protocol"
                    + " 47) gets through both ways. The client then did not complete its login in time (the detail"
                    + " says what it left unanswered). Typical causes: its user left the password prompt open or"
                    + " cancelled it, or the client does not answer the login method this router asks for (Windows: "
                    + SECURITY_TAB + ", \"Allow these protocols\", tick MS-CHAP v2). Nothing to do if the user"
                    + " then connected; if it repeats from an address you do not know, it is no real user.";
            case NO_GRE -> "Let IP protocol 47 (GRE) through every firewall and NAT router between the client and this "
                    + "router — forwarding TCP port 1723 alone is not enough; on the client's own router enable "
                    + "\"PPTP passthrough\".";
            case GRE_SHARED_ADDRESS -> "Another session was connected from the same address (the detail names"
                    + " whose): most likely these clients are behind one router that lets PPTP's GRE (IP protocol 47)"
                    + " through for one of them at a time. They cannot both be connected at once through it unless it"
                    + " supports PPTP passthrough for several clients (look for that in its settings or a firmware"
                    + " update); until then, connect one at a time. If it was the same user's earlier session, end it"
                    + " (Disconnect on the Dashboard) and let them dial again. If that router does pass GRE for"
                    + " several clients, this client's own firewall drops GRE: let protocol 47 in there.";
            case GRE_ONE_WAY -> "The client's own router or firewall lets GRE (IP protocol 47) out but not back in: "
                    + "enable \"PPTP passthrough\" (or \"VPN passthrough\") on the router in front of the client, or"
                    + " let protocol 47 in through its firewall. This router's side is fine: the client's GRE arrives.";
            case PEER_DEAD -> "The client vanished (sleep, lost Wi-Fi, a NAT timeout). Nothing to do unless it repeats; "
                    + "then check the client's connection.";
            case GRE_NOT_SENT -> "The client may well be fine: this router could not send to it. The session's detail"
                    + " gives the error and what it means: a firewall rule on this router that drops IP protocol 47 going"
                    + " out (let it out), a WAN address that changed under the session (the client reconnects to the new"
                    + " one), or a send queue kept full by an overloaded uplink.";
            case DEVICE_FAILED -> "The tunnel interface could not be created, or was removed while the session ran: run "
                    + "the appliance as root (or with CAP_NET_ADMIN), leave its pptpN interfaces alone, and see its log.";
            case REDIALED -> "Nothing to do if the client reconnected by itself: the new connection took this one's"
                    + " place at once (its address and session count too). If two computers behind one router were"
                    + " connecting at the same time, only one can while that router's PPTP passthrough does not keep"
                    + " their calls apart: connect them one at a time, or use a router that passes several.";
            case TOO_MANY_SESSIONS -> "This user already has as many sessions as one account may hold ("
                    + Setting.PPTP_MAX_SESSIONS_PER_USER.defaultValue() + " unless "
                    + Setting.PPTP_MAX_SESSIONS_PER_USER.key()
                    + " in an imported configuration says otherwise): "
                    + "disconnect one on the Dashboard, or give each person an account of their own. A client logging in"
                    + " with MS-CHAP v2 is told so at its login (Windows shows error 649, 'no permission to dial in';"
                    + " pppd logs 'Too many sessions for this account'); with PAP or CHAP-MD5 it hears a failed login"
                    + " (Windows error 691) whose message, which pppd logs, says the same.";
            // Not the per-user limit's advice: raising that does nothing for this.
            case LOGINS_TOO_OFTEN -> "This user logged in (with the right password) more often than one account may: "
                    + LoginPace.BURST + " logins in quick succession (or twice its sessions allowed, where that is"
                    + " more), then " + LoginPace.PER_MINUTE + " a minute, far"
                    + " more than a device reconnecting on a bad link needs. Each session costs the router writes to"
                    + " its storage and a place in the history, so the rest were refused; the user's sessions that"
                    + " were up stay up, and it can log in again after a wait (other users are not affected). If"
                    + " the device is set to reconnect in a loop, fix its VPN settings; if nobody should be"
                    + " connecting that often, the password may be known to someone else: change it on the VPN"
                    + " users page and disconnect the account's sessions on the Dashboard. A client logging in with"
                    + " MS-CHAP v2 is told so at its login, but Windows shows only error 649, 'no permission to dial"
                    + " in', and does not redial by itself: its user must connect again by hand after a minute (pppd"
                    + " logs '" + org.homerouter.pptp.auth.MsChapV2Authenticator.TOO_MANY_LOGINS + "'). Met by"
                    + " this router's site-to-site dial-out, it is the server it dials that refused: the dial-out"
                    + " tries again by itself after a wait.";
            case RESTARTED_TOO_OFTEN -> "The client kept renegotiating the connection, which costs the router work each "
                    + "time, so it was hung up. Update or reinstall the client's VPN software; if you do not know "
                    + "this client, change the account's password.";
            case MADE_ROOM -> "Many logins were in progress at once, most of them from this address, while every"
                    + " place for them was taken (the router takes " + Setting.PPTP_MAX_LOGGING_IN.defaultValue()
                    + " at once in all, half of them from one address, unless "
                    + Setting.PPTP_MAX_LOGGING_IN.key()
                    + " in an imported configuration says otherwise), or every session or tunnel address was: "
                    + "if this is not an office behind one address, someone is flooding the VPN server from it.";
            case LOGIN_STALLED -> "The client set up its call but had not answered the router's login request "
                    + PppSessions.UNANSWERED_GRACE_SECONDS + " s later, while every place for logins in progress ("
                    + Setting.PPTP_MAX_LOGGING_IN.key() + "), or every session or tunnel address, was taken, so it"
                    + " gave its place to a newer call. A"
                    + " client dialling normally answers within a second or two: if many of these come from addresses"
                    + " you do not know, someone is holding the VPN server's logins to keep users out (the router"
                    + " keeps letting new logins in past them).";
        };
    }

    /**
     * As {@link #advice(String)}, for a session from {@code client} while this router's route to the
     * internet leaves from {@code internetSide}. No GRE from a client on the internet while that
     * address is private: another router stands in front of this one, and the GRE most likely
     * stops there (many forward TCP port 1723 but not protocol 47). The advice alone sent the
     * owner to the client's side, which this router can tell is not the first place to look.
     */
    static String advice(String reason, String client, java.util.Optional<java.net.Inet4Address> internetSide) {
        String advice = advice(reason);
        if (!"NO_GRE".equals(reason) || internetSide.isEmpty() || !internetSide.get().isSiteLocalAddress()
                || !fromTheInternet(client)) {
            return advice;
        }
        return "This router is behind another router (its internet side has the private address "
                + internetSide.get().getHostAddress() + "): that router must pass GRE (IP protocol 47) to it, not only"
                + " TCP port 1723: set this router as its DMZ host, or enable its PPTP passthrough. If it already"
                + " does, look on the client's side: " + advice;
    }

    /**
     * Whether {@code client} (an address as text) is one on the internet: a client on a private
     * network (this router's LAN, or the network between it and the router in front) reaches it
     * without passing the router in front.
     */
    private static boolean fromTheInternet(String client) {
        try {
            java.net.InetAddress a = java.net.InetAddress.ofLiteral(client);
            return a instanceof java.net.Inet4Address v4 ? InternetReach.fromTheInternet(v4)
                    : !(a.isSiteLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A failed attempt or an abnormal end, as opposed to a normal hang-up. */
    static boolean failed(String reason, boolean wasUp) {
        if (reason == null) {
            return false;
        }
        boolean normal = "HUNG_UP".equals(reason) || "CALL_CLEARED".equals(reason);
        return !(normal && wasUp);
    }
}
