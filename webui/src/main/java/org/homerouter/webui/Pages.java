package org.homerouter.webui;

import static org.homerouter.webui.Route.Access.ADMIN;
import static org.homerouter.webui.Route.Access.LOGIN;
import static org.homerouter.webui.Route.Access.METRICS;
import static org.homerouter.webui.Route.Access.PUBLIC;
import static org.homerouter.webui.Route.Access.SETUP;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.InboundForwardConflict;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.LanSettings;
import org.homerouter.webui.api.LiveSessions;
import org.homerouter.webui.api.SettingRefused;
import org.homerouter.webui.api.SiteToSite;
import org.homerouter.webui.api.SystemAdmin;
import org.homerouter.webui.api.UserAccounts.UserRow;
import org.homerouter.webui.api.VpnLockouts;
import org.homerouter.webui.api.VpnSettings;

/** Every page and form of the UI. {@link WebServer} has already checked session, setup and CSRF. */
final class Pages {
    private final Backend b;
    private final AdminSessions sessions;
    private final LoginThrottle throttle;
    /** The admin password hash the throttle's counts were made under (null: none checked yet). */
    private final java.util.concurrent.atomic.AtomicReference<String> throttledUnder = new java.util.concurrent.atomic.AtomicReference<>();
    private final KnownDevices devices;
    private final PasswordHasher hasher;
    private final LongSupplier clockMs;
    /** Elapsed time only (see {@link WebServer}'s constructor), for what is reckoned from differences. */
    private final LongSupplier elapsedMs;
    private final WebServer web;
    /**
     * Held from a settings form's check that the stored values are still those it was made from
     * ({@link FormVersion}) through its save: two browsers' saves in between would otherwise both
     * pass the check, and a save's log line compare with values another save replaced meanwhile.
     */
    private final Object saveLock = new Object();
    /** Which wrong admin passwords get a line of their own in the event log. */
    private final WrongPasswordRecords wrongPasswords = new WrongPasswordRecords();
    /** The admin's pages (GET, not the JSON under /api/): where a login may go on to ({@link #afterLogin}). */
    private final java.util.Set<String> adminPages;

    /** How many admin password checks are being computed now. */
    int passwordChecksRunning() {
        return hasher.running();
    }

