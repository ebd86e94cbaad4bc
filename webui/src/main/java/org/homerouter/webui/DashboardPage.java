package org.homerouter.webui;

import java.util.Map;
import java.util.function.LongSupplier;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.LiveSessions;
import org.homerouter.webui.api.VpnSettings;

/** The Dashboard: the server's state, sessions and throughput; hanging up a session. */
final class DashboardPage {
    private final Backend b;
    /** Elapsed time only (see {@link WebServer}'s constructor), for what is reckoned from differences. */
    private final LongSupplier elapsedMs;

    /** The time of day, for {@link FirmwareAge}. */
    private final LongSupplier wallMs;

    DashboardPage(Backend backend, LongSupplier elapsedMs, LongSupplier wallMs) {
        this.wallMs = wallMs;
        this.b = backend;
        this.elapsedMs = elapsedMs;
    }

    Reply dashboard(Exchange x) {
        // ?live=1: dashboard.js fetching the page to redraw its tables in place.
        Map<String, Object> m = x.model("dashboard", !"1".equals(x.param("live")));
        m.put("state", b.sessions().state());
        m.put("active", b.sessions().active());
        m.put("history", b.sessions().history(15));
        // Not the failed among the last rows: a stranger guessing names pushed a user's own failure
        // (no GRE, a wrong password) out of those within minutes. Such guesses are summed up apart.
        m.put("problems", b.sessions().problems(5));
        m.put("unknownUsers", b.sessions().unknownUserSummary());
        m.put("users", b.users().count());
        m.put("firmwareOld", b.firmware().waitingForRestart().isPresent() ? ""
                : FirmwareAge.warning(b.firmware().version(), wallMs.getAsLong()).orElse(""));
        m.put("dialout", b.siteToSite().status());
        b.sessions().wanSide().ifPresent(w -> m.put("wan", Map.of("addresses", w.addresses(),
                "standing", w.standing().name(), "vpnPort", w.vpnPort().name(), "port", String.valueOf(w.port()),
                "first", w.addresses().isEmpty() ? "" : w.addresses().getFirst().split(" ")[0])));
        VpnSettings vpn = b.vpn().vpn();
        // MPPE keys come from MS-CHAPv2 alone (RFC 3079 §2): without it, or with "None", nothing is offered.
        m.put("clientsCannotEncrypt", "none".equals(vpn.mppe()) || !vpn.authMethods().contains("mschapv2"));
        return new Reply.Page(200, "dashboard.ftlh", m);
    }

    /**
     * t: elapsed time, not the time of day: dashboard.js divides the bytes between two polls by
     * the difference, and a step of the clock (months, on a board without a battery clock when its
     * time server first answers) would draw a rate of nearly nothing, or no point at all.
     */
    Reply throughput(Exchange x) {
        LiveSessions.Totals t = b.sessions().totals();
        return new Reply.Text(200, "application/json", "{\"t\":" + elapsedMs.getAsLong() + ",\"in\":" + t.bytesIn()
                + ",\"out\":" + t.bytesOut() + ",\"sessions\":" + t.sessions() + "}");
    }

    /**
     * The dashboard's Disconnect button only asks: its rows move as sessions come and go (a tap can
     * land on the next one), and the session may be the owner's own way in. The page names whom it
     * hangs up, and says so when this browser reaches the router through that very session.
     */
    Reply confirmDisconnect(Exchange x) {
        LiveSessions.ActiveSession s = activeSession(x.param("call_id"));
        if (s == null) {
            x.session.warn("That session had already ended.");
            return new Reply.Redirect("/");
        }
        Map<String, Object> m = x.model("dashboard");
        m.put("s", s);
        m.put("who", who(s));
        // The admin's browser at the session's tunnel address: the page came through the tunnel.
        m.put("own", !s.tunnelAddress().isEmpty() && s.tunnelAddress().equals(x.clientAddress));
        return new Reply.Page(200, "disconnect.ftlh", m);
    }

    Reply disconnect(Exchange x) {
        LiveSessions.ActiveSession s = activeSession(x.param("call_id"));
        String expected = x.param("who");
        if (s == null || !expected.isEmpty() && !expected.equals(who(s))) {
            // Ended meanwhile, or its call ID already belongs to another client: hang up nobody.
            x.session.warn("That session had already ended.");
            return new Reply.Redirect("/");
        }
        if (b.sessions().disconnect(s.callId(), "admin disconnected " + who(s))) {
            x.session.flash("Disconnected " + who(s) + ".");
        } else {
            x.session.warn("That session had already ended.");
        }
        return new Reply.Redirect("/");
    }

    /** The connected session with this call ID, or null (none, or not a number). */
    private LiveSessions.ActiveSession activeSession(String callId) {
        int id;
        try {
            id = Integer.parseInt(callId);
        } catch (NumberFormatException e) {
            return null;
        }
        return id < 0 ? null : b.sessions().active().stream().filter(s -> s.callId() == id).findFirst().orElse(null);
    }

    /** "alice (192.0.2.7)", as the event log and the notices name a session; the address alone before a login. */
    private static String who(LiveSessions.ActiveSession s) {
        return s.user().isEmpty() ? s.client() : s.user() + " (" + s.client() + ")";
    }
}
