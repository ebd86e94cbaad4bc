package org.homerouter.webui;

import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/** One request as the routes see it: the browser's session, the form, the client address. */
final class Exchange {
    final Request request;
    final AdminSessions.Session session;
    final Fields parameters;
    final String clientAddress;
    /** Set by a route that logs the browser in or out: the cookie then carries this one. */
    AdminSessions.Session newSession;
    /** The known-device cookie the browser sent, unchecked ({@link KnownDevices#check}); else null. */
    final String deviceCookie;
    /** Set by a route where the admin password was shown: the browser is known from now on. */
    String newDeviceCookie;
    /** Set by a route that switched HTTPS off: the browser is about to go on over plain HTTP. */
    boolean httpsGoingOff;
    /** Why HTTPS, switched on, is not serving (every page says so, the login page above all); else null. */
    String httpsFailure;
    /**
     * For an admin's pages, what every one says: the clock not set by a time server (the Dashboard
     * alone said so, while VPN users showed a login of this morning at the time the router booted
     * with), the data partition full. Read only when a page is drawn, not for the JSON the open
     * Dashboards poll every 2 s. Null for anyone else.
     */
    org.homerouter.webui.api.SystemAdmin warnings;

    Exchange(Request request, AdminSessions.Session session, Fields parameters) {
        this.request = request;
        this.session = session;
        this.parameters = parameters;
        this.clientAddress = Request.getRemoteAddr(request);
        this.deviceCookie = KnownDevices.presented(request);
    }

    Form form() {
        return new Form(parameters);
    }

    String param(String name) {
        String v = parameters.getValue(name);
        return v == null ? "" : v;
    }

    boolean secure() {
        return request.isSecure();
    }

    /** The model every page starts from: its CSRF token, which nav entry is lit, and a one-shot notice. */
    Map<String, Object> model(String nav) {
        return model(nav, true);
    }

    /**
     * As {@link #model(String)}; without {@code takeFlash} the notice stays for the next page the
     * browser shows (a copy fetched in the background to redraw part of a page must not swallow it).
     */
    Map<String, Object> model(String nav, boolean takeFlash) {
        Map<String, Object> m = new HashMap<>();
        m.put("csrf", session == null ? "" : session.csrf);
        m.put("nav", nav);
        m.put("errors", Map.of());
        m.put("values", Map.of());
        AdminSessions.Flash flash = session == null || !takeFlash ? null : session.takeFlash();
        m.put("flash", flash == null ? "" : flash.message());
        m.put("flashWarning", flash != null && flash.warning());
        m.put("httpsFailure", httpsFailure == null ? "" : httpsFailure);
        m.put("clockNotSynchronized", warnings != null && warnings.clockNotSynchronized());
        m.put("storageFull", warnings == null ? "" : warnings.storageFull().orElse(""));
        // The logout, for the warning before it (session.js): only an admin's pages have one. Within the
        // last half hour of the 12-hour limit, that limit's: a page opened at 11 h 50 min was logged out
        // 10 minutes later without a word, and its "Stay logged in" could not have helped.
        boolean admin = session != null && session.admin;
        m.put("idleSeconds", admin ? session.loggedOutIn().toSeconds() : 0);
        m.put("loginEndsForGood", admin && session.endsForGood());
        return m;
    }
}