    Pages(Backend backend, AdminSessions sessions, LoginThrottle throttle, KnownDevices devices, PasswordHasher hasher,
          LongSupplier clockMs, LongSupplier elapsedMs, WebServer web) {
        this.b = backend;
        this.sessions = sessions;
        this.throttle = throttle;
        this.devices = devices;
        this.hasher = hasher;
        this.clockMs = clockMs;
        this.elapsedMs = elapsedMs;
        this.web = web;
        this.adminPages = routes().stream().filter(r -> "GET".equals(r.method()) && r.access() == ADMIN
                && !r.path().startsWith("/api/")).map(Route::path).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    List<Route> routes() {
        return List.of(
                new Route("GET", "/healthz", PUBLIC, x -> new Reply.Text(200, "text/plain", "ok\n")),
                new Route("GET", "/moving", PUBLIC, this::moving),
                new Route("GET", "/setup", SETUP, x -> setupPage(x, setupNotes(x))),
                new Route("POST", "/setup", SETUP, this::setup),
                new Route("GET", "/login", LOGIN, x -> x.session.admin ? new Reply.Redirect(afterLogin(x.param("next")))
                        : loginPage(x)),
                new Route("POST", "/login", LOGIN, this::login),
                new Route("POST", "/logout", ADMIN, this::logout),
                new Route("GET", "/", ADMIN, this::dashboard),
                new Route("GET", "/api/throughput", ADMIN, this::throughput),
                // The idle warning's "Stay logged in" (session.js): activity, unlike the Dashboard's polls.
                new Route("GET", "/api/keepalive", ADMIN, x -> new Reply.Text(HttpStatus.OK_200, "text/plain", "ok\n")),
                new Route("GET", "/sessions/disconnect", ADMIN, this::confirmDisconnect),
                new Route("POST", "/sessions/disconnect", ADMIN, this::disconnect),
                new Route("GET", "/vpn", ADMIN, x -> vpnPage(x, null)),
                new Route("POST", "/vpn", ADMIN, locked(this::saveVpn)),
                new Route("GET", "/users", ADMIN, x -> usersPage(x, null, 200)),
                // Locked as the VPN page's save is: a user's static address is checked against the
                // pool there and the pool against users' static addresses here, each by what the
                // other stored; two admins saving both at once would otherwise leave one in the pool.
                new Route("POST", "/users/add", ADMIN, locked(this::addUser)),
                new Route("GET", "/users/edit", ADMIN, x -> editUserPage(x, null, 200)),
                new Route("POST", "/users/edit", ADMIN, locked(this::editUser)),
                new Route("POST", "/users/password", ADMIN, this::userPassword),
                new Route("POST", "/users/subnets", ADMIN, locked(this::userSubnets)),
                new Route("POST", "/users/delete", ADMIN, this::deleteUser),
                new Route("GET", "/passthrough", ADMIN, this::passthrough),
                new Route("POST", "/passthrough", ADMIN, locked(this::savePassthrough)),
                new Route("GET", "/site-to-site", ADMIN, x -> siteToSitePage(x, null)),
                new Route("POST", "/site-to-site", ADMIN, locked(this::saveSiteToSite)),
                new Route("GET", "/lan", ADMIN, x -> lanPage(x, null)),
                new Route("POST", "/lan", ADMIN, locked(this::saveLan)),
                new Route("GET", "/logs", ADMIN, this::logs),
                new Route("GET", "/lockouts", ADMIN, this::lockouts),
                new Route("POST", "/lockouts/unlock", ADMIN, this::unlock),
                new Route("GET", "/system", ADMIN, x -> systemPage(x, null, 200)),
                new Route("POST", "/system/password", ADMIN, this::adminPassword),
                new Route("POST", "/system/https", ADMIN, locked(this::https)),
                new Route("POST", "/system/export", ADMIN, this::exportConfig),
                new Route("POST", WebServer.IMPORT_PATH, ADMIN, locked(this::importConfig)),
                new Route("POST", "/system/reset", ADMIN, this::factoryReset),
                // The update file streams to the installer as it arrives: WebServer checks the
                // login and the CSRF token (from the query) before the body is read.
                new Route("POST", WebServer.FIRMWARE_PATH, ADMIN, this::installFirmware),
                new Route("POST", "/system/restart", ADMIN, this::restartRouter),
                new Route("GET", "/metrics", METRICS, x -> new Reply.Text(200, "text/plain; version=0.0.4",
                        Metrics.render(b.sessions().state(), b.sessions().totals(), b.sessions().active(),
                                b.passthrough().calls().size()))));
    }

    /** {@code action} under {@link #saveLock}. */
    private Route.Action locked(Route.Action action) {
        return x -> {
            synchronized (saveLock) {
                return action.handle(x);
            }
        };
    }

    boolean metricsTokenMatches(String authorization) {
        String token = b.system().metricsToken();
        return authorization != null && token != null && !token.isEmpty()
                && MessageDigest.isEqual(("Bearer " + token).getBytes(StandardCharsets.UTF_8),
                authorization.getBytes(StandardCharsets.UTF_8));
    }

    private Reply invalid(Exchange x, String template, String nav, Form form, Map<String, Object> extra) {
        Map<String, Object> m = x.model(nav);
        m.put("errors", form.errors);
        m.put("values", form.values());
        m.putAll(extra);
        return new Reply.Page(HttpStatus.BAD_REQUEST_400, template, m);
    }

    // ---- first run, login ---------------------------------------------------------------------

    private static final String HASHER_BUSY = "the router is checking other passwords right now: try again in a few seconds";

    private Reply loginPage(Exchange x) {
        Map<String, Object> m = x.model("login");
        m.putAll(loginNotes(x));
        return new Reply.Page(200, "login.ftlh", m);
    }

    /**
     * The way back in that the login page names for a forgotten password: this machine's command,
     * if it has one. Its paths (a home directory's, the database's) only to a browser on this
     * machine, where the command is typed: the page is shown to anyone before the login.
     */
    private Map<String, Object> loginNotes(Exchange x) {
        String command = b.system().adminPasswordCommand().orElse("");
        String shown = passwordCommandFor(command, x.clientAddress);
        // The page the login goes on to, kept by the form (also when it comes back refused).
        String next = afterLogin(x.param("next"));
        return Map.of("passwordCommand", shown, "passwordCommandGeneric", !shown.equals(command),
                "next", "/".equals(next) ? "" : next);
    }

    /** The longest {@code next} a login goes on to: a page's path and its query (a user's name) need far less. */
    static final int NEXT_MAX = 512;

    /**
     * Where a login goes on to: {@code next}, the page whose session had expired ({@link #loginFor}),
     * when it is one of the admin's pages of this UI by an absolute path; anything else, the
     * Dashboard. Not an open redirect: a link to the login from another site must not send the
     * admin on to it ("//evil.example" and "/\evil.example" are other hosts to a browser, which
     * also drops tabs and newlines from a URL), nor to this UI's other addresses (/logout).
     */
    String afterLogin(String next) {
        if (!sameOriginPath(next)) {
            return "/";
        }
        int query = next.indexOf('?');
        return adminPages.contains(query < 0 ? next : next.substring(0, query)) ? next : "/";
    }

    /**
     * Whether {@code next} is a path on this origin as every browser reads it: one "/" first (not
     * "//" or "/\", a host; no scheme), then printable ASCII only (no control characters, spaces
     * or backslashes, which browsers drop or read as "/"), at most {@link #NEXT_MAX} characters.
     */
    static boolean sameOriginPath(String next) {
        if (next == null || next.isEmpty() || next.length() > NEXT_MAX || next.charAt(0) != '/'
                || next.length() > 1 && next.charAt(1) == '/') {
            return false;
        }
        for (int i = 0; i < next.length(); i++) {
            char c = next.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /**
     * The login for a browser whose login ended (expired, the router restarted) on {@code page}, a
     * path and its query: the login goes back there. The Dashboard, where a login goes anyway, is not named.
     */
    static String loginFor(String page) {
        return "/".equals(page) || !sameOriginPath(page) ? "/login"
                : "/login?next=" + java.net.URLEncoder.encode(page, StandardCharsets.UTF_8);
    }

    /** {@code command} as a browser at {@code clientAddress} is shown it: whole on this machine, else without its paths. */
    static String passwordCommandFor(String command, String clientAddress) {
        boolean here;
        try {
            here = java.net.InetAddress.ofLiteral(clientAddress).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            here = false;
        }
        return command.isEmpty() || here ? command : "java -jar appliance.jar admin password --data-dir DIRECTORY";
    }

    /** What first-run setup says above its form: why the settings or the password are gone, why it refuses this browser. */
    private Map<String, Object> setupNotes(Exchange x) {
        return Map.of("settingsLost", b.system().settingsLost().orElse(""),
                "adminPasswordReset", b.system().adminPasswordReset().orElse(""),
                "setupRefused", b.system().setupRefusedFrom(x.clientAddress).orElse(""));
    }

    /**
     * First-run setup's page, saying why after a loss of the settings or a reset (the owner sees no
     * other page first); refused to this browser, its reason alone, with 403.
     */
    private Reply setupPage(Exchange x, Map<String, Object> notes) {
        Map<String, Object> m = x.model("setup");
        m.putAll(notes);
        return new Reply.Page(refused(notes) ? HttpStatus.FORBIDDEN_403 : HttpStatus.OK_200, "setup.ftlh", m);
    }

    private static boolean refused(Map<String, Object> setupNotes) {
        return !setupNotes.get("setupRefused").toString().isEmpty();
    }

    private Reply setup(Exchange x) {
        Map<String, Object> notes = setupNotes(x);
        if (refused(notes)) {
            return setupPage(x, notes);
        }
        Form form = x.form();
        checkNewAdminPassword(form);
        if (!form.ok()) {
            return invalid(x, "setup.ftlh", "setup", form, notes);
        }
        String hash;
        try {
            hash = hasher.hash(form.raw("password"));
        } catch (PasswordHasher.Busy e) {
            form.error("password", HASHER_BUSY);
            return invalidStatus(invalid(x, "setup.ftlh", "setup", form, notes), HttpStatus.SERVICE_UNAVAILABLE_503);
        }
        // Stored only if still unset: the guard's check that setup is due ran before the hashing,
        // and another browser's setup may have finished meanwhile. That one's password stands.
        if (!b.admin().setFirstPasswordHash(hash, "admin password set at first-run setup from " + x.clientAddress)) {
            b.events().log("admin", "first-run setup from " + x.clientAddress
                    + " refused: the admin password had been set moments before");
            x.session.warn("The admin password was set from another browser a moment ago; yours was not saved. "
                    + "Log in with that password.");
            return new Reply.Redirect("/login");
        }
        throttle.succeeded(x.clientAddress, null); // the admin's own device, as after a login
        x.newDeviceCookie = devices.issue(hash);
        x.newSession = loggedIn(x, hash);
        x.newSession.flash("Admin password set. Next: add a VPN user and check the VPN server settings.");
        return new Reply.Redirect("/");
    }

    private static void checkNewAdminPassword(Form form) {
        String pw = form.raw("password");
        if (pw.length() < 10) {
            form.error("password", "use at least 10 characters: this password guards the whole router");
        } else if (pw.length() > 256) {
            form.error("password", "at most 256 characters");
        } else if (!pw.equals(form.raw("password_again"))) {
            form.error("password_again", "the two passwords differ");
        }
    }

    private AdminSessions.Session loggedIn(Exchange x, String passwordHash) {
        sessions.remove(x.session);
        return sessions.createAdmin(passwordHash);
    }

    private Reply login(Exchange x) {
        Form form = x.form();
        String refused = throttleRefusal(x);
        if (refused != null) {
            form.error("password", refused);
            return invalidStatus(invalid(x, "login.ftlh", "login", form, loginNotes(x)), HttpStatus.TOO_MANY_REQUESTS_429);
        }
        boolean right;
        String stored = b.admin().passwordHash().orElse(null);
        try {
            right = hasher.verify(form.raw("password"), stored);
        } catch (PasswordHasher.Busy e) {
            // Not a failure: the password was not looked at. The address may try again in a second.
            form.error("password", HASHER_BUSY);
            return invalidStatus(invalid(x, "login.ftlh", "login", form, loginNotes(x)), HttpStatus.SERVICE_UNAVAILABLE_503);
        }
        if (right) {
            throttle.succeeded(x.clientAddress, knownDevice(x));
            String leftOut = wrongPasswords.leftOut(); // the owner learns of a burst that has stopped
            if (leftOut != null) {
                b.events().log("admin-failure", leftOut);
            }
            b.events().log("admin", "admin logged in from " + x.clientAddress);
            x.newDeviceCookie = devices.issue(stored); // a fresh one: another year from now
            x.newSession = loggedIn(x, stored);
            return new Reply.Redirect(afterLogin(form.raw("next")));
        }
        boolean locked = wrongAdminPassword(x, "admin password");
        form.error("password", locked ? "wrong password; too many attempts: locked for "
                + LoginThrottle.LOCKOUT.toMinutes() + " minutes" : "wrong password");
        return invalidStatus(invalid(x, "login.ftlh", "login", form, loginNotes(x)), HttpStatus.UNAUTHORIZED_401);
    }

    /**
     * The current admin password, asked again before what a logged-in browser must not do alone
     * (change the password, reset the router, download the accounts' hashes). Checked through the login's throttle: otherwise a
     * session left open on a shared computer could be used to guess it as fast as Argon2 allows.
     *
     * @param field where the password is and its error goes
     * @param what  for the event log: "at a password change"
     * @return whether it is right (else the field says why)
     */
    private boolean currentPasswordConfirmed(Exchange x, Form form, String field, String what)
            throws PasswordHasher.Busy {
        return currentPasswordConfirmed(x, form, field, what, b.admin().passwordHash().orElse(null));
    }

    /** As above, against {@code stored}, the hash as read before (the one a change replaces). */
    private boolean currentPasswordConfirmed(Exchange x, Form form, String field, String what, String stored)
            throws PasswordHasher.Busy {
        String refused = throttleRefusal(x);
        if (refused != null) {
            form.error(field, refused);
            return false;
        }
        if (hasher.verify(form.raw(field), stored)) {
            throttle.succeeded(x.clientAddress, knownDevice(x)); // as after a login: earlier typos no longer count
            return true;
        }
        boolean locked = wrongAdminPassword(x, "current admin password " + what);
        form.error(field, "that is not the current admin password" + (locked ? "; too many attempts: locked for "
                + LoginThrottle.LOCKOUT.toMinutes() + " minutes" : ""));
        return false;
    }

    /** Why the login throttle lets this browser check no password now, or null if it may. */
    private String throttleRefusal(Exchange x) {
        String hash = b.admin().passwordHash().orElse("");
        String before = throttledUnder.getAndSet(hash);
        if (before != null && !before.equals(hash)) {
            // Changed elsewhere too (the command line), where no page could tell the throttle.
            throttle.passwordChanged();
        }
        String device = knownDevice(x);
        return switch (throttle.attempt(x.clientAddress, device)) {
            case LoginThrottle.Verdict.LockedOut l -> "too many wrong passwords from "
                    + (device != null ? "this browser" : x.clientAddress)
                    + ": locked for another " + (l.secondsLeft() + 59) / 60 + " minute(s)";
            case LoginThrottle.Verdict.TooFast t -> t.why();
            case LoginThrottle.Verdict.Allowed a -> null;
        };
    }

    /**
     * A wrong password ({@code what}: "admin password") counted against the address (and the known
     * browser, if it is one) and logged; whether it locked out what the next attempt is checked by.
     */
    private boolean wrongAdminPassword(Exchange x, String what) {
        boolean locked = throttle.failed(x.clientAddress, knownDevice(x));
        // A kind of its own: anyone who reaches the login makes these (about 720 an hour from many
        // addresses), and they are kept apart from the administrator's record, which they would
        // otherwise push out of the event log. Budgeted: each line is a synced write to flash.
        String leftOut = wrongPasswords.admit(x.clientAddress, locked, elapsedMs.getAsLong());
        if (leftOut != null) {
            b.events().log("admin-failure", "wrong " + what + " from " + x.clientAddress
                    + (locked ? "; locked out for " + LoginThrottle.LOCKOUT.toMinutes() + " minutes" : "") + leftOut);
        }
        return locked;
    }

    /** The id of the known-device cookie this browser sent, when genuine and made under the current password; else null. */
    private String knownDevice(Exchange x) {
        return x.deviceCookie == null ? null : devices.check(x.deviceCookie);
    }

    /**
     * A refused form comes back with its password boxes empty (a password is never sent back to the
     * browser): said at the new password's box (unless its own error is there already), or the
     * owner who corrects the other field is refused again, now for an empty password.
     */
    private static void typeThePasswordsAgain(Form form, String field) {
        if (!form.raw(field).isEmpty()) {
            form.error(field, "not kept: type the password again in both boxes");
        }
    }

    private static Reply invalidStatus(Reply r, int status) {
        Reply.Page p = (Reply.Page) r;
        return new Reply.Page(status, p.template(), p.model());
    }

    private Reply logout(Exchange x) {
        sessions.remove(x.session);
        b.events().log("admin", "admin logged out");
        x.newSession = sessions.createAnonymous(x.clientAddress);
        return new Reply.Redirect("/login");
    }

    // ---- dashboard ----------------------------------------------------------------------------

    private Reply dashboard(Exchange x) {
        // ?live=1: dashboard.js fetching the page to redraw its tables in place.
        Map<String, Object> m = x.model("dashboard", !"1".equals(x.param("live")));
        m.put("state", b.sessions().state());
        m.put("active", b.sessions().active());
        List<LiveSessions.SessionRecord> history = b.sessions().history(50);
        m.put("history", history.stream().limit(15).toList());
        m.put("problems", history.stream().filter(LiveSessions.SessionRecord::failed).limit(5).toList());
        m.put("users", b.users().count());
        m.put("dialout", b.siteToSite().status());
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
    private Reply throughput(Exchange x) {
        LiveSessions.Totals t = b.sessions().totals();
        return new Reply.Text(200, "application/json", "{\"t\":" + elapsedMs.getAsLong() + ",\"in\":" + t.bytesIn()
                + ",\"out\":" + t.bytesOut() + ",\"sessions\":" + t.sessions() + "}");
    }

    /**
     * The dashboard's Disconnect button only asks: its rows move as sessions come and go (a tap can
     * land on the next one), and the session may be the owner's own way in. The page names whom it
     * hangs up, and says so when this browser reaches the router through that very session.
     */
    private Reply confirmDisconnect(Exchange x) {
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

    private Reply disconnect(Exchange x) {
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

    // ---- VPN server ---------------------------------------------------------------------------

    private Reply vpnPage(Exchange x, Form invalid) {
        Map<String, Object> m = x.model("vpn");
        VpnSettings current = b.vpn().vpn();
        m.put("state", b.sessions().state());
        m.put("lans", b.vpn().lanNetworks().stream().map(Object::toString).toList());
        m.put("hostDns", b.vpn().hostNameServers());
        m.put("labels", VpnForm.LABELS);
        Map<String, ?> values;
        if (invalid == null) {
            values = VpnForm.values(current);
            m.put("auth", List.copyOf(current.authMethods()));
        } else {
            values = invalid.values();
            m.put("errors", invalid.errors);
            m.put("auth", invalid.all("auth"));
        }
        m.put("values", values);
        m.put("version", FormVersion.shown(invalid, FormVersion.vpn(current)));
        String note = VpnForm.sessionsBeyondPoolNote(String.valueOf(values.get("pool_start")),
                String.valueOf(values.get("pool_end")), String.valueOf(values.get("max_sessions")));
        if (note != null) {
            m.put("sessionsNote", note);
        }
        return new Reply.Page(invalid == null ? 200 : HttpStatus.BAD_REQUEST_400, "vpn.ftlh", m);
    }

    private Reply saveVpn(Exchange x) {
        Form form = x.form();
        VpnSettings s = VpnForm.read(form, b.vpn().lanNetworks()); // read first: what it sends counts too
        if (FormVersion.stale(form, FormVersion.vpn(b.vpn().vpn()), s == null ? null : FormVersion.vpn(s))) {
            return FormVersion.conflict(vpnPage(x, null));
        }
        if (s != null && InboundForwardConflict.exists(s, b.vpn().inboundServer(), b.vpn().lanNetworks())) {
            form.error("listen_address", InboundForwardConflict.forServer(b.vpn().inboundServer()));
            s = null;
        }
        VpnSettings old = b.vpn().vpn();
        String uiPort = s == null ? null : webUiPortClash(s, old);
        if (uiPort != null) {
            form.error("port", uiPort);
            s = null;
        }
        if (s != null) {
            VpnForm.checkKeylessMethods(form, s);
            VpnForm.checkStaticAddresses(form, old, s, b.users().users());
            s = form.ok() ? s : null;
        }
        if (s == null) {
            return vpnPage(x, form);
        }
        List<String> connected = b.vpn().restartsServer(old, s) ? b.sessions().connected() : List.of();
        if (!connected.isEmpty() && !"yes".equals(form.get("disconnect"))) {
            // Asked first: the family on the VPN would otherwise be cut off by a save that only says "applied".
            Map<String, Object> m = ((Reply.Page) vpnPage(x, form)).model();
            m.put("disconnecting", connected);
            m.put("notSaved", true); // the title says so: the form looks as sent, as after a save
            return new Reply.Page(HttpStatus.CONFLICT_409, "vpn.ftlh", m);
        }
        try {
            b.vpn().apply(s, "VPN server settings changed: " + describeChanges(old, s));
        } catch (SettingRefused e) {
            form.error(e.field(), e.getMessage() + "; nothing was changed");
            return vpnPage(x, form);
        } catch (IllegalArgumentException e) {
            form.error("port", e.getMessage() + "; nothing was changed");
            return vpnPage(x, form);
        }
        int pool = VpnForm.poolSmallerThanSessions(s.poolStart(), s.poolEnd(), String.valueOf(s.maxSessions()));
        x.session.flash(pool == 0 ? "Saved and applied." : "Saved and applied. Note: at most " + pool
                + (pool == 1 ? " client" : " clients") + " can be connected at once, as many as the pool holds (see "
                + VpnForm.LABELS.get("max_sessions") + ").");
        return new Reply.Redirect("/vpn");
    }

    /**
     * Why the VPN server cannot have the port chosen, when it is this web UI's own, or null: the
     * System page refuses it the other way round. Otherwise the listener fails and the page blames
     * "another program". Asked when the port changes or the server is switched on only: a save that
     * leaves a listener as it is must not be refused for it.
     */
    private String webUiPortClash(VpnSettings s, VpnSettings old) {
        if (s.port() == old.port() && (old.enabled() || !s.enabled())) {
            return null;
        }
        if (s.port() == web.httpPort()) {
            return "port " + s.port() + " serves this web UI over plain HTTP: choose another";
        }
        if (s.port() == web.httpsPort() || b.system().httpsEnabled() && s.port() == b.system().httpsPort()) {
            return "port " + s.port() + " serves this web UI over HTTPS (see the System page): choose another";
        }
        return null;
    }

    static String describeChanges(VpnSettings a, VpnSettings c) {
        List<String> out = new ArrayList<>();
        if (a.enabled() != c.enabled()) {
            out.add(c.enabled() ? "server enabled" : "server disabled");
        }
        if (!a.listenAddress().equals(c.listenAddress()) || a.port() != c.port()) {
            out.add("listen " + c.listenAddress() + ":" + c.port());
        }
        if (!a.localAddress().equals(c.localAddress()) || !a.poolStart().equals(c.poolStart()) || !a.poolEnd().equals(c.poolEnd())) {
            out.add("tunnel " + c.localAddress() + ", pool " + c.poolStart() + "–" + c.poolEnd());
        }
        if (!a.dnsPrimary().equals(c.dnsPrimary()) || !a.dnsSecondary().equals(c.dnsSecondary())) {
            out.add("DNS " + (c.dnsPrimary() + " " + c.dnsSecondary()).trim());
        }
        if (!a.winsPrimary().equals(c.winsPrimary()) || !a.winsSecondary().equals(c.winsSecondary())) {
            out.add("WINS " + (c.winsPrimary() + " " + c.winsSecondary()).trim());
        }
        if (!a.authMethods().equals(c.authMethods())) {
            out.add("authentication " + String.join(",", c.authMethods()));
        }
        if (!a.mppe().equals(c.mppe())) {
            out.add("encryption " + c.mppe());
        }
        if (a.maxSessions() != c.maxSessions()) {
            out.add("max sessions " + c.maxSessions());
        }
        int pool = VpnForm.poolSmallerThanSessions(c.poolStart(), c.poolEnd(), String.valueOf(c.maxSessions()));
        if (pool > 0 && (a.maxSessions() != c.maxSessions() || !a.poolStart().equals(c.poolStart())
                || !a.poolEnd().equals(c.poolEnd()))) {
            out.add("at most " + pool + " at once: the pool holds " + pool);
        }
        if (a.idleTimeoutMinutes() != c.idleTimeoutMinutes()) {
            out.add("idle timeout " + c.idleTimeoutMinutes() + " min");
        }
        return out.isEmpty() ? "nothing" : String.join("; ", out);
    }

    // ---- users --------------------------------------------------------------------------------

    private Reply usersPage(Exchange x, Form invalid, int status) {
        Map<String, Object> m = x.model("users");
        m.put("users", b.users().users());
        m.put("vpn", b.vpn().vpn());
        if (invalid != null) {
            m.put("values", invalid.values());
            m.put("errors", invalid.errors);
        } else {
            m.put("values", Map.of("enabled", "on"));
        }
        return new Reply.Page(status, "users.ftlh", m);
    }

    private Reply addUser(Exchange x) {
        Form form = x.form();
        List<UserRow> users = b.users().users();
        String name = form.get("name");
        UserForm.checkName(form, name, users);
        UserForm.checkPassword(form);
        UserForm.checkStaticAddress(form, form.get("static_address"), name, b.vpn().vpn(), users);
        if (!form.ok()) {
            typeThePasswordsAgain(form, "password");
            return usersPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        if (!b.users().add(name, form.raw("password"), form.checked("enabled"), form.get("static_address"),
                "user " + name + " added")) {
            form.error("name", "a VPN user named " + name + " already exists");
            return usersPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        // The next step, which an owner adding the first user has not found yet: it sits folded on the Dashboard.
        savedWithPassword(x, "VPN user " + name + " added. How to set up their device: \"Setting up a client\" on the"
                + " Dashboard.", form.raw("password"));
        return new Reply.Redirect("/users");
    }

    private Reply editUserPage(Exchange x, Form invalid, int status) {
        String name = invalid == null ? x.param("name") : invalid.get("name");
        var user = b.users().user(name);
        if (user.isEmpty()) {
            x.session.warn("No VPN user " + name + ".");
            return new Reply.Redirect("/users");
        }
        Map<String, Object> m = x.model("users");
        m.put("user", user.get());
        m.put("vpn", b.vpn().vpn());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("static_address", user.get().staticAddress());
        v.put("routed_subnets", b.users().routedSubnets(name).replace(",", ", "));
        if (user.get().enabled()) {
            v.put("enabled", "on");
        }
        if (invalid != null) {
            // The page has two forms: the refused one shows what was typed, the other what is stored.
            if (invalid.values().containsKey("static_address")) {
                v.remove("enabled"); // the account form: an unchecked box sends nothing
            }
            v.putAll(invalid.values());
            m.put("errors", invalid.errors);
        }
        m.put("values", v);
        m.put("version", FormVersion.shown(invalid != null && invalid.values().containsKey("static_address") ? invalid
                : null, FormVersion.user(user.get())));
        m.put("subnetsVersion", FormVersion.shown(invalid != null && invalid.values().containsKey("routed_subnets")
                ? invalid : null, FormVersion.routedSubnets(user.get().name(), b.users().routedSubnets(name))));
        return new Reply.Page(status, "user.ftlh", m);
    }

    private Reply editUser(Exchange x) {
        Form form = x.form();
        String name = form.get("name");
        var row = b.users().user(name);
        if (row.isPresent() && FormVersion.stale(form, FormVersion.user(row.get()),
                FormVersion.user(name, form.checked("enabled"), form.get("static_address")))) {
            return FormVersion.conflict(editUserPage(x, null, HttpStatus.CONFLICT_409));
        }
        String stored = row.map(UserRow::staticAddress).orElse("");
        if (!form.get("static_address").equals(stored)) {
            // Only a new address is checked: one stored before the tunnel network or the pool
            // moved would otherwise keep the account from being saved at all, even to disable it.
            UserForm.checkStaticAddress(form, form.get("static_address"), name, b.vpn().vpn(), b.users().users());
        }
        if (!form.ok()) {
            return editUserPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        boolean enabled = form.checked("enabled");
        if (!b.users().update(name, enabled, form.get("static_address"), "user " + name + " changed: "
                + (enabled ? "enabled" : "disabled") + ", static address " + (form.get("static_address").isEmpty()
                ? "none" : form.get("static_address")))) {
            x.session.warn("No VPN user " + name + ".");
            return new Reply.Redirect("/users");
        }
        x.session.flash("VPN user " + name + " saved." + (enabled ? "" : " " + name
                + " is disabled: any connected session of theirs was ended."));
        return new Reply.Redirect("/users");
    }

    /** A branch office: the networks behind the account, routed into its tunnel from its next session. */
    private Reply userSubnets(Exchange x) {
        Form form = x.form();
        String name = form.get("name");
        String subnets = "";
        try {
            subnets = b.users().checkRoutedSubnets(name, form.get("routed_subnets"));
        } catch (IllegalArgumentException e) {
            form.error("routed_subnets", e.getMessage());
        }
        // A page opened before another tab changed the networks would put its own list back.
        var row = b.users().user(name);
        if (row.isPresent() && FormVersion.stale(form, FormVersion.routedSubnets(row.get().name(),
                b.users().routedSubnets(name)), form.ok() ? FormVersion.routedSubnets(row.get().name(), subnets) : null)) {
            return FormVersion.conflict(editUserPage(x, null, HttpStatus.CONFLICT_409));
        }
        if (!form.ok()) {
            return editUserPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        if (!b.users().setRoutedSubnets(name, subnets, "user " + name + " routes "
                + (subnets.isEmpty() ? "no networks" : subnets))) {
            x.session.warn("No VPN user " + name + ".");
            return new Reply.Redirect("/users");
        }
        x.session.flash(subnets.isEmpty() ? "No networks behind " + name + ": none are routed into its tunnel."
                : "Networks behind " + name + ": " + subnets + ", routed into its tunnel from its next session.");
        return new Reply.Redirect("/users/edit?name=" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8));
    }

    private Reply userPassword(Exchange x) {
        Form form = x.form();
        String name = form.get("name");
        UserForm.checkPassword(form);
        if (!form.ok()) {
            return editUserPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        if (!b.users().setPassword(name, form.raw("password"), "password of user " + name + " changed")) {
            x.session.warn("No VPN user " + name + ".");
            return new Reply.Redirect("/users");
        }
        savedWithPassword(x, "Password of " + name + " changed. Sessions logged in with the old password were ended: "
                + name + " connects again with the new one.", form.raw("password"));
        return new Reply.Redirect("/users");
    }

    /** {@code saved}, as a warning with what it means when {@code password} is too long for pppd-based clients. */
    private static void savedWithPassword(Exchange x, String saved, String password) {
        if (NtPasswordHash.tooLongForPppd(password)) {
            x.session.warn(saved + " " + NtPasswordHash.TOO_LONG_FOR_PPPD_NOTE);
        } else {
            x.session.flash(saved);
        }
    }

    private Reply deleteUser(Exchange x) {
        String name = x.param("name");
        if (!"yes".equals(x.param("confirm"))) {
            // One click from the list only asks: the account goes for good and its sessions hang up.
            Map<String, Object> m = x.model("users");
            m.put("name", name);
            // Exactly this name's sessions, the ones deleting hangs up: a session carries its account's
            // own name (whatever case the client typed), and an older database may hold "Alice" beside "alice".
            m.put("connected", b.sessions().active().stream().filter(s -> s.user().equals(name)).count());
            return new Reply.Page(200, "delete-user.ftlh", m);
        }
        if (b.users().delete(name, "user " + name + " deleted")) {
            x.session.flash("VPN user " + name + " deleted.");
        } else {
            x.session.warn("No VPN user " + name + ".");
        }
        return new Reply.Redirect("/users");
    }

    // ---- site-to-site -------------------------------------------------------------------------

    private Reply siteToSitePage(Exchange x, Form invalid) {
        Map<String, Object> m = x.model("site-to-site");
        SiteToSite.Settings s = b.siteToSite().settings();
        m.put("status", b.siteToSite().status());
        m.put("passwordHint", s.passwordSet() ? "stored (only its hash); leave empty to keep it"
                : "the password of that account on the remote server");
        m.put("version", FormVersion.shown(invalid, FormVersion.siteToSite(s)));
        if (invalid != null) {
            m.put("values", invalid.values());
            m.put("errors", invalid.errors);
            return new Reply.Page(HttpStatus.BAD_REQUEST_400, "site-to-site.ftlh", m);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        if (s.enabled()) {
            v.put("enabled", "on");
        }
        v.put("server", s.server());
        v.put("user", s.user());
        v.put("mppe", s.mppe());
        v.put("subnets", s.subnets().replace(",", ", "));
        if (s.defaultRoute()) {
            v.put("default_route", "on");
        }
        m.put("values", v);
        return new Reply.Page(200, "site-to-site.ftlh", m);
    }

    private Reply saveSiteToSite(Exchange x) {
        Form form = x.form();
        SiteToSite.Settings stored = b.siteToSite().settings();
        boolean on = form.checked("enabled");
        String server = form.get("server");
        String user = form.get("user");
        String password = form.raw("password");
        String mppe = form.get("mppe");
        if (!server.isEmpty() && !SiteToSite.validServer(server) || on && server.isEmpty()) {
            form.error("server", SiteToSite.SERVER_RULE);
        }
        if (!user.isEmpty() && !SiteToSite.REMOTE_USER.matcher(user).matches() || on && user.isEmpty()) {
            form.error("user", SiteToSite.REMOTE_USER_RULE);
        }
        // The remote server's password is whatever its administrator chose: only MS-CHAPv2's
        // limit of 256 characters (RFC 2759 §8.7) applies, not this router's rule for its own accounts.
        if (password.length() > 256) {
            form.error("password", "a password has at most 256 characters");
        } else if (password.isEmpty() && on && !stored.passwordSet()) {
            form.error("password", "enter the password the remote server expects");
        }
        if (!VpnForm.MPPE.contains(mppe)) {
            form.error("mppe", "choose one of the listed policies");
        }
        String subnets = "";
        try {
            subnets = b.siteToSite().checkSubnets(Ipv4.valid(server) ? server : "", form.get("subnets"));
        } catch (IllegalArgumentException e) {
            form.error("subnets", e.getMessage());
        }
        boolean defaultRoute = form.checked("default_route");
        // Checked once the form is read, to compare what it sends with what is stored (a password
        // typed is not among the values the page shows, so it does not make the form another).
        if (FormVersion.stale(form, FormVersion.siteToSite(stored), form.ok() ? FormVersion.siteToSite(
                new SiteToSite.Settings(on, server, user, mppe, subnets, defaultRoute, stored.passwordSet())) : null)) {
            return FormVersion.conflict(siteToSitePage(x, null));
        }
        if (!form.ok()) {
            if (!password.isEmpty()) {
                // A password is never sent back to the browser, and an empty box keeps the stored
                // one: without this, correcting the other field and saving would keep the old password.
                form.error("password", "not saved with the rest: type the new password again");
            }
            return siteToSitePage(x, form);
        }
        b.siteToSite().apply(new SiteToSite.Settings(on, server, user, mppe, subnets, defaultRoute, stored.passwordSet()),
                password.isEmpty() ? null : password, "site-to-site dial-out " + (on ? "on, to " + server : "off")
                        + (subnets.isEmpty() ? "" : ", routing " + subnets) + (defaultRoute ? " and the default route" : ""));
        SiteToSite.Status now = b.siteToSite().status();
        if (on && "off".equals(now.phase())) {
            x.session.warn("Saved, but the tunnel cannot start: " + now.lastFailure());
        } else if (NtPasswordHash.beyondAscii(password)) {
            x.session.warn((on ? "Saved. The router dials " + server + " now." : "Saved.") + " "
                    + SiteToSite.BEYOND_ASCII_NOTE);
        } else {
            x.session.flash(on ? "Saved. The router dials " + server + " now." : "Saved. The site-to-site tunnel is off.");
        }
        return new Reply.Redirect("/site-to-site");
    }

    // ---- passthrough, logs --------------------------------------------------------------------

    private Reply passthrough(Exchange x) {
        return passthroughPage(x, null);
    }

    private Reply passthroughPage(Exchange x, Form invalid) {
        Map<String, Object> m = x.model("passthrough");
        m.put("calls", b.passthrough().calls());
        m.put("reason", b.passthrough().unavailableReason());
        m.put("version", FormVersion.shown(invalid, FormVersion.passthrough(b.vpn().passthroughEnabled(),
                b.vpn().inboundServer())));
        if (invalid != null) {
            m.put("values", invalid.values());
            m.put("errors", invalid.errors);
            return new Reply.Page(HttpStatus.BAD_REQUEST_400, "passthrough.ftlh", m);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        if (b.vpn().passthroughEnabled()) {
            v.put("enabled", "on");
        }
        v.put("inbound_server", b.vpn().inboundServer());
        m.put("values", v);
        return new Reply.Page(200, "passthrough.ftlh", m);
    }

    private Reply savePassthrough(Exchange x) {
        Form form = x.form();
        if (FormVersion.stale(form, FormVersion.passthrough(b.vpn().passthroughEnabled(), b.vpn().inboundServer()),
                FormVersion.passthrough(form.checked("enabled"), form.get("inbound_server")))) {
            return FormVersion.conflict(passthroughPage(x, null));
        }
        boolean on = form.checked("enabled");
        String inbound = form.get("inbound_server");
        if (!inbound.isEmpty()) {
            if (!Ipv4.valid(inbound)) {
                form.error("inbound_server", "Not an IPv4 address such as 192.168.1.10.");
            } else if (!Ipv4.rfc1918(Ipv4.parse(inbound))) { // the only place a LAN server forwarded to can be
                form.error("inbound_server", "The server must be inside the LAN: a private address "
                        + "(10.x.x.x, 172.16–31.x.x or 192.168.x.x).");
            } else if (!b.lan().inEffect() && !LanSettings.network(b.lan().address()).contains(Ipv4.parse(inbound))) {
                form.error("inbound_server", "The LAN moves to " + b.lan().address() + "/" + LanSettings.PREFIX
                        + " when the router restarts (the LAN page): the server must be inside it.");
            } else if (InboundForwardConflict.exists(b.vpn().vpn(), inbound, b.vpn().lanNetworks())) {
                form.error("inbound_server", InboundForwardConflict.forForward());
            }
        }
        if (!form.ok()) {
            return passthroughPage(x, form);
        }
        b.vpn().setPassthrough(on, inbound, "PPTP passthrough " + (on ? "enabled" : "disabled")
                + (inbound.isEmpty() ? ", no inbound forward" : ", inbound PPTP forwarded to " + inbound));
        String reason = b.passthrough().unavailableReason();
        String inboundFailure = b.passthrough().inboundFailure();
        String notice = (on ? reason.isEmpty() ? "Saved. Passthrough is on." : "Saved, but " + reason + "."
                : "Saved. Passthrough is off.") + (inbound.isEmpty() ? ""
                : inboundFailure.isEmpty() ? " Incoming PPTP goes to " + inbound + "."
                : " Incoming PPTP is not forwarded to " + inbound + ": " + inboundFailure + ".");
        if (on && !reason.isEmpty() || !inbound.isEmpty() && !inboundFailure.isEmpty()) {
            x.session.warn(notice);
        } else {
            x.session.flash(notice);
        }
        return new Reply.Redirect("/passthrough");
    }

    // ---- LAN ----------------------------------------------------------------------------------

    private Reply lanPage(Exchange x, Form invalid) {
        LanSettings lan = b.lan();
        Map<String, Object> m = x.model("lan");
        String address = lan.address();
        m.put("lanNotSettable", lan.notSettable().orElse(""));
        m.put("lanAddress", address);
        m.put("lanPending", !lan.inEffect());
        m.put("lanPool", lanPool(address));
        m.put("connected", b.sessions().connected());
        m.put("version", FormVersion.shown(invalid, FormVersion.lan(address)));
        if (invalid != null) {
            m.put("values", invalid.values());
            m.put("errors", invalid.errors);
            return new Reply.Page(HttpStatus.BAD_REQUEST_400, "lan.ftlh", m);
        }
        m.put("values", Map.of("address", address));
        return new Reply.Page(200, "lan.ftlh", m);
    }

    /** The addresses the router's DHCP server hands out in the /24 of {@code address}. */
    private static String lanPool(String address) {
        String net = address.substring(0, address.lastIndexOf('.') + 1);
        return net + LanSettings.POOL_FIRST + "–" + net + LanSettings.POOL_LAST;
    }

    private Reply saveLan(Exchange x) {
        LanSettings lan = b.lan();
        Form form = x.form();
        String address = form.get("address").strip();
        if (FormVersion.stale(form, FormVersion.lan(lan.address()), FormVersion.lan(address))) {
            return FormVersion.conflict(lanPage(x, null));
        }
        java.util.Optional<String> not = lan.notSettable();
        if (not.isPresent()) {
            x.session.warn("Not saved. " + not.get());
            return new Reply.Redirect("/lan");
        }
        LanSettings.formProblem(address).ifPresent(p -> form.error("address", p));
        if (form.ok()) {
            try {
                lan.set(address, x.clientAddress);
            } catch (SettingRefused e) {
                form.error(e.field(), e.getMessage());
            }
        }
        if (!form.ok()) {
            return lanPage(x, form);
        }
        if (lan.inEffect()) {
            x.session.flash("Saved. The LAN keeps " + address + ": nothing to restart.");
        } else {
            x.session.flash("Saved. The router takes " + address + " when it restarts (the button below).");
        }
        return new Reply.Redirect("/lan");
    }

    static final List<String> EVENT_KINDS = List.of("admin", "admin-failure", "auth-failure", "connect", "disconnect", "problem", "config",
            "service", "dialout", "route");

    private Reply logs(Exchange x) {
        Map<String, Object> m = x.model("logs");
        String kind = EVENT_KINDS.contains(x.param("kind")) ? x.param("kind") : "";
        m.put("kind", kind);
        m.put("kinds", EVENT_KINDS);
        m.put("events", b.events().recent(300, kind.isEmpty() ? null : kind));
        m.put("problems", b.sessions().history(200).stream().filter(LiveSessions.SessionRecord::failed).limit(20).toList());
        return new Reply.Page(200, "logs.ftlh", m);
    }

    // ---- lockouts -----------------------------------------------------------------------------

    /** VPN logins (per user name and per address, the engine's) and admin logins (per address and known browser, ours). */
    private Reply lockouts(Exchange x) {
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

    private Reply unlock(Exchange x) {
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

    // ---- system -------------------------------------------------------------------------------

    private Reply systemPage(Exchange x, Form invalid, int status) {
        Map<String, Object> m = x.model("system");
        m.put("metricsToken", b.system().metricsToken());
        m.put("connected", b.sessions().connected());
        // A factory reset takes a moved LAN back too, at the next restart: said before it is done.
        String lan = b.lan().address();
        m.put("lanMoved", b.lan().notSettable().isEmpty() && !LanSettings.DEFAULT_ADDRESS.equals(lan) ? lan : "");
        m.put("lanDefault", LanSettings.DEFAULT_ADDRESS);
        Map<String, Object> values = new java.util.HashMap<>();
        values.put("https_port", String.valueOf(b.system().httpsPort()));
        Map<String, String> errors = new java.util.HashMap<>();
        // Not among the form's errors: it is the state of the router, not a refused form, and
        // with it the page would say that nothing was saved whenever it is shown.
        m.put("httpsProblem", web.httpsFailure() == null ? "" : web.httpsFailure() + ". Until it starts, the UI is "
                + "served over plain HTTP only: free the port, or choose another and save.");
        boolean httpsTicked = b.system().httpsEnabled();
        if (invalid != null) {
            values.putAll(invalid.values());
            errors.putAll(invalid.errors);
            if (invalid.values().containsKey("https_port")) {
                httpsTicked = invalid.checked("enabled"); // the HTTPS form as it was sent
            }
        }
        m.put("https", httpsTicked);
        String fingerprint = web.certificateFingerprint();
        m.put("certificateFingerprint", fingerprint == null ? "" : fingerprint);
        org.homerouter.webui.api.Firmware firmware = b.firmware();
        m.put("firmwareVersion", firmware.version());
        m.put("firmwareNotUpdatable", firmware.notUpdatable().orElse(""));
        m.put("firmwareWaiting", firmware.waitingForRestart().orElse(""));
        m.put("firmwareFailed", firmware.lastUpdateFailed().orElse(""));
        m.put("version", FormVersion.shown(invalid != null && invalid.values().containsKey("https_port") ? invalid
                : null, FormVersion.https(b.system().httpsEnabled(), b.system().httpsPort())));
        m.put("values", values);
        m.put("errors", errors);
        return new Reply.Page(status, "system.ftlh", m);
    }

    private Reply adminPassword(Exchange x) {
        Form form = x.form();
        String hash = null;
        // The hash the current password is checked against is the one replaced, or none is: two
        // changes checked at the same moment (two browsers, a tab and the command line) were both
        // told "changed", and the one stored first was lost without a word.
        String before = b.admin().passwordHash().orElse(null);
        try {
            currentPasswordConfirmed(x, form, "current_password", "at a password change", before);
            checkNewAdminPassword(form);
            if (form.ok()) {
                hash = hasher.hash(form.raw("password"));
            }
        } catch (PasswordHasher.Busy e) {
            form.error("current_password", HASHER_BUSY);
            return systemPage(x, form, HttpStatus.SERVICE_UNAVAILABLE_503);
        }
        if (!form.ok()) {
            typeThePasswordsAgain(form, "password");
            return systemPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        if (!b.admin().changePasswordHash(before, hash, "admin password changed from " + x.clientAddress)) {
            form.error("current_password", "the admin password was changed a moment ago from another browser or"
                    + " the command line: yours was not saved. Log in with the new password, then change it again"
                    + " if you need to");
            typeThePasswordsAgain(form, "password");
            return systemPage(x, form, HttpStatus.CONFLICT_409);
        }
        // Other browsers logged in with the old password are logged out, and no longer known
        // devices (their cookies were made under the old hash); this one is known anew.
        sessions.removeAllAdmins();
        x.newDeviceCookie = devices.issue(hash);
        x.newSession = sessions.createAdmin(hash);
        x.newSession.flash("Admin password changed; other browsers were logged out.");
        return new Reply.Redirect("/system");
    }

    private Reply https(Exchange x) throws Exception {
        Form form = x.form();
        String sentPort = form.get("https_port");
        if (FormVersion.stale(form, FormVersion.https(b.system().httpsEnabled(), b.system().httpsPort()),
                sentPort.matches("\\d{1,5}") ? FormVersion.https(form.checked("enabled"), Integer.parseInt(sentPort)) : null)) {
            return FormVersion.conflict(systemPage(x, null, HttpStatus.CONFLICT_409));
        }
        boolean on = form.checked("enabled");
        int port = form.integer("https_port", "The HTTPS port", 1, 65535);
        if (form.ok() && port == web.httpPort()) {
            form.error("https_port", "port " + port + " serves the UI over plain HTTP: choose another");
        } else if (form.ok() && port == b.vpn().vpn().port()) {
            form.error("https_port", "port " + port + " is the VPN server's (PPTP): choose another");
        }
        if (!form.ok()) {
            return systemPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        boolean wasOn = b.system().httpsEnabled();
        int oldPort = b.system().httpsPort();
        if (on == wasOn && port == oldPort && (web.httpsPort() > 0) == on) {
            x.session.flash("Nothing to change.");
            return new Reply.Redirect("/system");
        }
        b.system().setHttps(on, port, !on ? "HTTPS for the web UI switched off"
                : wasOn ? "HTTPS for the web UI moved from port " + oldPort + " to " + port
                : "HTTPS for the web UI switched on (port " + port + ")");
        try {
            web.applyHttps();
        } catch (Exception e) {
            // E.g. the port is taken: what was in force stays (HTTPS where it was, or off), and
            // the reason is next to the field.
            b.system().setHttps(wasOn, oldPort, "HTTPS for the web UI not changed: port " + port + ": " + e.getMessage());
            form.error(on && port != oldPort ? "https_port" : "https",
                    "HTTPS could not start on port " + port + ": " + e.getMessage() + (wasOn ? "; it stays on port " + oldPort : ""));
            return systemPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        x.session.flash(on ? "HTTPS is on (port " + web.httpsPort() + "). Your browser will warn about the "
                + "self-signed certificate once; plain HTTP now redirects there." : "HTTPS is off.");
        return afterHttpsChange(x, "/system");
    }

    /**
     * The configuration as a download. It holds every account's NT hash (and the dial-out's), which
     * MS-CHAPv2 takes in place of the password: as with a reset, a browser left logged in must not
     * be enough, so it asks for the current admin password. A POST, so no link or GET can fetch it
     * (a GET answers 405, as any route's other method does).
     */
    private Reply exportConfig(Exchange x) {
        Form form = x.form();
        try {
            if (!currentPasswordConfirmed(x, form, "export_password", "at a configuration export")) {
                return exportRefused(x, form, HttpStatus.BAD_REQUEST_400);
            }
        } catch (PasswordHasher.Busy e) {
            form.error("export_password", HASHER_BUSY);
            return exportRefused(x, form, HttpStatus.SERVICE_UNAVAILABLE_503);
        }
        return new Reply.Text(200, "application/json", b.system().exportJson(
                "configuration exported, with the accounts' password hashes, to " + x.clientAddress),
                b.system().exportFileName(exportDay(x.param("local_date"))));
    }

    /**
     * The export's day in the owner's time zone, as import.js sends it from the browser: the
     * router's is UTC (an export at 20:00 in New York was named for the next day), and before a
     * time server answers its clock is the one it booted with. Without script, the router's UTC day.
     */
    static java.time.LocalDate exportDay(String browserDate) {
        try {
            java.time.LocalDate day = java.time.LocalDate.parse(browserDate);
            if (day.getYear() >= 2000 && day.getYear() <= 9999) {
                return day;
            }
        } catch (java.time.format.DateTimeParseException e) {
            // not sent, or not a date: the router's own
        }
        return java.time.LocalDate.now(java.time.ZoneOffset.UTC);
    }

    /** The System page with the export's refusal; its banner does not speak of saving, nothing was. */
    private Reply exportRefused(Exchange x, Form form, int status) {
        Reply.Page p = (Reply.Page) systemPage(x, form, status);
        p.model().put("errorSummary", "Nothing was exported: please correct the marked field.");
        return p;
    }

    private Reply importConfig(Exchange x) {
        Form form = x.form();
        String json = form.raw("config");
        if (json.isBlank()) {
            form.error("config", "paste an exported configuration (JSON) or choose the file");
        } else if (!form.checked("replace")) {
            form.error("replace", "tick this to confirm: the import replaces every setting and VPN user");
        }
        SystemAdmin.Imported imported = null;
        if (form.ok()) {
            try {
                imported = b.system().importJson(json, "configuration imported from " + x.clientAddress);
            } catch (IllegalArgumentException e) {
                form.error("config", "not imported, nothing changed: " + e.getMessage());
            }
        }
        if (!form.ok()) {
            return systemPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        // The import cut people off without asking (the page only warned): name them, or say nobody.
        String hungUp = imported.hungUp().isEmpty() ? " No VPN session was ended."
                : " Disconnected " + String.join("; ", imported.hungUp()) + ".";
        // What the file weakened, first: a tampered or old backup must not pass as the green "applied".
        String weakened = imported.weakened().isEmpty() ? ""
                : "This import weakened: " + String.join("; ", imported.weakened()) + ". ";
        // Kept, but not all in force: not the green "applied".
        List<String> notRunning = new java.util.ArrayList<>();
        imported.serverWaits().ifPresent(notRunning::add);
        imported.dialOutOff().ifPresent(why -> notRunning.add("the site-to-site tunnel is not started: " + why
                + " (correct it on the Site-to-site page)"));
        // Applied at the next restart, maybe weeks later: said now, with where to restart.
        LanSettings lan = b.lan();
        if (!lan.inEffect()) {
            notRunning.add("the LAN moves to " + lan.address() + " only when the router restarts (the LAN page's"
                    + " Restart button)");
        }
        if (!notRunning.isEmpty()) {
            x.session.warn(weakened + "Configuration imported, but " + String.join("; and ", notRunning) + "." + hungUp);
        } else if (!weakened.isEmpty()) {
            x.session.warn(weakened + "The configuration is in force: if the file was not meant to do this, set these"
                    + " back on their pages." + hungUp);
        } else {
            x.session.flash("Configuration imported and applied." + hungUp);
        }
        return afterHttpsChange(x, "/system");
    }

    /** After the last byte the installer still writes and reads back the slot: it may say nothing for a minute. */
    static final java.time.Duration INSTALL_IDLE = java.time.Duration.ofMinutes(5);

    private Reply installFirmware(Exchange x) throws Exception {
        org.homerouter.webui.api.Firmware firmware = b.firmware();
        java.util.Optional<String> not = firmware.notUpdatable();
        if (not.isPresent()) {
            x.session.warn("Nothing was installed. " + not.get());
            return new Reply.Redirect("/system#firmware");
        }
        org.eclipse.jetty.io.EndPoint endPoint = x.request.getConnectionMetaData().getConnection().getEndPoint();
        long idle = endPoint.getIdleTimeout();
        endPoint.setIdleTimeout(INSTALL_IDLE.toMillis());
        BundleUpload.Result r;
        try {
            r = BundleUpload.receive(x.request, firmware, x.clientAddress);
        } finally {
            endPoint.setIdleTimeout(idle); // the connection's next request is any other's
        }
        if (r.refused() != null) {
            x.session.warn("Nothing was installed. " + r.refused());
        } else if (r.outcome().installed()) {
            String version = firmware.waitingForRestart().orElse("The new firmware");
            x.session.flash("Installed: " + version + " starts when the router restarts (below). Until then it runs "
                    + firmware.version() + ".");
        } else {
            x.session.warn("The update was not installed, and the router runs on as it was: "
                    + installerWords(r.outcome().said()));
        }
        return new Reply.Redirect("/system#firmware");
    }

    /** The installer's lines as one paragraph, without the program's name before each. */
    static String installerWords(String said) {
        return said.lines().map(l -> l.replaceFirst("^homerouter-update: ", "").strip()).filter(l -> !l.isEmpty())
                .reduce((a, c) -> a + " " + c).orElse("it gave no reason");
    }

    private Reply restartRouter(Exchange x) {
        org.homerouter.webui.api.Firmware firmware = b.firmware();
        // Back where the button was (the LAN page's, or the System page's firmware section).
        String back = "lan".equals(x.form().get("from")) ? "/lan" : "/system#firmware";
        java.util.Optional<String> not = firmware.notUpdatable();
        if (not.isPresent()) {
            x.session.warn("The router was not restarted. " + not.get());
            return new Reply.Redirect(back);
        }
        String starting = firmware.waitingForRestart().orElse("");
        try {
            firmware.restart(x.clientAddress);
        } catch (java.io.IOException | RuntimeException e) {
            x.session.warn("The router was not restarted: " + e.getMessage());
            return new Reply.Redirect(back);
        }
        Map<String, Object> m = x.model("system");
        m.put("starting", starting);
        m.put("running", firmware.version());
        // The page is at the LAN's old address: say where the UI is after the restart.
        LanSettings lan = b.lan();
        if (!lan.inEffect()) {
            int port = org.eclipse.jetty.server.Request.getServerPort(x.request);
            String scheme = x.secure() ? "https" : "http";
            boolean usual = x.secure() ? port == 443 : port == 80;
            m.put("lanMoving", lan.address());
            m.put("lanMovingUrl", scheme + "://" + lan.address() + (usual ? "" : ":" + port) + "/");
        }
        return new Reply.Page(HttpStatus.OK_200, "restarting.ftlh", m);
    }

    private Reply factoryReset(Exchange x) throws Exception {
        Form form = x.form();
        if (!"RESET".equals(form.get("confirm"))) {
            form.error("confirm", "type RESET in capitals to confirm");
            return systemPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        // A reset starts first-run setup, where whoever comes first sets the admin password: without
        // the password, a browser left logged in (or a stolen session) was enough to take the router.
        try {
            if (!currentPasswordConfirmed(x, form, "reset_password", "at a factory reset")) {
                return systemPage(x, form, HttpStatus.BAD_REQUEST_400);
            }
        } catch (PasswordHasher.Busy e) {
            form.error("reset_password", HASHER_BUSY);
            return systemPage(x, form, HttpStatus.SERVICE_UNAVAILABLE_503);
        }
        b.system().factoryReset();
        web.applyHttps();
        sessions.removeAllAdmins();
        x.newSession = sessions.createAnonymous(x.clientAddress);
        return afterHttpsOff(x, "/setup"); // a reset router serves plain HTTP only
    }

    /**
     * Where to go after HTTPS may have been switched on, off or moved: from plain HTTP or a listener
     * that is about to close, on to the same page where the UI is now served (the HTTPS port, or
     * plain HTTP); otherwise the page itself. Another origin is reached through {@link WebServer#onTo}.
     */
    private Reply afterHttpsChange(Exchange x, String path) {
        if (web.httpsPort() < 0) {
            return afterHttpsOff(x, path);
        }
        if (!x.secure() || org.eclipse.jetty.server.Request.getLocalPort(x.request) != web.httpsPort()) {
            return WebServer.onTo(WebServer.origin(x.request, "https", web.httpsPort()) + path);
        }
        return new Reply.Redirect(path);
    }

    /**
     * Where to go once HTTPS is off: over HTTPS, whose listener is about to close, on to the same
     * page over plain HTTP; otherwise the page itself.
     */
    private Reply afterHttpsOff(Exchange x, String path) {
        if (!x.secure()) {
            return new Reply.Redirect(path);
        }
        x.httpsGoingOff = true;
        return WebServer.onTo(WebServer.origin(x.request, "http", web.httpPort()) + "/moving?to=" + path);
    }

    /**
     * The second step from HTTPS to plain HTTP ({@link #afterHttpsOff}). Chromium counts a
     * navigation from an HTTPS page to an HTTP one as cross-site, so it arrives here without the
     * SameSite=Strict session cookie (and the page itself would send the admin to log in again);
     * from this page, of the same site, it goes along. Only to a page of this UI: no open redirect.
     */
    private Reply moving(Exchange x) {
        // Only where afterHttpsOff sends it: any page would let another site's link carry the
        // SameSite=Strict cookie to it (this page turns a cross-site arrival into a same-site one).
        String to = x.param("to");
        return WebServer.onTo("/setup".equals(to) ? to : "/system");
    }
}
