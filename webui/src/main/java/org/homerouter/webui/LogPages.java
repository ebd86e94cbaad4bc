package org.homerouter.webui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.LiveSessions;
import org.homerouter.webui.api.VpnLockouts;

/** The event log, and the lockouts of VPN and admin logins (with lifting one). */
final class LogPages {
    private final Backend b;
    private final LoginThrottle throttle;
    private final LongSupplier clockMs;

    LogPages(Backend backend, LoginThrottle throttle, LongSupplier clockMs) {
        this.b = backend;
        this.throttle = throttle;
        this.clockMs = clockMs;
    }

    static final List<String> EVENT_KINDS = List.of("admin", "admin-failure", "auth-failure", "connect", "disconnect", "problem", "config",
            "service", "dialout", "route");

    /**
     * What the Logs page calls each kind, in its filter and its Kind column: the stored codes
     * ("auth-failure", "dialout") meant nothing to an owner. The codes stay the filter's values, so
     * that a link with ?kind=dialout keeps working.
     */
    static final Map<String, String> KIND_LABELS = Map.of("admin", "Admin actions", "admin-failure",
            "Failed admin logins", "auth-failure", "Failed VPN logins", "connect", "VPN connections", "disconnect",
            "VPN disconnections", "problem", "Problems", "config", "Settings changed", "service", "System",
            "dialout", "Site-to-site tunnel", "route", "Branch offices' routes");

    /**
     * The events the Logs page shows, newest first, with no paging: it says so when there are more
     * (it said only "Kept for a year", and an owner looked for last spring's in vain), and how to
     * narrow them to reach further back (one kind).
     */
    static final int EVENTS_SHOWN = 300;

    Reply logs(Exchange x) {
        Map<String, Object> m = x.model("logs");
        String kind = EVENT_KINDS.contains(x.param("kind")) ? x.param("kind") : "";
        m.put("kind", kind);
        m.put("kinds", EVENT_KINDS);
        m.put("kindLabels", KIND_LABELS);
        // One more than shown: whether older ones exist, said only then.
        var events = b.events().recent(EVENTS_SHOWN + 1, kind.isEmpty() ? null : kind);
        m.put("moreEvents", events.size() > EVENTS_SHOWN);
        m.put("events", events.size() > EVENTS_SHOWN ? events.subList(0, EVENTS_SHOWN) : events);
        m.put("eventsShown", EVENTS_SHOWN);
        // As the Dashboard's: not the failed among the last rows, which a stranger's guesses filled.
        m.put("problems", b.sessions().problems(20));
        m.put("unknownUsers", b.sessions().unknownUserSummary());
        return new Reply.Page(200, "logs.ftlh", m);
    }

    /** VPN logins (per user name and per address, the engine's) and admin logins (per address and known browser, ours). */
    Reply lockouts(Exchange x) {
        Map<String, Object> m = x.model("lockouts");
        long now = clockMs.getAsLong();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (VpnLockouts.Lockout v : b.vpnLockouts().current()) {
            // A user name is what a peer sent: shown as the logs show it, not as another (U+202E, zero-width).
            rows.add(lockoutRow("vpn", v.key(), "VPN login", v.userName() ? "user name" : "source address",
                    org.homerouter.pptp.Printable.of(v.subject()), v.failures(), v.remainingSeconds(), now));
        }
        for (LoginThrottle.Lockout a : throttle.current()) {
            rows.add(lockoutRow("admin", a.address(), "admin login", "source address", a.address(), a.failures(),
                    a.secondsLeft(), now));
        }
        for (LoginThrottle.DeviceLockout d : throttle.currentDevices()) {
            rows.add(lockoutRow("admin-browser", d.device(), "admin login", "browser", knownBrowser(d), d.failures(),
                    d.secondsLeft(), now));
        }
        m.put("lockouts", rows);
        return new Reply.Page(200, "lockouts.ftlh", m);
    }

    /**
     * A known browser as its owner would recognise it: the cookie's id means nothing to them, the
     * address (their laptop's, as the DHCP page shows it) may.
     */
    private static String knownBrowser(LoginThrottle.DeviceLockout d) {
        return "a browser that logged in here before, last from " + d.lastAddress();
    }

    private static Map<String, Object> lockoutRow(String scope, String key, String login, String what, String subject,
                                                  int failures, long remainingSeconds, long now) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("scope", scope);
        r.put("key", key);
        r.put("login", login);
        r.put("what", what);
        r.put("subject", subject);
        r.put("failures", failures);
        r.put("remaining", remainingSeconds);
        r.put("until", now + remainingSeconds * 1000);
        return r;
    }

    Reply unlock(Exchange x) {
        String scope = x.param("scope");
        String key = x.param("key");
        boolean done;
        String what;
        if ("vpn".equals(scope)) {
            VpnLockouts.Lockout l = b.vpnLockouts().current().stream().filter(v -> v.key().equals(key)).findFirst()
                    .orElse(null);
            // The subject is what a peer sent (a user name): printable, as in the engine's own lines.
            what = l == null ? "" : "VPN login of " + (l.userName() ? "user name " : "address ")
                    + org.homerouter.pptp.Printable.of(l.subject());
            done = l != null && b.vpnLockouts().unlock(key, "lockout lifted by the admin: " + what);
        } else if ("admin-browser".equals(scope)) {
            LoginThrottle.DeviceLockout d = throttle.currentDevices().stream().filter(l -> l.device().equals(key))
                    .findFirst().orElse(null);
            what = d == null ? "" : "admin login of " + knownBrowser(d);
            done = d != null && throttle.unlockDevice(key);
            if (done) {
                b.events().log("admin", "lockout lifted by the admin: " + what);
            }
        } else if ("admin".equals(scope)) {
            what = "admin login from " + key;
            done = throttle.unlock(key);
            if (done) {
                b.events().log("admin", "lockout lifted by the admin: " + what);
            }
        } else {
            what = "";
            done = false;
        }
        if (done) {
            x.session.flash("Unlocked the " + what + ".");
        } else {
            x.session.warn("That lockout had already ended.");
        }
        return new Reply.Redirect("/lockouts");
    }
}
