package org.homerouter.webui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The page tests' common ground, registered as a field ({@code @RegisterExtension}): the web server
 * on a free loopback port over a {@link FakeBackend}, on the test's clock, started before each
 * test and closed after it, and the admin's browser.
 */
final class UiUnderTest implements BeforeEachCallback, AfterEachCallback {
    static final String ADMIN_PW = "correct horse battery";
    final FakeBackend fake = new FakeBackend();
    /** Elapsed time and the time of day alike (session expiry, lockouts, the times pages show). */
    final AtomicLong now = new AtomicLong(1_000_000);
    /** The server's address, "http://127.0.0.1:PORT", once started. */
    String base;
    private WebServer server;
    private Path dir;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("webui-test");
        server = TestServers.onLoopback(dir, fake, now::get, now::get);
        base = "http://127.0.0.1:" + server.start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        server.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A logged-in browser: the first sets the admin password, each later one logs in (another device). */
    Browser admin() throws Exception {
        return TestServers.admin(base, fake, now, ADMIN_PW);
    }
}
