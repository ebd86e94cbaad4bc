package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebServerTest {
    private WebServer server;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        StatusSource source = () -> new StatusSource.Status("1.2.3", true, "0.0.0.0:1723", 64,
                List.of(new StatusSource.ControlConnectionRow("/192.0.2.7:40000 <script>alert(1)</script>", "ESTABLISHED",
                        List.of(new StatusSource.CallRow(4711, 5, "ESTABLISHED")))),
                List.of("call: call 4711 from 192.0.2.7 up"));
        server = new WebServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), source);
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void statusPageShowsServerStateConnectionsAndEvents() throws Exception {
        HttpResponse<String> r = get("/");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("listening on 0.0.0.0:1723"), r.body());
        assertTrue(r.body().contains("4711 / 5 ESTABLISHED"));
        assertTrue(r.body().contains("call 4711 from 192.0.2.7 up"));
        assertTrue(r.body().contains("cryptographically weak"));
    }

    @Test
    void peerChosenTextIsEscaped() throws Exception {
        String body = get("/").body();
        assertFalse(body.contains("<script>alert(1)</script>"), "markup from the network must not reach the page");
        assertTrue(body.contains("&lt;script&gt;"));
    }

    @Test
    void everyResponseForbidsFramingAndForeignScripts() throws Exception {
        for (String path : new String[] {"/", "/healthz", "/missing"}) {
            HttpResponse<String> r = get(path);
            assertEquals(WebServer.CSP, r.headers().firstValue("Content-Security-Policy").orElse(""), path);
            assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""), path);
        }
        assertEquals(404, get("/missing").statusCode());
    }

    @Test
    void writesAreRefusedOnTheReadOnlyPages() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("x=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
    }
}
