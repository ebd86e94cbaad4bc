package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** The web server and the logged-in browser as the page tests set them up. */
final class TestServers {
    private TestServers() {
    }

    /** On a free loopback port, its TLS keystore in {@code dir}, on the test's clocks. */
    static WebServer onLoopback(Path dir, FakeBackend fake, LongSupplier wallMs, LongSupplier elapsedMs) {
        return new WebServer(new WebServer.Options(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                dir.resolve("tls.p12"), "homerouter"), fake.backend(), wallMs, elapsedMs);
    }

    /**
     * A logged-in browser: the first sets the admin password at first-run setup, each later one
     * logs in (another device), two seconds later on {@code elapsed} than the last try so that the
     * login's one-try-a-second rule lets it in.
     */
    static Browser admin(String base, FakeBackend fake, AtomicLong elapsed, String password) throws Exception {
        Browser b = new Browser(base);
        if (fake.hash == null) {
            b.get("/setup");
            HttpResponse<String> r = b.post("/setup", "password", password, "password_again", password);
            assertEquals(303, r.statusCode(), r.body());
        } else {
            b.get("/login");
            elapsed.addAndGet(2000);
            assertEquals(303, b.post("/login", "password", password).statusCode());
        }
        return b;
    }
}
