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
    private final Transport http;
    private final String base;
    private String cookie;
    private String csrf;

    /** How a request reaches the UI: a GET when {@code form} is null, else a POST of that form. */
    interface Transport {
        HttpResponse<String> send(URI uri, String cookie, String form) throws Exception;
    }

    private UiClient(int port, Transport http) {
        this.base = "http://127.0.0.1:" + port;
        this.http = http;
    }

    /** Runs first-run setup (or logs in when it was done) and returns the logged-in client. */
    static UiClient setUp(int port) throws Exception {
        return setUp(port, http());
    }

    /** The login page's answer to {@code password}: 303 logged in, 401 refused. */
    static HttpResponse<String> logIn(int port, String password) throws Exception {
        UiClient c = new UiClient(port, http());
        c.get("/login");
        return c.post("/login", "password", password);
    }

    private static Transport http() {
        HttpClient client = HttpClient.newHttpClient();
        return (uri, cookie, form) -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri);
            if (form != null) {
                b.header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form));
            }
            if (cookie != null) {
                b.header("Cookie", "hr_session=" + cookie);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        };
    }

    /** {@link #setUp(int)} for a UI on 127.0.0.1 inside network namespace {@code netns}. */
    static UiClient setUpIn(String netns, int port) throws Exception {
        return setUp(port, (uri, cookie, form) -> NetnsHttp.send(netns, uri, cookie == null ? null
                : "hr_session=" + cookie, form));
    }

    private static UiClient setUp(int port, Transport transport) throws Exception {
        UiClient c = new UiClient(port, transport);
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
        return remember(http.send(URI.create(base + path), cookie, null));
    }

    HttpResponse<String> post(String path, String... pairs) throws Exception {
        StringBuilder body = new StringBuilder("csrf=" + csrf);
        for (int i = 0; i < pairs.length; i += 2) {
            body.append('&').append(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return remember(http.send(URI.create(base + path), cookie, body.toString()));
    }

    /** The configuration export, as the System page's form downloads it (it asks for the admin password). */
    String export() throws Exception {
        HttpResponse<String> r = post("/system/export", "export_password", ADMIN_PASSWORD);
        if (r.statusCode() != 200) {
            throw new AssertionError("export refused: " + r.statusCode() + " " + r.body());
        }
        return r.body();
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
