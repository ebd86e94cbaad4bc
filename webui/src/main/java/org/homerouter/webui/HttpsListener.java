package org.homerouter.webui;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.homerouter.webui.api.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web UI's HTTPS listener, opened, moved and closed live (no restart) to match the stored
 * choice and port, while requests run on the server's other listeners; its certificate's
 * fingerprint; the retry of an HTTPS that failed at start. Logs under {@link WebServer}'s name.
 *
 * <p>Locking: this object's monitor guards the listener ({@link #connector}), the one in its grace
 * period ({@link #closingHttps}) and {@link #closing}; the certificate is read or made under it too,
 * so that two callers cannot make two keys. {@link #failure} is volatile, read without the lock by
 * every request.
 */
final class HttpsListener {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    /** How often HTTPS that failed at start is tried again: a port taken for a moment at boot. */
    static final Duration HTTPS_RETRY = Duration.ofMinutes(1);
    /** How long the HTTPS listener stays open after HTTPS is switched off, for the answers in flight. */
    private static final Duration HTTPS_OFF_GRACE = Duration.ofSeconds(2);

    private final Server server;
    private final WebServer.Options options;
    private final Backend backend;
    private final ListenerSettings settings;
    private ServerConnector connector;
    /** Set under this object's lock by close(): no HTTPS listener may open after it. */
    private boolean closing;
    /** The HTTPS listener in its grace period after HTTPS was switched off, or null. */
    private ServerConnector closingHttps;
    /** Why HTTPS did not start with the server, until a later apply succeeds; else null. */
    private volatile String failure;

    HttpsListener(Server server, WebServer.Options options, Backend backend, ListenerSettings settings) {
        this.server = server;
        this.options = options;
        this.backend = backend;
        this.settings = settings;
    }

    /** Opens HTTPS if it is switched on, once the server has started; if it cannot, says why and retries later. */
    void start() {
        try {
            apply();
        } catch (Exception e) {
            // E.g. another program took the HTTPS port, or the certificate file is unreadable. The
            // UI stays up over plain HTTP and its pages say so: without it the admin could not
            // change the port, and the router's VPN would not start either.
            failure = "HTTPS is switched on but could not start on port " + backend.system().httpsPort()
                    + ": " + e.getMessage();
            LOG.error("{}; the UI is served over plain HTTP only, and HTTPS is tried again every minute", failure);
            server.getScheduler().schedule(this::retry, HTTPS_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    synchronized void retry() {
        if (failure == null || closing || !server.isRunning()) {
            return; // started meanwhile (saved again on the System page), or stopping
        }
        try {
            apply();
            LOG.info("HTTPS started after all on port {}", port());
        } catch (Exception e) {
            LOG.debug("HTTPS still cannot start: {}", e.getMessage());
            server.getScheduler().schedule(this::retry, HTTPS_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Why HTTPS, switched on, is not serving (it failed at start), or null. */
    String failure() {
        return failure;
    }

    /**
     * The SHA-256 fingerprint of the certificate HTTPS serves or will serve, as browsers show it
     * (colon-separated hex); made now if there is none yet, so that the owner can read it over
     * plain HTTP before switching HTTPS on (once on, every plain-HTTP page sends the browser to
     * HTTPS, whose warning comes first). Against a self-signed certificate the address proves
     * nothing, a machine in the middle answers at it too: this is what the owner compares with the
     * certificate the browser's warning shows before accepting it. Null if it cannot be read or made.
     * Synchronized with {@link #apply}: the two must not make two keys.
     */
    synchronized String certificateFingerprint() {
        try {
            return SelfSignedCertificate.fingerprint(SelfSignedCertificate.loadOrCreate(options.tlsKeyStore(),
                    options.hostName()));
        } catch (Exception e) {
            LOG.warn("the HTTPS certificate's fingerprint cannot be shown: {}", e.toString());
            return null;
        }
    }

    /**
     * Opens, moves or closes the HTTPS listener to match the stored choice and port; live, no
     * restart. A new port is opened before the old listener is let go, so a port that is taken
     * leaves HTTPS serving where it was (and this throws).
     */
    synchronized void apply() throws Exception {
        boolean want = backend.system().httpsEnabled();
        int port = backend.system().httpsPort();
        if (want && connector != null && connector.getPort() != port) {
            ServerConnector old = connector;
            connector = open(port);
            retire(old);
        } else if (want && connector == null) {
            connector = open(port);
        } else if (!want && connector != null) {
            // Plain HTTP stops redirecting at once; the listener itself closes a moment later.
            retire(connector);
            connector = null;
        }
        failure = null;
    }

    private ServerConnector open(int port) throws Exception {
        if (closingHttps != null) {
            // Changed again within the grace period: the old listener may still hold the port.
            stopNow(closingHttps);
            closingHttps = null;
        }
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(SelfSignedCertificate.loadOrCreate(options.tlsKeyStore(), options.hostName()));
        tls.setKeyStorePassword(SelfSignedCertificate.STORE_PASSWORD);
        HttpConfiguration config = settings.httpConfiguration();
        config.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector c = settings.connector(server, new SslConnectionFactory(tls, "http/1.1"),
                new HttpConnectionFactory(config));
        c.setHost(options.http().getHostString());
        c.setPort(port);
        server.addConnector(c);
        try {
            c.start();
        } catch (Exception e) {
            server.removeConnector(c);
            throw e;
        }
        LOG.info("web UI on https://{}:{}/ (self-signed certificate)", options.http().getHostString(),
                c.getLocalPort());
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

    /** The HTTPS port while HTTPS is on, else -1. */
    synchronized int port() {
        return connector == null ? -1 : connector.getLocalPort();
    }

    /** From now on no HTTPS listener opens (the server is stopping). */
    synchronized void close() {
        closing = true;
    }
}
