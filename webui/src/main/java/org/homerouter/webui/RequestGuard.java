package org.homerouter.webui;

import static org.homerouter.webui.WebServer.COOKIE;

import java.util.Map;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Fields;
import org.homerouter.webui.api.Backend;

/**
 * What stands between a request and its route: the session (found, ended, or made for a login or
 * setup form), the CSRF token of every POST, first-run setup and the route's access; then the route
 * runs, and the session's and the known device's cookies are set on its answer.
 *
 * <p>Locking: none of its own. The sessions lock themselves ({@link AdminSessions}); why HTTPS
 * failed is read from {@link WebServer#httpsFailure}, a volatile field, once per request.
 */
final class RequestGuard {
    private final Backend backend;
    private final AdminSessions sessions;
    private final Pages pages;
    private final RouteTable routes;
    private final WebServer web;

    RequestGuard(Backend backend, AdminSessions sessions, Pages pages, RouteTable routes, WebServer web) {
        this.backend = backend;
        this.sessions = sessions;
        this.pages = pages;
        this.routes = routes;
        this.web = web;
    }

    /** A request's fields, or why they could not be read. */
    record Form(Fields fields, Reply refusal) {
    }

    /** Whether an admin session's login was made with the admin password stored now. */
    boolean underCurrentPassword(AdminSessions.Session session) {
        return session.adminHash.equals(backend.admin().passwordHash().orElse(null));
    }

    /**
     * Runs the route's action; its return, where the same request failed on the storage before,
     * is the storage answering again (see {@link StorageFailureLog}).
     */
    private static Reply act(Route route, Exchange x) throws Exception {
        Reply reply = route.action().handle(x);
        RequestDispatch.STORAGE_FAILURES.answered(route.method() + " " + route.path());
        return reply;
    }

