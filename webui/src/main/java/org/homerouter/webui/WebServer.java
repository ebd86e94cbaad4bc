package org.homerouter.webui;

import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateExceptionHandler;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.homerouter.pptp.LogLimit;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.StorageUnavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's web UI on Jetty 12 (core handler API, no servlets), pages rendered with FreeMarker
 * templates ({@code .ftlh}: HTML auto-escaping, so a user or peer-chosen name cannot inject markup).
 *
 * <p>Security model, enforced here for every route rather than by each page: until an admin
 * password exists every page leads to first-run setup; then every page but the login form, the
 * health check and static files needs a logged-in session (cookie HttpOnly, SameSite=Strict, Secure
 * over HTTPS); every POST must carry the session's CSRF token; every response carries a strict
 * Content-Security-Policy (no inline script or style, no framing).
 */
public final class WebServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    /** Refusals a client causes at will (a wrong host name, a dripped form): logged within a budget. */
    private static final LogLimit REFUSED_LOGGED = new LogLimit();
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";
    static final String COOKIE = "hr_session";

    /**
     * @param http        where plain HTTP listens (loopback by default)
     * @param tlsKeyStore where the self-signed certificate is kept once HTTPS is first switched on
     */
    public record Options(InetSocketAddress http, Path tlsKeyStore, String hostName, Limits limits) {
        public Options(InetSocketAddress http, Path tlsKeyStore, String hostName) {
            this(http, tlsKeyStore, hostName, Limits.ROUTER);
        }
    }

    /**
     * What one client may hold of a small router's web server, on each listener (HTTP, HTTPS).
     *
     * @param headerTimeout   a connection that has not sent a whole request header this long after
     *                        opening (or after its previous request) is closed; also Jetty's idle timeout
     * @param maxConnections  connections per listener; beyond it Jetty stops accepting until one closes
     * @param maxPerSource    connections one source address may hold; more are closed at once
     * @param maxHeaderBytes  the largest request header accepted (431 beyond)
     */
    public record Limits(Duration headerTimeout, int maxConnections, int maxPerSource, int maxHeaderBytes) {
        /** A browser opens about six connections per site; 32 leaves room for tabs and users behind one NAT. */
        public static final Limits ROUTER = new Limits(Duration.ofSeconds(15), 256, 32, 8 * 1024);
    }

    /** Where the System page's update file goes (BundleUpload): its body is read by the route itself. */
    static final String FIRMWARE_PATH = "/system/firmware";
    /** The page that restores a configuration export, whose form may be large. */
    static final String IMPORT_PATH = "/system/import";
    /** The largest restore form read: 16 times Jetty's default, about 15,000 accounts. */
    static final int MAX_IMPORT_FORM_BYTES = 16 * FormFields.MAX_LENGTH_DEFAULT;

    private final Server server;
    private final Configuration templates;
    private final Backend backend;
    private final Options options;
    private final AdminSessions sessions;
    private final Pages pages;
    private final Map<String, Route> routes = new HashMap<>();
    private final ConnectionGuard guard;
    private ServerConnector httpsConnector;

    public WebServer(Options options, Backend backend) {
        this(options, backend, System::currentTimeMillis, () -> System.nanoTime() / 1_000_000);
    }

    /**
     * @param wallMs    the time of day, for what the pages show
     * @param elapsedMs a clock that only counts elapsed time, for admin sessions' expiry, login
     *                  lockouts and the dashboard's throughput rates: a router without a
     *                  battery-backed clock boots at a stale time and steps it when its time server
     *                  first answers, which must not log the admin out, nor (stepping back)
     *                  stretch a 15-minute lockout into days
     */
    public WebServer(Options options, Backend backend, LongSupplier wallMs, LongSupplier elapsedMs) {
        this.options = options;
        this.backend = backend;
        this.sessions = new AdminSessions(elapsedMs);
        this.templates = new Configuration(Configuration.VERSION_2_3_34);
        templates.setClassForTemplateLoading(WebServer.class, "templates");
        templates.setDefaultEncoding("UTF-8");
        templates.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        templates.setLogTemplateExceptions(false);
        templates.setNumberFormat("computer");
        // Figures and dates the same whatever the JVM's default locale: under de_DE "1,5 KiB" stood
        // beside dashboard.js's "1.5 Mbit/s". The UI is in English; so are its numbers.
        templates.setLocale(java.util.Locale.ROOT);
        // Times in UTC, whatever the JVM's default zone: layout.ftlh's `when` writes them so, for
        // static/times.js to show in the browser's own zone.
        templates.setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
        templates.setOutputEncoding("UTF-8");
        templates.setURLEscapingCharset("UTF-8");
        this.pages = new Pages(backend, sessions, new LoginThrottle(elapsedMs), new KnownDevices(backend.admin(), wallMs),
                new PasswordHasher(), wallMs, elapsedMs, this);
        for (Route r : pages.routes()) {
            routes.put(r.method() + " " + r.path(), r);
        }
        this.server = new Server();
        this.guard = new ConnectionGuard(options.limits().headerTimeout(), options.limits().maxPerSource(),
                server.getScheduler());
        server.addBean(guard);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfiguration()));
        connector.setHost(options.http().getHostString());
        connector.setPort(options.http().getPort());
        limit(connector);
        server.addConnector(connector);
        server.setHandler(new Dispatch());
    }

    /** Starts listening (and HTTPS too when it is switched on); returns the HTTP port. */
    public int start() throws Exception {
        server.start();
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        LOG.info("web UI on http://{}:{}/", options.http().getHostString(), port);
        try {
            applyHttps();
        } catch (Exception e) {
            // E.g. another program took the HTTPS port, or the certificate file is unreadable. The
            // UI stays up over plain HTTP and its pages say so: without it the admin could not
            // change the port, and the router's VPN would not start either.
            httpsFailure = "HTTPS is switched on but could not start on port " + backend.system().httpsPort()
                    + ": " + e.getMessage();
            LOG.error("{}; the UI is served over plain HTTP only, and HTTPS is tried again every minute", httpsFailure);
            server.getScheduler().schedule(this::retryHttps, HTTPS_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
        return port;
    }

    /** How often HTTPS that failed at start is tried again: a port taken for a moment at boot. */
    static final java.time.Duration HTTPS_RETRY = java.time.Duration.ofMinutes(1);

    synchronized void retryHttps() {
        if (httpsFailure == null || closing || !server.isRunning()) {
            return; // started meanwhile (saved again on the System page), or stopping
        }
        try {
            applyHttps();
            LOG.info("HTTPS started after all on port {}", httpsPort());
        } catch (Exception e) {
            LOG.debug("HTTPS still cannot start: {}", e.getMessage());
            server.getScheduler().schedule(this::retryHttps, HTTPS_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Set under this object's lock by close(): no HTTPS listener may open after it. */
    private boolean closing;

    /** Why HTTPS, switched on, is not serving (it failed at start), or null. */
    public String httpsFailure() {
        return httpsFailure;
    }

    /** The HTTPS listener in its grace period after HTTPS was switched off, or null. */
    private ServerConnector closingHttps;

    /** Why HTTPS did not start with the server, until a later apply succeeds; else null. */
    private volatile String httpsFailure;
    /**
     * The SHA-256 fingerprint of the certificate HTTPS serves or will serve, as browsers show it
     * (colon-separated hex); made now if there is none yet, so that the owner can read it over
     * plain HTTP before switching HTTPS on (once on, every plain-HTTP page sends the browser to
     * HTTPS, whose warning comes first). Against a self-signed certificate the address proves
     * nothing, a machine in the middle answers at it too: this is what the owner compares with the
     * certificate the browser's warning shows before accepting it. Null if it cannot be read or made.
     * Synchronized with {@link #applyHttps}: the two must not make two keys.
     */
    public synchronized String certificateFingerprint() {
        try {
            return SelfSignedCertificate.fingerprint(SelfSignedCertificate.loadOrCreate(options.tlsKeyStore(),
                    options.hostName()));
        } catch (Exception e) {
            LOG.warn("the HTTPS certificate's fingerprint cannot be shown: {}", e.toString());
            return null;
        }
    }

    /** How long the HTTPS listener stays open after HTTPS is switched off, for the answers in flight. */
    private static final java.time.Duration HTTPS_OFF_GRACE = java.time.Duration.ofSeconds(2);

    /**
     * Opens, moves or closes the HTTPS listener to match the stored choice and port; live, no
     * restart. A new port is opened before the old listener is let go, so a port that is taken
     * leaves HTTPS serving where it was (and this throws).
     */
    public synchronized void applyHttps() throws Exception {
        boolean want = backend.system().httpsEnabled();
        int port = backend.system().httpsPort();
        if (want && httpsConnector != null && httpsConnector.getPort() != port) {
            ServerConnector old = httpsConnector;
            httpsConnector = openHttps(port);
            retire(old);
        } else if (want && httpsConnector == null) {
            httpsConnector = openHttps(port);
        } else if (!want && httpsConnector != null) {
            // Plain HTTP stops redirecting at once; the listener itself closes a moment later.
            retire(httpsConnector);
            httpsConnector = null;
        }
        httpsFailure = null;
    }

    private ServerConnector openHttps(int port) throws Exception {
        if (closingHttps != null) {
            // Changed again within the grace period: the old listener may still hold the port.
            stopNow(closingHttps);
            closingHttps = null;
        }
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(SelfSignedCertificate.loadOrCreate(options.tlsKeyStore(), options.hostName()));
        tls.setKeyStorePassword(SelfSignedCertificate.STORE_PASSWORD);
        HttpConfiguration config = httpConfiguration();
        config.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector c = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
                new HttpConnectionFactory(config));
        c.setHost(options.http().getHostString());
        c.setPort(port);
        limit(c);
        server.addConnector(c);
        try {
            c.start();
        } catch (Exception e) {
            server.removeConnector(c);
            throw e;
        }
        LOG.info("web UI on https://{}:{}/ (self-signed certificate)", options.http().getHostString(), c.getLocalPort());
        return c;
    }

    /**
     * Closes a listener HTTPS no longer uses a moment from now, so that the answer to the request
     * that switched it off or moved it (which came over it) gets out first instead of the browser
     * seeing its connection reset.
     */
    private void retire(ServerConnector c) {
        if (closingHttps != null) {
            stopNow(closingHttps);
        }
        closingHttps = c;
        Thread.ofVirtual().name("https-off").start(() -> {
            try {
                Thread.sleep(HTTPS_OFF_GRACE.toMillis());
                synchronized (this) {
                    if (closingHttps == c) {
                        stopNow(c);
                        closingHttps = null;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void stopNow(ServerConnector c) {
        try {
            c.stop();
        } catch (Exception e) {
            LOG.warn("closing the HTTPS listener on port {}: {}", c.getLocalPort(), e.toString());
        }
        server.removeConnector(c);
        LOG.info("HTTPS listener on port {} closed", c.getPort());
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
        return httpPort() == 80 && httpsPort() == 443 ? "max-age=31536000" : "max-age=0";
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
     * The answer to a form whose next page is at another of this router's origins (HTTPS switched
     * on, moved or off): a page of this origin that sends the browser on, not a redirect. Chromium
     * checks the form's CSP {@code form-action 'self'} against every redirect that follows a form
     * submission, and refuses one to another scheme or port, leaving the admin on the old page.
     * Widening form-action instead cannot work: the policy comes with the page that holds the form,
     * served before the change, so it cannot name the port typed into that very form; and CSP cannot
     * name an IPv6 address literal, which the UI answers to. Navigating on from a page is not a form
     * submission, so form-action stays 'self'.
     */
    static Reply onTo(String url) {
        Map<String, Object> model = bareModel("moving");
        model.put("to", url);
        return new Reply.Page(HttpStatus.OK_200, "moving.ftlh", model);
    }

    /**
     * The answer to a form sent over plain HTTP after another tab (or the console, or an import)
     * switched HTTPS on: its fields were sent in clear and its login does not count over HTTPS, so
     * it is not saved. Said so, with the page to make the change on again: the neutral "the web UI
     * continues at" page that sent it on before let a save vanish without a word.
     */
    static Reply notSavedMovedToHttps(String page) {
        Reply.Page p = (Reply.Page) errorPage(HttpStatus.CONFLICT_409, "Nothing was saved", "Nothing was saved: while "
                + "this page was open, the web UI moved to HTTPS (encrypted), and this form was sent over plain HTTP. "
                + "Open the page over HTTPS, log in there if asked, and make your change again if it is not there.");
        p.model().put("link", page);
        return p;
    }

    /**
     * The page a form posted to {@code path} is on, for a link to it: the path's first part where
     * that is a page (/system for /system/https, /users for /users/subnets), else the Dashboard.
     */
    private String pageOf(String path) {
        int slash = path.indexOf('/', 1);
        String first = slash < 0 ? path : path.substring(0, slash);
        return routes.containsKey("GET " + first) ? first : "/";
    }

    /**
     * A request that found no page or failed, answered with a page of the UI (its status code
     * unchanged) that says so and links on to the Dashboard and the Logs page, not a bare line of text.
     */
    static Reply errorPage(int status, String heading, String message) {
        Map<String, Object> model = bareModel("error");
        model.put("heading", heading);
        model.put("message", message);
        return new Reply.Page(status, "error.ftlh", model);
    }

    /** Where an internal error's details are: not among the events of the Logs page. */
    static final String INTERNAL_ERROR = "The router failed to answer this request (an internal error). The details "
            + "are in the service's log: on the router image, the journal of homerouter.service "
            + "(journalctl -u homerouter). The Logs page shows whether your change was made.";

    /** The layout's model for a page shown without a form of the session's (no CSRF token, no notice). */
    static Map<String, Object> bareModel(String nav) {
        return new HashMap<>(Map.of("csrf", "", "nav", nav, "errors", Map.of(), "values", Map.of(), "flash", "",
                "flashWarning", false, "httpsFailure", ""));
    }

    /** The HTTP port. */
    public int httpPort() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    private HttpConfiguration httpConfiguration() {
        HttpConfiguration config = new HttpConfiguration();
        // No "Server: Jetty(12.x)" on every answer: it tells a scanner on the LAN which holes to try.
        config.setSendServerVersion(false);
        config.setRequestHeaderSize(options.limits().maxHeaderBytes());
        config.setIdleTimeout(options.limits().headerTimeout().toMillis());
        return config;
    }

    /** The slow-loris guard and the connection cap on one listener (the guard is the server's, shared). */
    private void limit(ServerConnector c) {
        c.setIdleTimeout(options.limits().headerTimeout().toMillis());
        c.addBean(guard, false);
        c.addBean(new NetworkConnectionLimit(options.limits().maxConnections(), c));
    }

    /** The browser sessions, for the fuzz test (which logs in without paying for Argon2 on every run). */
    AdminSessions sessions() {
        return sessions;
    }

    /** An in-memory listener (no socket) with the same HTTP settings, for the fuzz test's raw requests. */
    LocalConnector addLocalConnector() throws Exception {
        LocalConnector c = new LocalConnector(server, new HttpConnectionFactory(httpConfiguration()));
        server.addConnector(c);
        c.start();
        return c;
    }

    /** The HTTPS port while HTTPS is on, else -1. */
    public synchronized int httpsPort() {
        return httpsConnector == null ? -1 : httpsConnector.getLocalPort();
    }

    /** How many admin password checks are being computed now (for tests that time logins against them). */
    int passwordChecksRunning() {
        return pages.passwordChecksRunning();
    }

    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the web UI: {}", e.toString());
        }
    }

    /** Every route, for the test that proves each one refuses what it must. */
    List<Route> routes() {
        return List.copyOf(routes.values());
    }

    String render(String template, Map<String, Object> model) throws Exception {
        Template t = templates.getTemplate(template);
        StringWriter out = new StringWriter();
        t.process(model, out);
        return out.toString();
    }

    private final class Dispatch extends Handler.Abstract {
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
                                org.homerouter.pptp.Printable.of(path), Request.getRemoteAddr(request),
                                org.homerouter.pptp.Printable.of(Request.getServerName(request)), more);
                    }
                    return write(response, callback, new Reply.Text(HttpStatus.MISDIRECTED_REQUEST_421, "text/plain",
                            "refused: this router's pages answer only to its address (e.g. http://192.168.1.1/), "
                                    + "localhost, its own name or a local name (.lan, .local, .home.arpa), not to '"
                                    + Request.getServerName(request) + "'\n"));
                }
                if ("GET".equals(method) && path.startsWith("/static/")) {
                    return staticFile(path, response, callback);
                }
                if (!request.isSecure() && httpsPort() > 0 && !"/healthz".equals(path)) {
                    // HTTPS is on: the admin password must not cross the network in clear. A form
                    // posted from a page loaded before it was switched on goes on from a page here.
                    String https = origin(request, "https", httpsPort());
                    return write(response, callback, !"POST".equals(method) ? new Reply.Redirect(https + path)
                            : "/login".equals(path) ? onTo(https + path)
                            // A login made over plain HTTP does not count over HTTPS: the logout is done.
                            : "/logout".equals(path) ? onTo(https + "/")
                            : notSavedMovedToHttps(https + pageOf(path)));
                }
                Route route = routes.get(method + " " + path);
                if (route == null) {
                    boolean known = routes.keySet().stream().anyMatch(k -> k.endsWith(" " + path));
                    return write(response, callback, known
                            ? errorPage(HttpStatus.METHOD_NOT_ALLOWED_405, "Not available this way", "This address "
                                    + "answers only to the form or the link on its own page: open that page and use it.")
                            : notFound());
                }
                if (!"POST".equals(route.method())) {
                    return write(response, callback, guard(route, request, response, readable(() -> Request.extractQueryParameters(request))));
                }
                if (FIRMWARE_PATH.equals(path)) {
                    // The update file (tens of MB) goes to the installer as it arrives, never held:
                    // the login and the CSRF token (in the query) are checked before the body is
                    // read, so only a logged-in admin's upload holds this thread.
                    Reply reply = guard(route, request, response, readable(() -> Request.extractQueryParameters(request)));
                    if (!BundleUpload.read(request) && cookie(request) != null) {
                        // Refused before the file was read (the login expired while the owner
                        // fetched the file, say): the file is read and dropped, within bounds, or
                        // the browser shows "connection reset" mid-upload, not the page saying why.
                        BundleUpload.discard(request);
                    }
                    return write(response, callback, reply);
                }
                // The form is read without holding a thread, and within a deadline: a body dripped
                // in a byte at a time (each resetting the idle timeout) would otherwise hold a
                // thread, before any login check, for as long as the client liked.
                CompletableFuture<Fields> form = new CompletableFuture<>();
                if (IMPORT_PATH.equals(path)) {
                    AdminSessions.Session s = sessions.find(cookie(request), false);
                    // As guard judges it: a login made under a password changed since (at the console) is over.
                    if (s != null && s.admin && underCurrentPassword(s)) {
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
                                reply = guard(route, request, response, error == null ? new Form(fields, null) : unreadable(error));
                            } catch (Exception e) {
                                reply = failed(request, path, e);
                            }
                            write(response, callback, reply);
                        });
                return true;
            } catch (Exception e) {
                return write(response, callback, failed(request, path, e));
            }
        }

        /** A request's fields, or why they could not be read. */
        private record Form(Fields fields, Reply refusal) {
        }

        private static Form readable(java.util.function.Supplier<Fields> read) {
            try {
                return new Form(read.get(), null);
            } catch (RuntimeException e) {
                return unreadable(e);
            }
        }

        private static Form unreadable(Throwable error) {
            Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (e instanceof java.util.concurrent.TimeoutException) {
                String more = REFUSED_LOGGED.admit();
                if (more != null) {
                    LOG.warn("a request body did not arrive in time; connection closed{}", more);
                }
                return new Form(null, errorPage(HttpStatus.REQUEST_TIMEOUT_408, "Nothing was saved",
                        "The form did not arrive in time, so nothing was saved. Go back and send it again."));
            }
            // Broken percent-encoding, too many or too large fields: the client's fault, not ours.
            int status = e instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500
                    ? h.getCode() : HttpStatus.BAD_REQUEST_400;
            return new Form(null, errorPage(status, "Nothing was saved", "This form could not be read ("
                    + e.getMessage() + "), so nothing was saved. Go back, reload the page and send it again."));
        }

        /**
         * What a request that threw answers. A storage failure is the owner's to act on (free space,
         * restart, restore a backup), so it gets a page naming it and saying that nothing was
         * saved; anything else is a bug, answered "internal error" with the trace in the log.
         */
        private static Reply failed(Request request, String path, Exception e) {
            if (e instanceof StorageUnavailable s) {
                LOG.error("{} {}: {}", request.getMethod(), path, s.getMessage(), s.getCause());
                Map<String, Object> model = bareModel("");
                model.put("post", "POST".equals(request.getMethod()));
                model.put("why", s.getMessage());
                return new Reply.Page(HttpStatus.SERVICE_UNAVAILABLE_503, "storage.ftlh", model);
            }
            LOG.error("{} {} failed", request.getMethod(), path, e);
            return internalError();
        }

        private static Reply internalError() {
            return errorPage(HttpStatus.INTERNAL_SERVER_ERROR_500, "Something went wrong", INTERNAL_ERROR);
        }

        /** The internal-error page, or null when it cannot be rendered either. */
        private String renderedInternalError() {
            Reply.Page error = (Reply.Page) internalError();
            try {
                return render(error.template(), error.model());
            } catch (Exception e) {
                return null;
            }
        }

        private static Reply notFound() {
            return errorPage(HttpStatus.NOT_FOUND_404, "Page not found", "This router has no page at this address.");
        }

        /** Session, setup, login and CSRF checks, in that order, before any route runs. */
        /** Whether an admin session's login was made with the admin password stored now. */
        private boolean underCurrentPassword(AdminSessions.Session session) {
            return session.adminHash.equals(backend.admin().passwordHash().orElse(null));
        }

        private Reply guard(Route route, Request request, Response response, Form form) throws Exception {
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
                return route.action().handle(new Exchange(request, session, params));
            }
            if (route.access() == Route.Access.METRICS && pages.metricsTokenMatches(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
                return route.action().handle(new Exchange(request, session, params));
            }
            boolean setUp = backend.admin().passwordHash().isPresent();
            if (post && (session == null || !session.csrfMatches(params.getValue("csrf")))) {
                // A page, not a line of text: the admin whose session timed out mid-form must learn
                // that nothing was saved and where to log in again.
                Map<String, Object> m = bareModel("login");
                if (session != null && session.admin) {
                    // Still logged in, with a newer session than the form's (a login again, or the
                    // password changed, in another tab): "Log in" led to the Dashboard, not the form.
                    m.put("again", pageOf(route.path()));
                } else {
                    // The owner away from a form for 30 minutes: "Log in" leads back to its page.
                    m.put("login", loginEnded && route.access() == Route.Access.ADMIN
                            ? LoginPages.loginFor(pageOf(route.path())) : "/login");
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
            String failure = httpsFailure;
            if (failure != null) {
                // Before login only the fact: the reason may name files or certificate errors.
                x.httpsFailure = session.admin ? failure
                        : "HTTPS is switched on but could not start on port " + backend.system().httpsPort();
            }
            if (session.admin) {
                x.warnings = backend.system();
            }
            Reply reply = route.action().handle(x);
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
            return "/api/throughput".equals(route.path()) || "/".equals(route.path()) && "1".equals(params.getValue("live"));
        }

        /** Fetch metadata (sent by current browsers): another site's request for something other than a page. */
        private static boolean crossSiteSubresource(Request request) {
            return "cross-site".equals(request.getHeaders().get("Sec-Fetch-Site"))
                    && !"document".equals(request.getHeaders().get("Sec-Fetch-Dest"));
        }

        private Reply forbidden() {
            return new Reply.Text(HttpStatus.FORBIDDEN_403, "text/plain", "refused: log in first\n");
        }

        private String cookie(Request request) {
            for (HttpCookie c : Request.getCookies(request)) {
                if (COOKIE.equals(c.getName())) {
                    return c.getValue();
                }
            }
            return null;
        }

        private boolean staticFile(String path, Response response, Callback callback) throws Exception {
            String name = path.substring("/static/".length());
            String type = name.endsWith(".css") ? "text/css" : name.endsWith(".js") ? "text/javascript" : null;
            if (type == null || !name.matches("[a-z0-9-]+\\.(css|js)")) {
                return write(response, callback, notFound());
            }
            try (InputStream in = WebServer.class.getResourceAsStream("static/" + name)) {
                if (in == null) {
                    return write(response, callback, notFound());
                }
                return write(response, callback, new Reply.Text(HttpStatus.OK_200, type + ";charset=utf-8",
                        new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
        }

        private boolean write(Response response, Callback callback, Reply reply) {
            String body;
            int status;
            String type;
            switch (reply) {
                case Reply.Redirect r -> {
                    status = HttpStatus.SEE_OTHER_303;
                    response.getHeaders().put(HttpHeader.LOCATION, r.location());
                    type = "text/plain";
                    body = "see " + r.location() + "\n";
                }
                case Reply.Text t -> {
                    status = t.status();
                    type = t.contentType();
                    body = t.body();
                    if (t.downloadName() != null) {
                        response.getHeaders().put(HttpHeader.CONTENT_DISPOSITION, "attachment; filename=\"" + t.downloadName() + "\"");
                    }
                }
                case Reply.Page p -> {
                    status = p.status();
                    type = "text/html;charset=utf-8";
                    try {
                        body = render(p.template(), p.model());
                    } catch (Exception e) {
                        LOG.error("rendering {} failed", p.template(), e);
                        status = HttpStatus.INTERNAL_SERVER_ERROR_500;
                        body = renderedInternalError();
                        if (body == null) {
                            type = "text/plain"; // the templates themselves are broken
                            body = INTERNAL_ERROR + "\n";
                        }
                    }
                }
            }
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }
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
