package org.homerouter.webui;

import static org.homerouter.webui.Route.Access.ADMIN;
import static org.homerouter.webui.Route.Access.LOGIN;
import static org.homerouter.webui.Route.Access.METRICS;
import static org.homerouter.webui.Route.Access.PUBLIC;
import static org.homerouter.webui.Route.Access.SETUP;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.webui.api.Backend;

/**
 * Every page and form of the UI by its address (the route table), and what the pages share; each
 * page's code is in the class named for it. {@link RequestGuard} has already checked session, setup and CSRF.
 */
final class Pages {
    private final Backend b;
    private final PasswordHasher hasher;
    /**
     * Held from a settings form's check that the stored values are still those it was made from
     * ({@link FormVersion}) through its save: two browsers' saves in between would otherwise both
     * pass the check, and a save's log line compare with values another save replaced meanwhile.
     */
    private final Object saveLock = new Object();
    /**
     * The admin's pages (GET, not the JSON under /api/): where a login may go on to
     * ({@link LoginPages#afterLogin}).
     */
    private final java.util.Set<String> adminPages;
    private final LoginPages login;
    private final DashboardPage dashboard;
    private final VpnPage vpn;
    private final UserPages users;
    private final PassthroughPage passthrough;
    private final SiteToSitePage siteToSite;
    private final LanPage lan;
    private final LogPages logs;
    private final SystemPages system;
    private final FirmwarePages firmware;

    /** How many admin password checks are being computed now. */
    int passwordChecksRunning() {
        return hasher.running();
    }

    Pages(Backend backend, AdminSessions sessions, LoginThrottle throttle, KnownDevices devices, PasswordHasher hasher,
          LongSupplier clockMs, LongSupplier elapsedMs, WebServer web) {
        this.b = backend;
        this.hasher = hasher;
        this.login = new LoginPages(backend, sessions, throttle, devices, hasher, elapsedMs, this::adminPage);
        this.dashboard = new DashboardPage(backend, elapsedMs, clockMs);
        this.vpn = new VpnPage(backend, web);
        this.users = new UserPages(backend);
        this.passthrough = new PassthroughPage(backend);
        this.siteToSite = new SiteToSitePage(backend);
        this.lan = new LanPage(backend);
        this.logs = new LogPages(backend, throttle, clockMs);
        this.system = new SystemPages(backend, sessions, devices, hasher, web, login, clockMs);
        this.firmware = new FirmwarePages(backend);
        this.adminPages = routes().stream().filter(r -> "GET".equals(r.method()) && r.access() == ADMIN
                && !r.path().startsWith("/api/")).map(Route::path).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    List<Route> routes() {
        return List.of(
                new Route("GET", "/healthz", PUBLIC, x -> new Reply.Text(200, "text/plain", "ok\n")),
                new Route("GET", "/moving", PUBLIC, system::moving),
                new Route("GET", "/setup", SETUP, x -> login.setupPage(x, login.setupNotes(x))),
                new Route("POST", "/setup", SETUP, login::setup),
                new Route("GET", "/login", LOGIN, x -> x.session.admin
                        ? new Reply.Redirect(login.afterLogin(x.param("next"))) : login.loginPage(x)),
                new Route("POST", "/login", LOGIN, login::login),
                new Route("POST", "/logout", ADMIN, login::logout),
                new Route("GET", "/", ADMIN, dashboard::dashboard),
                new Route("GET", "/api/throughput", ADMIN, dashboard::throughput),
                // The idle warning's "Stay logged in" (session.js): activity, unlike the Dashboard's polls.
                // It says how long the login lasts now, for the next warning: within the last half
                // hour of the 12 hours that limit's, which no activity extends.
                new Route("GET", "/api/keepalive", ADMIN, x -> new Reply.Text(HttpStatus.OK_200, "text/plain",
                        "ok\nseconds " + x.session.loggedOutIn().toSeconds() + "\nfor-good " + x.session.endsForGood()
                                + "\n")),
                new Route("GET", "/sessions/disconnect", ADMIN, dashboard::confirmDisconnect),
                new Route("POST", "/sessions/disconnect", ADMIN, dashboard::disconnect),
                new Route("GET", "/vpn", ADMIN, x -> vpn.vpnPage(x, null)),
                new Route("POST", "/vpn", ADMIN, locked(vpn::saveVpn)),
                new Route("GET", "/users", ADMIN, x -> users.usersPage(x, null, 200)),
                // Locked as the VPN page's save is: a user's static address is checked against the
                // pool there and the pool against users' static addresses here, each by what the
                // other stored; two admins saving both at once would otherwise leave one in the pool.
                new Route("POST", "/users/add", ADMIN, locked(users::addUser)),
                new Route("GET", "/users/edit", ADMIN, x -> users.editUserPage(x, null, 200)),
                new Route("POST", "/users/edit", ADMIN, locked(users::editUser)),
                new Route("POST", "/users/password", ADMIN, users::userPassword),
                new Route("POST", "/users/subnets", ADMIN, locked(users::userSubnets)),
                new Route("POST", "/users/delete", ADMIN, users::deleteUser),
                new Route("GET", "/passthrough", ADMIN, passthrough::passthrough),
                new Route("POST", "/passthrough", ADMIN, locked(passthrough::savePassthrough)),
                new Route("GET", "/site-to-site", ADMIN, x -> siteToSite.siteToSitePage(x, null)),
                new Route("POST", "/site-to-site", ADMIN, locked(siteToSite::saveSiteToSite)),
                new Route("GET", "/lan", ADMIN, x -> lan.lanPage(x, null)),
                new Route("POST", "/lan", ADMIN, locked(lan::saveLan)),
                new Route("GET", "/logs", ADMIN, logs::logs),
                new Route("GET", "/lockouts", ADMIN, logs::lockouts),
                new Route("POST", "/lockouts/unlock", ADMIN, logs::unlock),
                new Route("GET", "/system", ADMIN, x -> system.systemPage(x, null, 200)),
                new Route("POST", "/system/password", ADMIN, system::adminPassword),
                new Route("POST", "/system/https", ADMIN, locked(system::https)),
                new Route("POST", "/system/export", ADMIN, system::exportConfig),
                new Route("POST", WebServer.IMPORT_PATH, ADMIN, locked(system::importConfig)),
                new Route("POST", "/system/reset", ADMIN, system::factoryReset),
                // The update file streams to the installer as it arrives: RequestDispatch checks the
                // login and the CSRF token (from the query) before the body is read.
                new Route("POST", WebServer.FIRMWARE_PATH, ADMIN, firmware::installFirmware),
                new Route("POST", "/system/restart", ADMIN, firmware::restartRouter),
                new Route("GET", "/metrics", METRICS, x -> new Reply.Text(200, "text/plain; version=0.0.4",
                        Metrics.render(b.sessions().state(), b.sessions().totals(), b.sessions().active(),
                                b.passthrough().calls().size()))));
    }

    /** Whether {@code path} is one of {@link #adminPages}, once the route table is built (for {@link LoginPages}). */
    private boolean adminPage(String path) {
        return adminPages.contains(path);
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

    /**
     * A refused form comes back with its password boxes empty (a password is never sent back to the
     * browser): said at the new password's box (unless its own error is there already), or the
     * owner who corrects the other field is refused again, now for an empty password.
     */
    static void typeThePasswordsAgain(Form form, String field) {
        if (!form.raw(field).isEmpty()) {
            form.error(field, "not kept: type the password again in both boxes");
        }
    }
}
