package org.homerouter.webui;

import static org.homerouter.webui.WebServer.CSP;
import static org.homerouter.webui.WebServer.FIRMWARE_PATH;
import static org.homerouter.webui.WebServer.IMPORT_PATH;
import static org.homerouter.webui.WebServer.MAX_IMPORT_FORM_BYTES;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.Printable;
import org.homerouter.webui.api.StorageUnavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web UI's one Jetty handler: the security headers every response gets, the host-name check,
 * static files, the redirect to HTTPS while it is on, the route's lookup, the reading of its form
 * (within a deadline; for a firmware update, not before the guard has passed it), then
 * {@link RequestGuard}, and the reply written ({@link ReplyWriter}), an error page where something
 * failed. Logs under {@link WebServer}'s name.
 *
 * <p>Locking: none of its own. The HTTPS port is read through {@link WebServer#httpsPort}, under
 * the HTTPS listener's lock ({@link HttpsListener}), as HTTPS may be switched while requests run;
 * a form's fields arrive on another thread, handed over through a {@link CompletableFuture}.
 */
final class RequestDispatch extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    /** Refusals a client causes at will (a wrong host name, a dripped form): logged within a budget. */
    private static final LogLimit REFUSED_LOGGED = new LogLimit();
    /** Requests the storage failed, which the Dashboard's polling repeats every 2 s: the first with its stack. */
    static final StorageFailureLog STORAGE_FAILURES = new StorageFailureLog(LOG, System::nanoTime);
    /**
     * How long a refused update file is read before the answer goes anyway: 300 MiB over a LAN
     * in time, while a connection dripping bytes holds its slot no longer.
     */
    static final java.time.Duration REFUSED_UPLOAD_DEADLINE = java.time.Duration.ofMinutes(2);

    private final WebServer.Options options;
    private final RouteTable routes;
    private final AdminSessions sessions;
    private final RequestGuard guard;
    private final ReplyWriter replies;
    private final WebServer web;

    RequestDispatch(WebServer.Options options, RouteTable routes, AdminSessions sessions, RequestGuard guard,
                    ReplyWriter replies, WebServer web) {
        this.options = options;
        this.routes = routes;
        this.sessions = sessions;
        this.guard = guard;
        this.replies = replies;
        this.web = web;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        var h = response.getHeaders();
        h.put("Content-Security-Policy", CSP);
        h.put("X-Frame-Options", "DENY");
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Referrer-Policy", "no-referrer");
        h.put(HttpHeader.CACHE_CONTROL, "no-store");
        if (request.isSecure()) {
            h.put("Strict-Transport-Security", strictTransportSecurity());
        }
        String path = Request.getPathInContext(request);
        String method = "HEAD".equals(request.getMethod()) ? "GET" : request.getMethod();
        try {
            // /healthz tells nothing and /metrics needs its token: monitors may use any name.
            if (!"/healthz".equals(path) && !"/metrics".equals(path)
                    && !HostCheck.allowed(Request.getServerName(request), options.hostName())) {
                String more = REFUSED_LOGGED.admit();
                if (more != null) {
                    LOG.warn("refused {} {} from {} for the host name '{}' (DNS rebinding?){}", request.getMethod(),
                            Printable.of(path), Request.getRemoteAddr(request),
                            Printable.of(Request.getServerName(request)), more);
                }
                return replies.write(response, callback, new Reply.Text(HttpStatus.MISDIRECTED_REQUEST_421,
                        "text/plain", "refused: this router's pages answer only to its address "
                                + "(e.g. http://192.168.1.1/), localhost, its own name or a local name "
                                + "(.lan, .local, .home.arpa), not to '"
                                + Request.getServerName(request) + "'\n"));
            }
            if ("GET".equals(method) && path.startsWith("/static/")) {
                return staticFile(path, response, callback);
            }
            if (!request.isSecure() && web.httpsPort() > 0 && !"/healthz".equals(path)) {
                // HTTPS is on: the admin password must not cross the network in clear. A form
                // posted from a page loaded before it was switched on goes on from a page here.
                String https = origin(request, "https", web.httpsPort());
                return replies.write(response, callback, !"POST".equals(method) ? new Reply.Redirect(https + path)
                        : "/login".equals(path) ? Reply.onTo(https + path)
                        // A login made over plain HTTP does not count over HTTPS: the logout is done.
                        : "/logout".equals(path) ? Reply.onTo(https + "/")
                        : notSavedMovedToHttps(https + routes.pageOf(path)));
            }
            Route route = routes.find(method, path);
            if (route == null) {
                boolean known = routes.hasPath(path);
                return replies.write(response, callback, known
                        ? Reply.errorPage(HttpStatus.METHOD_NOT_ALLOWED_405, "Not available this way", "This address "
                                + "answers only to the form or the link on its own page: open that page and use it.")
                        : notFound());
            }
            if (!"POST".equals(route.method())) {
                return replies.write(response, callback,
                        guard.run(route, request, response, readable(() -> Request.extractQueryParameters(request))));
            }
            if (FIRMWARE_PATH.equals(path)) {
                // The update file (tens of MB) goes to the installer as it arrives, never held:
                // the login and the CSRF token (in the query) are checked before the body is
                // read, so only a logged-in admin's upload holds this thread.
                Reply reply = guard.run(route, request, response,
                        readable(() -> Request.extractQueryParameters(request)));
                if (!BundleUpload.read(request) && RequestGuard.cookie(request) != null) {
                    // Refused before the file was read (the login expired while the owner
                    // fetched the file, say): the file is read and dropped, within bounds, or
                    // the browser shows "connection reset" mid-upload, not the page saying why.
                    BundleUpload.discard(request, REFUSED_UPLOAD_DEADLINE)
                            .whenComplete((done, error) -> replies.write(response, callback, reply));
                    return true;
                }
                return replies.write(response, callback, reply);
            }
            // The form is read without holding a thread, and within a deadline: a body dripped
            // in a byte at a time (each resetting the idle timeout) would otherwise hold a
            // thread, before any login check, for as long as the client liked.
            CompletableFuture<Fields> form = new CompletableFuture<>();
            if (IMPORT_PATH.equals(path)) {
                AdminSessions.Session s = sessions.find(RequestGuard.cookie(request), false);
                // As guard judges it: a login made under a password changed since (at the console) is over.
                if (s != null && s.admin && guard.underCurrentPassword(s)) {
                    // A backup restored through the page is form-encoded (about 200 bytes an
                    // account): Jetty's 200,000-byte form limit refused one of about 900 accounts
                    // with "this form could not be read". Only a logged-in admin's body is read
                    // under the larger limit: a stranger's is held in memory before any check.
                    request.setAttribute(FormFields.MAX_LENGTH_ATTRIBUTE, MAX_IMPORT_FORM_BYTES);
                }
            }
            // BLOCKING: what runs once the form is in (login's Argon2, the store) may block.
            Request.onParameters(request, Promise.Invocable.from(Invocable.InvocationType.BLOCKING, (fields, error) -> {
                if (error == null) {
                    form.complete(fields);
                } else {
                    form.completeExceptionally(error);
                }
            }));
            form.orTimeout(options.limits().headerTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((fields, error) -> {
                        Reply reply;
                        try {
                            reply = guard.run(route, request, response,
                                    error == null ? new RequestGuard.Form(fields, null) : unreadable(error));
                        } catch (Exception e) {
                            reply = failed(request, path, e);
                        }
                        replies.write(response, callback, reply);
                    });
            return true;
        } catch (Exception e) {
            return replies.write(response, callback, failed(request, path, e));
        }
    }

    private static RequestGuard.Form readable(Supplier<Fields> read) {
        try {
            return new RequestGuard.Form(read.get(), null);
        } catch (RuntimeException e) {
            return unreadable(e);
        }
    }

    private static RequestGuard.Form unreadable(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (e instanceof TimeoutException) {
            String more = REFUSED_LOGGED.admit();
            if (more != null) {
                LOG.warn("a request body did not arrive in time; connection closed{}", more);
            }
            return new RequestGuard.Form(null, Reply.errorPage(HttpStatus.REQUEST_TIMEOUT_408, "Nothing was saved",
                    "The form did not arrive in time, so nothing was saved. Go back and send it again."));
        }
        // Broken percent-encoding, too many or too large fields: the client's fault, not ours.
        int status = e instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500
                ? h.getCode() : HttpStatus.BAD_REQUEST_400;
        return new RequestGuard.Form(null, Reply.errorPage(status, "Nothing was saved",
                "This form could not be read (" + e.getMessage()
                        + "), so nothing was saved. Go back, reload the page and send it again."));
    }

    /**
     * What a request that threw answers. A storage failure is the owner's to act on (free space,
     * restart, restore a backup), so it gets a page naming it and saying that nothing was
     * saved; anything else is a bug, answered "internal error" with the trace in the log.
     */
    private static Reply failed(Request request, String path, Exception e) {
        if (e instanceof StorageUnavailable s) {
            // Named as its route is (HEAD is GET's), for RequestGuard to report its answer.
            STORAGE_FAILURES.failed(("HEAD".equals(request.getMethod()) ? "GET" : request.getMethod()) + " "
                    + Printable.of(path), s);
            Map<String, Object> model = Reply.bareModel("");
            model.put("post", "POST".equals(request.getMethod()));
            model.put("why", s.getMessage());
            return new Reply.Page(HttpStatus.SERVICE_UNAVAILABLE_503, "storage.ftlh", model);
        }
        LOG.error("{} {} failed", request.getMethod(), path, e);
        return ReplyWriter.internalError();
    }

    private static Reply notFound() {
        return Reply.errorPage(HttpStatus.NOT_FOUND_404, "Page not found",
                "This router has no page at this address.");
    }

    private boolean staticFile(String path, Response response, Callback callback) throws Exception {
        String name = path.substring("/static/".length());
        String type = name.endsWith(".css") ? "text/css" : name.endsWith(".js") ? "text/javascript" : null;
        if (type == null || !name.matches("[a-z0-9-]+\\.(css|js)")) {
            return replies.write(response, callback, notFound());
        }
        try (InputStream in = WebServer.class.getResourceAsStream("static/" + name)) {
            if (in == null) {
                return replies.write(response, callback, notFound());
            }
            return replies.write(response, callback, new Reply.Text(HttpStatus.OK_200, type + ";charset=utf-8",
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
    }

    /**
     * The HSTS policy for an answer over HTTPS. A browser that holds one turns every plain-HTTP
     * address of this host into HTTPS on the same port (RFC 6797 §8.3): http://router.lan:8080
     * would become https://router.lan:8080, where only plain HTTP answers, and the admin could no
     * longer open the address they know. So the policy is set only when the UI is on the standard
     * ports (80 and 443, where that upgrade lands on HTTPS); otherwise it is withdrawn (max-age=0),
     * also from browsers an older firmware gave one.
     */
    private String strictTransportSecurity() {
        return web.httpPort() == 80 && web.httpsPort() == 443 ? "max-age=31536000" : "max-age=0";
    }

    /**
     * {@code scheme://host:port} with the host the request named (its Host header, checked by then).
     * Jetty gives an IPv6 literal with its brackets ({@code [::1]}); bracketed here only if it did not.
     */
    static String origin(Request request, String scheme, int port) {
        String host = Request.getServerName(request);
        return scheme + "://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * The answer to a form sent over plain HTTP after another tab (or the console, or an import)
     * switched HTTPS on: its fields were sent in clear and its login does not count over HTTPS, so
     * it is not saved. Said so, with the page to make the change on again: the neutral "the web UI
     * continues at" page that sent it on before let a save vanish without a word.
     */
    static Reply notSavedMovedToHttps(String page) {
        Reply.Page p = (Reply.Page) Reply.errorPage(HttpStatus.CONFLICT_409, "Nothing was saved", "Nothing was saved: "
                + "while this page was open, the web UI moved to HTTPS (encrypted), and this form was sent over "
                + "plain HTTP. Open the page over HTTPS, log in there if asked, and make your change again if it is "
                + "not there.");
        p.model().put("link", page);
        return p;
    }

}
