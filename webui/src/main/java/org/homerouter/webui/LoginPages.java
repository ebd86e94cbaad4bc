package org.homerouter.webui;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.webui.api.Backend;

/**
 * First-run setup, the login and the logout; and the admin password's checks behind them (the
 * login throttle, known browsers, which wrong passwords are logged), which the System page's
 * forms that ask for the current password go through as well.
 */
final class LoginPages {
    private final Backend b;
    private final AdminSessions sessions;
    private final LoginThrottle throttle;
    /** The admin password hash the throttle's counts were made under (null: none checked yet). */
    private final java.util.concurrent.atomic.AtomicReference<String> throttledUnder = new java.util.concurrent.atomic.AtomicReference<>();
    private final KnownDevices devices;
    private final PasswordHasher hasher;
    /** Elapsed time only (see {@link WebServer}'s constructor), for what is reckoned from differences. */
    private final LongSupplier elapsedMs;
    /** Which wrong admin passwords get a line of their own in the event log. */
    private final WrongPasswordRecords wrongPasswords = new WrongPasswordRecords();
    /**
     * Whether a path is one of the admin's pages (GET, not the JSON under /api/), by the route
     * table ({@link Pages}): where a login may go on to ({@link #afterLogin}).
     */
    private final Predicate<String> adminPage;

    LoginPages(Backend backend, AdminSessions sessions, LoginThrottle throttle, KnownDevices devices,
               PasswordHasher hasher, LongSupplier elapsedMs, Predicate<String> adminPage) {
        this.b = backend;
        this.sessions = sessions;
        this.throttle = throttle;
        this.devices = devices;
        this.hasher = hasher;
        this.elapsedMs = elapsedMs;
        this.adminPage = adminPage;
    }

    static final String HASHER_BUSY = "the router is checking other passwords right now: try again in a few seconds";

    private Reply invalid(Exchange x, String template, String nav, Form form, Map<String, Object> extra) {
        Map<String, Object> m = x.model(nav);
        m.put("errors", form.errors);
        m.put("values", form.values());
        m.putAll(extra);
        return new Reply.Page(HttpStatus.BAD_REQUEST_400, template, m);
    }

    Reply loginPage(Exchange x) {
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
        return adminPage.test(query < 0 ? next : next.substring(0, query)) ? next : "/";
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
    Map<String, Object> setupNotes(Exchange x) {
        return Map.of("settingsLost", b.system().settingsLost().orElse(""),
                "adminPasswordReset", b.system().adminPasswordReset().orElse(""),
                "setupRefused", b.system().setupRefusedFrom(x.clientAddress).orElse(""));
    }

    /**
     * First-run setup's page, saying why after a loss of the settings or a reset (the owner sees no
     * other page first); refused to this browser, its reason alone, with 403.
     */
    Reply setupPage(Exchange x, Map<String, Object> notes) {
        Map<String, Object> m = x.model("setup");
        m.putAll(notes);
        return new Reply.Page(refused(notes) ? HttpStatus.FORBIDDEN_403 : HttpStatus.OK_200, "setup.ftlh", m);
    }

    private static boolean refused(Map<String, Object> setupNotes) {
        return !setupNotes.get("setupRefused").toString().isEmpty();
    }

    Reply setup(Exchange x) {
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

    static void checkNewAdminPassword(Form form) {
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

    Reply login(Exchange x) {
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
    boolean currentPasswordConfirmed(Exchange x, Form form, String field, String what)
            throws PasswordHasher.Busy {
        return currentPasswordConfirmed(x, form, field, what, b.admin().passwordHash().orElse(null));
    }

    /** As above, against {@code stored}, the hash as read before (the one a change replaces). */
    boolean currentPasswordConfirmed(Exchange x, Form form, String field, String what, String stored)
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

    private static Reply invalidStatus(Reply r, int status) {
        Reply.Page p = (Reply.Page) r;
        return new Reply.Page(status, p.template(), p.model());
    }

    Reply logout(Exchange x) {
        sessions.remove(x.session);
        b.events().log("admin", "admin logged out");
        x.newSession = sessions.createAnonymous(x.clientAddress);
        return new Reply.Redirect("/login");
    }
}
