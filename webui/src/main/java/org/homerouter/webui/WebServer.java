package org.homerouter.webui;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.homerouter.webui.api.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's web UI on Jetty 12 (core handler API, no servlets), pages rendered with FreeMarker
 * templates ({@code .ftlh}: HTML auto-escaping, so a user or peer-chosen name cannot inject markup).
 * This class keeps the server's life (its listeners, their limits, start and close) and wires the
 * parts: {@link RequestDispatch} answers every request, {@link RequestGuard} checks it before its
 * route runs, {@link HttpsListener} keeps the HTTPS listener, {@link Templates} draws the pages.
 *
 * <p>Security model, enforced by {@link RequestDispatch} and {@link RequestGuard} for every route
 * rather than by each page: until an admin password exists every page leads to first-run setup;
 * then every page but the login form, the health check and static files needs a logged-in session
 * (cookie HttpOnly, SameSite=Strict, Secure over HTTPS); every POST must carry the session's CSRF
 * token; every response carries a strict Content-Security-Policy (no inline script or style, no
 * framing).
 *
 * <p>Locking: none of its own; what HTTPS changes live is guarded by {@link HttpsListener}'s lock.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
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

    /**
     * The most threads the UI runs on, its listeners' acceptors and selectors included. Jetty's
     * default is 200: on a 512 MB router (-Xss512k) a burst of requests from LAN devices while the
     * store was slow grew that many threads, each with its stack and buffers, beside the VPN's
     * sessions. A config UI has one owner; a request waits its turn in the queue instead.
     */
    static final int MAX_THREADS = 16;
    /** Threads kept when idle: the listeners' own (about 2 each) and a couple for pages. */
    static final int MIN_THREADS = 4;
    /** A thread beyond {@link #MIN_THREADS} idle this long ends. */
    private static final int THREAD_IDLE_MS = 60_000;

    private static QueuedThreadPool threadPool() {
        QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, MIN_THREADS, THREAD_IDLE_MS);
        pool.setName(THREAD_NAME);
        return pool;
    }

    /** Its threads' names begin with this (tests count them). */
    static final String THREAD_NAME = "webui";

    /** Where the System page's update file goes (BundleUpload): its body is read by the route itself. */
    static final String FIRMWARE_PATH = "/system/firmware";
    /** The page that restores a configuration export, whose form may be large. */
    static final String IMPORT_PATH = "/system/import";
    /** The largest restore form read: 16 times Jetty's default, about 15,000 accounts. */
    static final int MAX_IMPORT_FORM_BYTES = 16 * FormFields.MAX_LENGTH_DEFAULT;

    private final Server server;
    private final Options options;
    private final AdminSessions sessions;
    private final Pages pages;
    private final RouteTable routes;
    private final ListenerSettings listeners;
    private final HttpsListener https;
    /** Says when every thread is busy and requests queue, and when they no longer do. */
    private final ThreadPoolWatch threads;

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
        this.sessions = new AdminSessions(elapsedMs);
        Templates templates = new Templates();
        this.pages = new Pages(backend, sessions, new LoginThrottle(elapsedMs),
                new KnownDevices(backend.admin(), wallMs), new PasswordHasher(), wallMs, elapsedMs, this);
        this.routes = new RouteTable(pages.routes());
        QueuedThreadPool pool = threadPool();
        this.server = new Server(pool);
        this.threads = new ThreadPoolWatch(pool, server.getScheduler(), LoggerFactory.getLogger(ThreadPoolWatch.class),
                System::nanoTime);
        ConnectionGuard guard = new ConnectionGuard(options.limits().headerTimeout(), options.limits().maxPerSource(),
                options.limits().maxConnections(), server.getScheduler());
        server.addBean(guard);
        this.listeners = new ListenerSettings(options.limits(), guard);
        this.https = new HttpsListener(server, options, backend, listeners);
        ServerConnector connector = listeners.connector(server,
                new HttpConnectionFactory(listeners.httpConfiguration()));
        connector.setHost(options.http().getHostString());
        connector.setPort(options.http().getPort());
        server.addConnector(connector);
        server.addBean(threads);
        server.setHandler(new RequestDispatch(options, routes, sessions,
                new RequestGuard(backend, sessions, pages, routes, this), new ReplyWriter(templates), this));
    }

    /** Starts listening (and HTTPS too when it is switched on); returns the HTTP port. */
    public int start() throws Exception {
        server.start();
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        LOG.info("web UI on http://{}:{}/", options.http().getHostString(), port);
        https.start();
        return port;
    }

    /** The minute's retry of an HTTPS that failed at start ({@link HttpsListener#retry}), for the test. */
    void retryHttps() {
        https.retry();
    }

    /** Why HTTPS, switched on, is not serving (it failed at start), or null. */
    public String httpsFailure() {
        return https.failure();
    }

    /**
     * The SHA-256 fingerprint of the certificate HTTPS serves or will serve, as browsers show it, made
     * now if there is none yet; null if it cannot be read or made ({@link HttpsListener#certificateFingerprint}).
     */
    public String certificateFingerprint() {
        return https.certificateFingerprint();
    }

    /**
     * Opens, moves or closes the HTTPS listener to match the stored choice and port; live, no
     * restart. A new port is opened before the old listener is let go, so a port that is taken
     * leaves HTTPS serving where it was (and this throws).
     */
    public void applyHttps() throws Exception {
        https.apply();
    }

    /** The HTTP port. */
    public int httpPort() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The browser sessions, for the fuzz test (which logs in without paying for Argon2 on every run). */
    AdminSessions sessions() {
        return sessions;
    }

    /** An in-memory listener (no socket) with the same HTTP settings, for the fuzz test's raw requests. */
    LocalConnector addLocalConnector() throws Exception {
        LocalConnector c = new LocalConnector(server, new HttpConnectionFactory(listeners.httpConfiguration()));
        server.addConnector(c);
        c.start();
        return c;
    }

    /** The HTTPS port while HTTPS is on, else -1. */
    public int httpsPort() {
        return https.port();
    }

    /** How many times a listener's connection cap was reached, as logged ({@link ConnectionCap}). */
    int connectionCapsReached() {
        int n = 0;
        for (var c : server.getConnectors()) {
            ConnectionCap cap = c.getBean(ConnectionCap.class);
            n += cap == null ? 0 : cap.episodes();
        }
        return n;
    }

    /** How many times every UI thread was busy with requests waiting, as logged ({@link ThreadPoolWatch}). */
    int threadPoolExhausted() {
        return threads.episodes();
    }

    /** How many admin password checks are being computed now (for tests that time logins against them). */
    int passwordChecksRunning() {
        return pages.passwordChecksRunning();
    }

    @Override
    public void close() {
        https.close();
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the web UI: {}", e.toString());
        }
    }

    /** Every route, for the test that proves each one refuses what it must. */
    List<Route> routes() {
        return routes.all();
    }
}
