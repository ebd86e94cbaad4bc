package org.homerouter.webui;

import static org.homerouter.webui.LoginPages.HASHER_BUSY;
import static org.homerouter.webui.LoginPages.checkNewAdminPassword;
import static org.homerouter.webui.Pages.typeThePasswordsAgain;

import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.LanSettings;
import org.homerouter.webui.api.SystemAdmin;

/**
 * The System page: the admin password, HTTPS for the UI (and the way on to where the UI is served
 * after it changes), the configuration's export and import, the factory reset.
 */
final class SystemPages {
    private final Backend b;
    private final AdminSessions sessions;
    private final KnownDevices devices;
    private final PasswordHasher hasher;
    private final WebServer web;
    /** Where the current admin password is checked, as a login's is. */
    private final LoginPages login;
    /** The time of day, for {@link FirmwareAge}. */
    private final java.util.function.LongSupplier wallMs;

    SystemPages(Backend backend, AdminSessions sessions, KnownDevices devices, PasswordHasher hasher, WebServer web,
                LoginPages login, java.util.function.LongSupplier wallMs) {
        this.wallMs = wallMs;
        this.b = backend;
        this.sessions = sessions;
        this.devices = devices;
        this.hasher = hasher;
        this.web = web;
        this.login = login;
    }

    Reply systemPage(Exchange x, Form invalid, int status) {
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
        // Not while a newer one waits for the restart: the section offers that restart instead.
        m.put("firmwareOld", firmware.waitingForRestart().isPresent() ? ""
                : FirmwareAge.warning(firmware.version(), wallMs.getAsLong()).orElse(""));
        m.put("firmwareNotUpdatable", firmware.notUpdatable().orElse(""));
        m.put("firmwareWaiting", firmware.waitingForRestart().orElse(""));
        m.put("firmwareFailed", firmware.lastUpdateFailed().orElse(""));
        m.put("firmwareArch", org.homerouter.webui.api.Firmware.updateArchitecture(firmware.machineArchitecture())
                .orElse(""));
        m.put("machineArch", firmware.machineArchitecture());
        m.put("version", FormVersion.shown(invalid != null && invalid.values().containsKey("https_port") ? invalid
                : null, FormVersion.https(b.system().httpsEnabled(), b.system().httpsPort())));
        m.put("values", values);
        m.put("errors", errors);
        return new Reply.Page(status, "system.ftlh", m);
    }

    Reply adminPassword(Exchange x) {
        Form form = x.form();
        String hash = null;
        // The hash the current password is checked against is the one replaced, or none is: two
        // changes checked at the same moment (two browsers, a tab and the command line) were both
        // told "changed", and the one stored first was lost without a word.
        String before = b.admin().passwordHash().orElse(null);
        try {
            login.currentPasswordConfirmed(x, form, "current_password", "at a password change", before);
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

    Reply https(Exchange x) throws Exception {
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
    Reply exportConfig(Exchange x) {
        Form form = x.form();
        try {
            if (!login.currentPasswordConfirmed(x, form, "export_password", "at a configuration export")) {
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

    Reply importConfig(Exchange x) {
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
        String weakened = (imported.weakened().isEmpty() ? ""
                : "This import weakened: " + String.join("; ", imported.weakened()) + ". ")
                // An older backup's values the VPN page now refuses, restored all the same: said too.
                + imported.pageRefuses().map(p -> "The VPN server runs with what its page refuses: " + p + ". ").orElse("");
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
                    + " right on their pages." + hungUp);
        } else {
            x.session.flash("Configuration imported and applied." + hungUp);
        }
        return afterHttpsChange(x, "/system");
    }

    Reply factoryReset(Exchange x) throws Exception {
        Form form = x.form();
        if (!"RESET".equals(form.get("confirm"))) {
            form.error("confirm", "type RESET in capitals to confirm");
            return systemPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        // A reset starts first-run setup, where whoever comes first sets the admin password: without
        // the password, a browser left logged in (or a stolen session) was enough to take the router.
        try {
            if (!login.currentPasswordConfirmed(x, form, "reset_password", "at a factory reset")) {
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
     * plain HTTP); otherwise the page itself. Another origin is reached through {@link Reply#onTo}.
     */
    private Reply afterHttpsChange(Exchange x, String path) {
        if (web.httpsPort() < 0) {
            return afterHttpsOff(x, path);
        }
        if (!x.secure() || org.eclipse.jetty.server.Request.getLocalPort(x.request) != web.httpsPort()) {
            return Reply.onTo(RequestDispatch.origin(x.request, "https", web.httpsPort()) + path);
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
        return Reply.onTo(RequestDispatch.origin(x.request, "http", web.httpPort()) + "/moving?to=" + path);
    }

    /**
     * The second step from HTTPS to plain HTTP ({@link #afterHttpsOff}). Chromium counts a
     * navigation from an HTTPS page to an HTTP one as cross-site, so it arrives here without the
     * SameSite=Strict session cookie (and the page itself would send the admin to log in again);
     * from this page, of the same site, it goes along. Only to a page of this UI: no open redirect.
     */
    Reply moving(Exchange x) {
        // Only where afterHttpsOff sends it: any page would let another site's link carry the
        // SameSite=Strict cookie to it (this page turns a cross-site arrival into a same-site one).
        String to = x.param("to");
        return Reply.onTo("/setup".equals(to) ? to : "/system");
    }
}
