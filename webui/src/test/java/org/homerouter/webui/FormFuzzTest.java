package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.util.Fields;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.UserAccounts;
import org.homerouter.webui.api.UserAccounts.UserRow;
import org.homerouter.webui.api.VpnLockouts;
import org.homerouter.webui.api.VpnSettings;

/**
 * Every form of the UI (VPN server, users, passthrough, login, first-run setup, config import,
 * unlock) under arbitrary bodies: any field names and values, empty, huge, invalid UTF-8, control
 * characters, duplicate keys, broken percent-encoding, with or without the CSRF token. Requests go
 * through Jetty (an in-memory connector, no socket) exactly as a browser's would.
 *
 * <p>Invariants: never a 500; a refused form changes nothing (the backend's state is compared
 * before and after); what a form saved passes the form's own validation again; and a marker the
 * harness appends to values ({@code <x-fuzz-probe>}, {@code "x-fuzz-quote}) never comes back
 * unescaped in a page.
 */
class FormFuzzTest {
    private static final String ADMIN_PW = "fuzzing admin password";
    /** PasswordHasher's hash of {@link #ADMIN_PW}, made once: hashing it at every start would cost seconds under Jazzer. */
    private static final String ADMIN_HASH = "$argon2id$v=19$m=19456,t=2,p=1$sB2rhJFPzFK94wNRW8K7+g$QntfN9b9kQBO4YPSLEDixU06QgQJs4+CTxeymJcnjMQ";
    private static final String PROBE_TAG = "<x-fuzz-probe>";
    private static final String PROBE_QUOTE = "\"x-fuzz-quote";
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]+)\"");
    private static final VpnSettings DEFAULT_VPN = new VpnSettings(true, "0.0.0.0", 1723, "192.168.250.1",
            "192.168.250.10", "192.168.250.59", "", "", "", "", new LinkedHashSet<>(List.of("mschapv2")), "require-128", 64, 0);

    /**
     * A form, who posts it, the fields a browser would send (the fuzzer may send any others), and
     * a valid submission (name, value, ...) whose fields the fuzzer may drop, replace or duplicate,
     * so that it reaches the checks behind the first failing field and the save itself.
     */
    private record Target(String path, boolean anonymous, List<String> fields, List<String> valid) {
    }

    private static final List<Target> TARGETS = List.of(
            new Target("/vpn", false, List.of("enabled", "listen_address", "port", "local_address", "pool_start",
                    "pool_end", "dns_primary", "dns_secondary", "wins_primary", "wins_secondary", "auth", "mppe",
                    "max_sessions", "idle_timeout"),
                    List.of("enabled", "on", "listen_address", "0.0.0.0", "port", "1723", "local_address", "10.8.0.1",
                            "pool_start", "10.8.0.100", "pool_end", "10.8.0.150", "dns_primary", "10.8.0.1",
                            "dns_secondary", "", "wins_primary", "", "wins_secondary", "", "auth", "mschapv2",
                            "auth", "chap-md5", "mppe", "optional", "max_sessions", "10", "idle_timeout", "30")),
            new Target("/users/add", false, List.of("name", "password", "password_again", "enabled", "static_address"),
                    List.of("name", "bob", "password", "long enough pw", "password_again", "long enough pw",
                            "enabled", "on", "static_address", "192.168.250.80")),
            new Target("/users/edit", false, List.of("name", "enabled", "static_address"),
                    List.of("name", "alice", "enabled", "on", "static_address", "192.168.250.71")),
            new Target("/users/password", false, List.of("name", "password", "password_again"),
                    List.of("name", "alice", "password", "long enough pw", "password_again", "long enough pw")),
            new Target("/users/delete", false, List.of("name", "confirm"), List.of("name", "alice", "confirm", "yes")),
            new Target("/passthrough", false, List.of("enabled", "inbound_server"),
                    List.of("enabled", "on", "inbound_server", "192.168.1.10")),
            new Target("/system/import", false, List.of("config", "replace"), List.of("config", "{\"settings\":{}}", "replace", "on")),
            new Target("/lockouts/unlock", false, List.of("scope", "key"), List.of("scope", "vpn", "key", "user alice")),
            // username: the admin's name the pages send for password managers, which the server ignores.
            new Target("/login", true, List.of("username", "password"), List.of("username", "admin", "password", ADMIN_PW)),
            // Not a valid one: each success costs an Argon2 hash, seconds under the fuzzer.
            new Target("/setup", true, List.of("username", "password", "password_again"), List.of()));

    /** Values that get past the first checks, so the fuzzer reaches the deeper ones sooner. */
    private static final List<String> PLAUSIBLE = List.of("", "on", "0.0.0.0", "1723", "192.168.250.1",
            "192.168.250.10", "192.168.250.59", "192.168.250.20", "10.8.0.1", "192.168.1.10", "8.8.8.8", "mschapv2",
            "chap-md5", "pap", "require-128", "require-any", "optional", "none", "64", "0", "alice", "bob",
            "long enough pw", "user alice", "vpn", "admin", "127.0.0.1", "{\"settings\":{}}", "RESET", "yes", ADMIN_PW);

    private static final AtomicLong NOW = new AtomicLong(1_000_000);
    private static FakeBackend fake;
    private static LocalConnector local;
    private static String adminHash;
    private static String adminCookie;
    private static String adminCsrf;
    private static String anonCookie;
    private static String anonCsrf;

    private record Response(int status, String setCookie, String body) {
    }

    private record State(String hash, VpnSettings vpn, Map<String, UserRow> users, boolean passthrough, String inbound,
                         String imported, List<VpnLockouts.Lockout> locked) {
        static State of(FakeBackend f) {
            return new State(f.hash, f.vpn, new LinkedHashMap<>(f.users), f.passthrough, f.inboundServer, f.imported,
                    List.copyOf(f.vpnLocked));
        }
    }

    @FuzzTest(maxDuration = "10s")
    void anyFormBodyIsSavedWhollyOrNotAtAllAndComesBackEscaped(FuzzedDataProvider data) throws Exception {
        start();
        baseline();
        Target target = data.pickValue(TARGETS);
        boolean probe = data.consumeBoolean();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (data.consumeBoolean()) {
            List<String> valid = target.valid();
            for (int i = 0; i < valid.size(); i += 2) {
                byte[] name = valid.get(i).getBytes(StandardCharsets.UTF_8);
                byte[] good = valid.get(i + 1).getBytes(StandardCharsets.UTF_8);
                switch (data.consumeInt(0, 7)) {
                    case 0 -> { } // left out
                    case 1 -> pair(body, name, value(data, probe), data.consumeInt(0, 5) == 0);
                    case 2 -> { // sent twice, the second time with another value
                        pair(body, name, good, false);
                        pair(body, name, value(data, probe), false);
                    }
                    default -> pair(body, name, good, false);
                }
            }
        }
        int fields = data.consumeInt(0, 16);
        for (int i = 0; i < fields; i++) {
            String name = data.consumeInt(0, 7) == 0 ? data.consumeString(16) : data.pickValue(target.fields());
            pair(body, name.getBytes(StandardCharsets.UTF_8), value(data, probe), data.consumeInt(0, 5) == 0);
        }
        String csrf = target.anonymous() ? anonCsrf : adminCsrf;
        switch (data.consumeInt(0, 15)) {
            case 0 -> { } // no token
            case 1 -> pair(body, "csrf".getBytes(StandardCharsets.US_ASCII), value(data, false), false);
            case 2 -> { // two tokens, the right one second
                pair(body, "csrf".getBytes(StandardCharsets.US_ASCII), value(data, false), false);
                pair(body, "csrf".getBytes(StandardCharsets.US_ASCII), csrf.getBytes(StandardCharsets.US_ASCII), false);
            }
            default -> pair(body, "csrf".getBytes(StandardCharsets.US_ASCII), csrf.getBytes(StandardCharsets.US_ASCII), false);
        }
        if (data.consumeInt(0, 7) == 0) {
            body.write(data.consumeBytes(64)); // trailing garbage, unencoded
        }
        if (target.path().equals("/setup")) {
            fake.hash = null; // a fresh router
        } else if (target.path().equals("/login")) {
            NOW.addAndGet(1100); // past the one-attempt-a-second throttle
        }
        State before = State.of(fake);
        Response r = send("POST", target.path(), target.anonymous() ? anonCookie : adminCookie, body.toByteArray());

        assertNotEquals(500, r.status(), r.body());
        // 200 only for a delete not yet confirmed: the page that asks (and changes nothing).
        assertTrue(r.status() == 303 || r.status() >= 400 && r.status() < 500
                || r.status() == 200 && target.path().equals("/users/delete"), "status " + r.status());
        assertFalse(r.body().contains(PROBE_TAG), "unescaped markup in\n" + r.body());
        assertFalse(r.body().contains(PROBE_QUOTE), "unescaped quote in\n" + r.body());
        if (r.status() != 303) {
            assertEquals(before, State.of(fake), "refused with " + r.status() + ", yet something changed");
        } else {
            savedIsValid(target.path());
            // The page a browser sees next shows what was saved, escaped.
            Response next = send("GET", target.anonymous() ? "/" : landing(target.path()), adminCookie, null);
            assertNotEquals(500, next.status(), next.body());
            assertFalse(next.body().contains(PROBE_TAG), "unescaped markup in\n" + next.body());
            assertFalse(next.body().contains(PROBE_QUOTE), "unescaped quote in\n" + next.body());
        }
        if (r.setCookie() != null && target.anonymous()) {
            anonymousSession(); // setup or login replaced the anonymous session
        }
    }

    /** Where a saved form redirects: the page listing what it saved. */
    private static String landing(String path) {
        return switch (path) {
            case "/users/add", "/users/edit", "/users/password", "/users/delete" -> "/users";
            case "/system/import" -> "/system";
            case "/lockouts/unlock" -> "/lockouts";
            default -> path;
        };
    }

    /** What was saved would be accepted by its form again: nothing invalid slipped through. */
    private static void savedIsValid(String path) {
        switch (path) {
            case "/vpn" -> {
                Fields f = new Fields();
                VpnForm.values(fake.vpn).forEach((k, v) -> f.add(k, String.valueOf(v)));
                fake.vpn.authMethods().forEach(m -> f.add("auth", m));
                Form form = new Form(f);
                assertNotNull(VpnForm.read(form, fake.lans, fake.routedNetworks()), "saved VPN settings fail validation: " + form.errors);
            }
            case "/users/add", "/users/edit" -> {
                for (UserRow u : fake.users.values()) {
                    assertTrue(UserForm.NAME.matcher(u.name()).matches(), u.name());
                    assertTrue(u.staticAddress().isEmpty() || Ipv4.valid(u.staticAddress()), u.staticAddress());
                }
            }
            case "/passthrough" -> assertTrue(fake.inboundServer.isEmpty() || Ipv4.valid(fake.inboundServer), fake.inboundServer);
            case "/setup" -> assertTrue(fake.hash.startsWith("$argon2id$"), fake.hash);
            default -> { }
        }
    }

    /** A value: plausible, arbitrary text, arbitrary bytes (invalid UTF-8 too), or huge; maybe with the probe. */
    private static byte[] value(FuzzedDataProvider data, boolean probe) {
        byte[] v = switch (data.consumeInt(0, 9)) {
            case 0, 1, 2 -> data.pickValue(PLAUSIBLE).getBytes(StandardCharsets.UTF_8);
            case 3 -> data.consumeBytes(data.consumeInt(0, 64));
            case 4 -> data.pickValue(PLAUSIBLE).repeat(data.consumeInt(1, 40_000)).getBytes(StandardCharsets.UTF_8);
            default -> data.consumeString(data.consumeInt(0, 300)).getBytes(StandardCharsets.UTF_8);
        };
        if (!probe) {
            return v;
        }
        byte[] p = (PROBE_TAG + PROBE_QUOTE).getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[v.length + p.length];
        System.arraycopy(v, 0, out, 0, v.length);
        System.arraycopy(p, 0, out, v.length, p.length);
        return out;
    }

    /** name=value, percent-encoded as a browser does, or raw (any byte, '&', '=' and '%' included). */
    private static void pair(ByteArrayOutputStream body, byte[] name, byte[] value, boolean raw) {
        if (body.size() > 0) {
            body.write('&');
        }
        write(body, name, raw);
        body.write('=');
        write(body, value, raw);
    }

    private static void write(ByteArrayOutputStream out, byte[] bytes, boolean raw) {
        if (raw) {
            out.writeBytes(bytes);
            return;
        }
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
                out.write(c);
            } else {
                out.writeBytes(String.format("%%%02X", c).getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    // ---- one server for the whole run, its state reset before each input --------------------

    private static synchronized void start() throws Exception {
        if (local != null) {
            return;
        }
        fake = new FakeBackend();
        WebServer server = new WebServer(new WebServer.Options(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Files.createTempDirectory("form-fuzz").resolve("tls.p12"), "homerouter"), fake.backend(), NOW::get, NOW::get);
        server.start();
        local = server.addLocalConnector();
        adminHash = ADMIN_HASH;
        fake.hash = adminHash;
        // Logged in as the login form would, without an Argon2 check under the fuzzer's instrumentation.
        adminCookie = server.sessions().createAdmin(adminHash).id;
        anonymousSession();
    }

    private static void anonymousSession() throws Exception {
        String hash = fake.hash;
        fake.hash = adminHash;
        Response login = send("GET", "/login", null, null);
        fake.hash = hash;
        anonCookie = login.setCookie();
        anonCsrf = csrf(login.body());
    }

    /** Every input starts from the same router: one user, default settings, one VPN lockout; logged in. */
    private static void baseline() throws Exception {
        fake.hash = adminHash;
        fake.vpn = DEFAULT_VPN;
        synchronized (fake) {
            fake.users.clear();
            fake.users.put("alice", new UserRow("alice", true, "192.168.250.20", false, UserAccounts.LastConnection.NEVER));
        }
        fake.passthrough = false;
        fake.inboundServer = "";
        fake.imported = null;
        fake.vpnLocked.clear();
        fake.vpnLocked.add(new VpnLockouts.Lockout("user alice", true, "alice", 5, 30));
        fake.events.clear();
        Response page = send("GET", "/lockouts", adminCookie, null);
        assertEquals(200, page.status(), "the admin session lives: " + page.body());
        adminCsrf = csrf(page.body());
    }

    private static String csrf(String page) {
        Matcher m = CSRF.matcher(page);
        assertTrue(m.find(), page);
        return m.group(1);
    }

    private static Response send(String method, String path, String cookie, byte[] body) throws Exception {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: router\r\nConnection: close\r\n");
        if (cookie != null) {
            head.append("Cookie: ").append(WebServer.COOKIE).append('=').append(cookie).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        req.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            req.writeBytes(body);
        }
        ByteBuffer raw = local.getResponse(ByteBuffer.wrap(req.toByteArray()), 30, TimeUnit.SECONDS);
        assertNotNull(raw, "no response to " + method + " " + path);
        byte[] bytes = new byte[raw.remaining()];
        raw.get(bytes);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        assertTrue(text.startsWith("HTTP/1.1 ") && end > 0, "not an HTTP response: " + text);
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        String setCookie = null;
        List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
        for (String h : headers) {
            if (h.regionMatches(true, 0, "Set-Cookie: " + WebServer.COOKIE + "=", 0, 13 + WebServer.COOKIE.length())) {
                setCookie = h.substring(13 + WebServer.COOKIE.length(), h.indexOf(';'));
            }
        }
        String content = new String(bytes, end + 4, bytes.length - end - 4, StandardCharsets.UTF_8);
        return new Response(status, setCookie, content);
    }
}