    /** Session, setup, login and CSRF checks, in that order, before any route runs. */
    Reply run(Route route, Request request, Response response, Form form) throws Exception {
        boolean post = "POST".equals(route.method());
        if (form.refusal() != null) {
            return form.refusal();
        }
        Fields params = form.fields();
        AdminSessions.Session session = sessions.find(cookie(request), !background(route, params));
        // The browser's login ended without a logout (it expired, the router restarted): its
        // login goes back to the page it was on.
        boolean loginEnded = session == null && cookie(request) != null;
        if (session != null && session.admin && !underCurrentPassword(session)) {
            // The password was changed where this server could not log the others out (the
            // command line's `admin password`): a browser logged in with the old one logs in again.
            sessions.remove(session);
            session = null;
            loginEnded = true;
        }
        if (session != null && session.admin && session.sentInClear && request.isSecure()) {
            // A login made over plain HTTP, before HTTPS was switched on: its cookie crossed the
            // network in clear (anyone on the LAN could have read it) and lacks Secure, so the
            // browser would keep sending it in clear. Over HTTPS the admin logs in again.
            sessions.remove(session);
            session = null;
        }
        if (route.access() == Route.Access.PUBLIC) {
            return act(route, new Exchange(request, session, params));
        }
        if (route.access() == Route.Access.METRICS
                && pages.metricsTokenMatches(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            return act(route, new Exchange(request, session, params));
        }
        boolean setUp = backend.admin().passwordHash().isPresent();
        if (post && (session == null || !session.csrfMatches(params.getValue("csrf")))) {
            // A page, not a line of text: the admin whose session timed out mid-form must learn
            // that nothing was saved and where to log in again.
            Map<String, Object> m = Reply.bareModel("login");
            if (session != null && session.admin) {
                // Still logged in, with a newer session than the form's (a login again, or the
                // password changed, in another tab): "Log in" led to the Dashboard, not the form.
                m.put("again", routes.pageOf(route.path()));
            } else {
                // The owner away from a form for 30 minutes: "Log in" leads back to its page.
                m.put("login", loginEnded && route.access() == Route.Access.ADMIN
                        ? LoginPages.loginFor(routes.pageOf(route.path())) : "/login");
            }
            return new Reply.Page(HttpStatus.FORBIDDEN_403, "expired.ftlh", m);
        }
        if (!setUp && route.access() != Route.Access.SETUP) {
            return post ? forbidden() : new Reply.Redirect("/setup");
        }
        if (setUp && route.access() == Route.Access.SETUP) {
            return post ? forbidden() : new Reply.Redirect("/login");
        }
        if (route.access() == Route.Access.ADMIN || route.access() == Route.Access.METRICS) {
            if (session == null || !session.admin) {
                if (post) {
                    return forbidden();
                }
                if (route.path().startsWith("/api/") || route.access() == Route.Access.METRICS) {
                    return new Reply.Text(HttpStatus.UNAUTHORIZED_401, "text/plain", "log in first\n");
                }
                // A page opened again after the login ended (a reload, a link): the login leads back to it.
                String query = request.getHttpURI().getQuery();
                return new Reply.Redirect(loginEnded ? LoginPages.loginFor(route.path()
                        + (query == null || query.isEmpty() ? "" : "?" + query)) : "/login");
            }
        }
        if (session == null) {
            if (crossSiteSubresource(request)) {
                // An <img> or script of another site pointed at /login: it makes no session, or a
                // page full of them would push the admin's own login form out of the bounded
                // set of anonymous sessions ("this form expired"). A link followed from another
                // site is a document and gets one as usual.
                return new Reply.Text(HttpStatus.FORBIDDEN_403, "text/plain", "refused: cross-site request\n");
            }
            // Login and setup forms need a session before the first POST, for their CSRF token.
            session = sessions.createAnonymous(Request.getRemoteAddr(request));
            setCookie(request, response, session);
        }
        Exchange x = new Exchange(request, session, params);
        String failure = web.httpsFailure();
        if (failure != null) {
            // Before login only the fact: the reason may name files or certificate errors.
            x.httpsFailure = session.admin ? failure
                    : "HTTPS is switched on but could not start on port " + backend.system().httpsPort();
        }
        if (session.admin) {
            x.warnings = backend.system();
        }
        Reply reply = act(route, x);
        boolean goingOff = x.httpsGoingOff && request.isSecure();
        if (goingOff) {
            // HTTPS was switched off by this request, made over it: the browser goes on over
            // plain HTTP, where it would not send a Secure cookie and may not replace it (so
            // no login or setup form would ever be accepted), and where a remembered HSTS
            // policy would send it straight back to the closed HTTPS port.
            setCookie(response, x.newSession != null ? x.newSession : session, false);
            response.getHeaders().put("Strict-Transport-Security", "max-age=0");
        } else if (x.newSession != null) {
            setCookie(request, response, x.newSession);
        }
        // The known-device cookie too, or this browser would be a stranger over plain HTTP.
        String device = x.newDeviceCookie != null ? x.newDeviceCookie : goingOff ? x.deviceCookie : null;
        if (device != null) {
            Response.addCookie(response, KnownDevices.cookie(device, request.isSecure() && !goingOff));
        }
        return reply;
    }

    /**
     * What dashboard.js fetches by itself, every 2 s (the throughput chart) and every 15 s (its
     * tables, from {@code /?live=1}): answered as usual, but no sign that the admin is there, or
     * a dashboard left open in a tab would never reach the 30-minute idle logout.
     */
    private static boolean background(Route route, Fields params) {
        return "/api/throughput".equals(route.path())
                || "/".equals(route.path()) && "1".equals(params.getValue("live"));
    }

    /** Fetch metadata (sent by current browsers): another site's request for something other than a page. */
    private static boolean crossSiteSubresource(Request request) {
        return "cross-site".equals(request.getHeaders().get("Sec-Fetch-Site"))
                && !"document".equals(request.getHeaders().get("Sec-Fetch-Dest"));
    }

    private Reply forbidden() {
        return new Reply.Text(HttpStatus.FORBIDDEN_403, "text/plain", "refused: log in first\n");
    }

    static String cookie(Request request) {
        for (HttpCookie c : Request.getCookies(request)) {
            if (COOKIE.equals(c.getName())) {
                return c.getValue();
            }
        }
        return null;
    }

    private static void setCookie(Request request, Response response, AdminSessions.Session session) {
        setCookie(response, session, request.isSecure());
    }

    private static void setCookie(Response response, AdminSessions.Session session, boolean secure) {
        if (!secure) {
            session.sentInClear = true;
        }
        Response.addCookie(response, HttpCookie.build(COOKIE, session.id).path("/").httpOnly(true)
                .sameSite(HttpCookie.SameSite.STRICT).secure(secure).build());
    }
}
