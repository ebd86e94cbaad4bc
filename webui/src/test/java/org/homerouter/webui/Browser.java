package org.homerouter.webui;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal browser for the HTTP tests: keeps the session cookie and the known-device cookie, reads
 * the CSRF token from forms.
 */
final class Browser {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]+)\"");
    private final HttpClient http;
    private final String base;
    String cookie;
    /** The known-device cookie ({@link KnownDevices#COOKIE}), kept as a browser keeps it; else null. */
    String device;
    String csrf;

    Browser(String base) {
        this(base, HttpClient.newHttpClient());
    }

    /** With a client of the test's own (one that trusts a self-signed certificate, say). */
    Browser(String base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    HttpResponse<String> get(String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        cookies(b);
        return remember(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** POSTs a form with this browser's CSRF token. */
    HttpResponse<String> post(String path, String... pairs) throws Exception {
        List<String> all = new ArrayList<>(List.of(pairs));
        if (csrf != null) {
            all.add("csrf");
            all.add(csrf);
        }
        return postRaw(path, all.toArray(String[]::new));
    }

    /** POSTs exactly the given fields (no CSRF token unless listed). */
    HttpResponse<String> postRaw(String path, String... pairs) throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            if (!body.isEmpty()) {
                body.append('&');
            }
            body.append(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        cookies(b);
        return remember(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /**
     * Sends a file as a browser sends a form's file field (multipart/form-data, RFC 7578), to
     * {@code path} as it stands (a CSRF token in its query, if any, is the caller's).
     */
    HttpResponse<String> upload(String path, String field, String fileName, byte[] content) throws Exception {
        String boundary = "----hrtest" + Long.toHexString(System.nanoTime());
        byte[][] around = fileFieldAround(boundary, field, fileName);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(around[0], content, around[1])));
        cookies(b);
        return remember(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** What comes before and after a file's content in a form of that one file field (RFC 7578). */
    static byte[][] fileFieldAround(String boundary, String field, String fileName) {
        return new byte[][] {("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\""
                + fileName + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8),
                ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8)};
    }

    private void cookies(HttpRequest.Builder b) {
        List<String> sent = new ArrayList<>();
        if (cookie != null) {
            sent.add("hr_session=" + cookie);
        }
        if (device != null) {
            sent.add(KnownDevices.COOKIE + "=" + device);
        }
        if (!sent.isEmpty()) {
            b.header("Cookie", String.join("; ", sent));
        }
    }

    private HttpResponse<String> remember(HttpResponse<String> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("hr_session=")) {
                cookie = c.substring("hr_session=".length(), c.indexOf(';'));
            } else if (c.startsWith(KnownDevices.COOKIE + "=")) {
                device = c.substring(KnownDevices.COOKIE.length() + 1, c.indexOf(';'));
            }
        }
        Matcher m = CSRF.matcher(r.body());
        if (m.find()) {
            csrf = m.group(1);
        }
        return r;
    }
}
