package org.homerouter.appliance;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The appliance's web UI driven over HTTP as a browser would: session cookie and CSRF token kept. */
final class UiClient {
    static final String ADMIN_PASSWORD = "admin password 1";
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]+)\"");
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private String cookie;
    private String csrf;

    private UiClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** Runs first-run setup (or logs in when it was done) and returns the logged-in client. */
    static UiClient setUp(int port) throws Exception {
        UiClient c = new UiClient(port);
        HttpResponse<String> r = c.get("/setup");
        if (r.statusCode() == 200) {
            r = c.post("/setup", "password", ADMIN_PASSWORD, "password_again", ADMIN_PASSWORD);
        } else {
            c.get("/login");
            r = c.post("/login", "password", ADMIN_PASSWORD);
        }
        if (r.statusCode() != 303) {
            throw new AssertionError("setup/login failed: " + r.statusCode() + " " + r.body());
        }
        c.get("/");
        return c;
    }

    HttpResponse<String> get(String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (cookie != null) {
            b.header("Cookie", "hr_session=" + cookie);
        }
        return remember(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    HttpResponse<String> post(String path, String... pairs) throws Exception {
        StringBuilder body = new StringBuilder("csrf=" + csrf);
        for (int i = 0; i < pairs.length; i += 2) {
            body.append('&').append(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (cookie != null) {
            b.header("Cookie", "hr_session=" + cookie);
        }
        return remember(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private HttpResponse<String> remember(HttpResponse<String> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("hr_session=")) {
                cookie = c.substring("hr_session=".length(), c.indexOf(';'));
            }
        }
        Matcher m = CSRF.matcher(r.body());
        if (m.find()) {
            csrf = m.group(1);
        }
        return r;
    }
}
