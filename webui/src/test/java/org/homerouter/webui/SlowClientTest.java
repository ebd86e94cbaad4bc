package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow-loris and connection hogging on the UI port, from loopback. The slow clients come from
 * other loopback addresses (127.0.0.2 ...: Linux routes all of 127/8 to lo), so that the per-address
 * limit is tested apart from the header timeout, and the normal user is 127.0.0.1.
 */
class SlowClientTest {
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(3);
    private static final int PER_SOURCE = 32;
    /** Bytes a slow client sends, one at a time: a request header that never ends. */
    private static final byte[] ENDLESS = ("GET /login HTTP/1.1\r\nHost: router\r\nX-Slow: " + "a".repeat(100_000))
            .getBytes(StandardCharsets.US_ASCII);

    private final FakeBackend fake = new FakeBackend();
    private final List<Socket> sockets = new ArrayList<>();
    private WebServer server;
    private int port;
    @TempDir
    Path dir;

    private void start(WebServer.Limits limits) throws Exception {
        server = new WebServer(new WebServer.Options(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                dir.resolve("tls.p12"), "homerouter", limits), fake.backend());
        port = server.start();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoHundredSlowLorisConnectionsNeitherStarveANormalUserNorOutliveTheHeaderTimeout() throws Exception {
        start(new WebServer.Limits(HEADER_TIMEOUT, 512, PER_SOURCE, 8 * 1024));
        int slow = 200;
        long[] openedNanos = new long[slow];
        long[] closedNanos = new long[slow];
        for (int i = 0; i < slow; i++) {
            // 20 connections from each of 10 addresses: under the per-address limit, so only the
            // header timeout can end them.
            openedNanos[i] = System.nanoTime();
            connect("127.0.0." + (2 + i % 10)).getOutputStream().write(ENDLESS[0]);
        }
        Thread drip = Thread.ofPlatform().daemon().start(() -> {
            // One more header byte per connection every 200 ms: Jetty's idle timeout never fires.
            for (int sent = 1; sent < ENDLESS.length && !Thread.currentThread().isInterrupted(); sent++) {
                boolean anyOpen = false;
                for (int i = 0; i < slow; i++) {
                    if (closedNanos[i] == 0) {
                        try {
                            sockets.get(i).getOutputStream().write(ENDLESS[sent]);
                            anyOpen = true;
                        } catch (IOException e) {
                            closedNanos[i] = System.nanoTime();
                        }
                    }
                }
                if (!anyOpen) {
                    return;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long slowest = 0;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/setup"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            slowest = Math.max(slowest, System.nanoTime() - t0);
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("admin password"), r.body());
            Thread.sleep(500);
        }
        assertTrue(slowest < Duration.ofSeconds(5).toNanos(), "normal request took " + slowest / 1_000_000 + " ms");

        drip.join(HEADER_TIMEOUT.plusSeconds(10).toMillis());
        drip.interrupt();
        long first = Long.MAX_VALUE;
        long last = 0;
        int open = 0;
        for (int i = 0; i < slow; i++) {
            if (closedNanos[i] == 0) {
                open++;
            } else {
                first = Math.min(first, closedNanos[i] - openedNanos[i]);
                last = Math.max(last, closedNanos[i] - openedNanos[i]);
            }
        }
        assertEquals(0, open, "slow connections still open " + HEADER_TIMEOUT.plusSeconds(10).toSeconds() + " s later");
        assertTrue(last <= HEADER_TIMEOUT.plusSeconds(10).toNanos(), "last closed after " + last / 1_000_000 + " ms");
        // Not refused on arrival: they were closed by the header timeout.
        assertTrue(first >= HEADER_TIMEOUT.toNanos() / 2, "first closed after " + first / 1_000_000 + " ms");
        System.out.printf("slow-loris: normal request at most %d ms; %d slow connections closed %d–%d ms after opening%n",
                slowest / 1_000_000, slow, first / 1_000_000, last / 1_000_000);
    }

    @Test
    void anAddressOverItsConnectionLimitIsRefusedWhileOthersAreServed() throws Exception {
        start(new WebServer.Limits(Duration.ofSeconds(60), 512, PER_SOURCE, 8 * 1024));
        List<Socket> hog = new ArrayList<>();
        for (int i = 0; i < PER_SOURCE + 5; i++) {
            hog.add(connect("127.0.0.9"));
        }
        // The server closes each one over the limit as it accepts it: poll, a slow machine takes a while.
        List<Socket> kept = new ArrayList<>(hog);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (kept.size() > PER_SOURCE && System.nanoTime() < deadline) {
            kept = new ArrayList<>();
            for (Socket s : hog) {
                if (!closedByServer(s)) {
                    kept.add(s);
                }
            }
        }
        assertEquals(PER_SOURCE, kept.size(), "connections over the limit of " + PER_SOURCE + " closed, the others kept");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "another address is served");
        // Once the hog lets go of some, it may connect again.
        for (int i = 0; i < 5; i++) {
            kept.get(i).close();
        }
        // The server counts each close when it notices it: a connection a moment too early is
        // closed on arrival, so try again until one is served.
        String reply = "";
        deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!reply.startsWith("HTTP/1.1 200") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            try (Socket again = connect("127.0.0.9")) {
                again.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: router\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                again.setSoTimeout(5000);
                reply = new String(again.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                reply = e.toString();
            }
        }
        assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
    }

    /**
     * One LAN device holding every slot of the cap with connections (idle keep-alives, each making
     * a request now and then): the owner's browser waited in the backlog for as long as it
     * liked. Its oldest connection is closed as the cap nears, and the owner is served at once.
     */
    @Test
    void whenOneAddressTakesEverySlotItsOldestConnectionMakesRoomForANewUser() throws Exception {
        int max = 40;
        start(new WebServer.Limits(Duration.ofSeconds(60), max, 1000, 8 * 1024));
        List<Socket> greedy = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            greedy.add(connect("127.0.0.3")); // connected, silent: the header timeout is far off
        }
        long t0 = System.nanoTime();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        System.out.printf("one address holding the cap of %d: a new user was served after %d ms%n", max,
                (System.nanoTime() - t0) / 1_000_000);
        // Its oldest made room (Jetty's selectors may take them in a slightly different order than opened).
        int closed = 0;
        for (Socket s : greedy) {
            closed += closedByServer(s) ? 1 : 0;
        }
        assertTrue(closed >= 1 && closed <= 4, closed + " of its " + max + " connections closed");
    }

    @Test
    void whenIdleConnectionsOfManyAddressesTakeEverySlotANewUserWaitsOnlyUntilTheHeaderTimeoutFreesOne()
            throws Exception {
        int max = 20;
        start(new WebServer.Limits(HEADER_TIMEOUT, max, 1000, 8 * 1024));
        for (int i = 0; i < max; i++) {
            // Four from each of five addresses, each within its fair share: nobody's to close.
            connect("127.0.0." + (3 + i % 5)); // connected, silent
        }
        Thread.sleep(500);
        long t0 = System.nanoTime();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(HEADER_TIMEOUT.plusSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        long waited = System.nanoTime() - t0;
        assertEquals(200, r.statusCode());
        // Held back by the cap (not accepted while the 20 are open), then served once the timeout closed them.
        assertTrue(waited >= HEADER_TIMEOUT.toNanos() / 2, "served after " + waited / 1_000_000 + " ms: the cap did not hold");
        assertTrue(waited <= HEADER_TIMEOUT.plusSeconds(10).toNanos(), "served after " + waited / 1_000_000 + " ms");
        System.out.printf("connection cap %d: a new user was served after %d ms%n", max, waited / 1_000_000);
    }

    /**
     * LAN devices asking for pages all at once while the store is slow (an SD card busy writing),
     * with idle connections besides: on Jetty's default pool of 200 the UI grew a thread for each
     * waiting request (63 more threads here), each with its stack on a 512 MB router. The pool stays
     * at its cap, and the owner's page still comes.
     */
    @Test
    void aBurstOfSlowPagesRunsOnAFewThreadsAndTheOwnerIsStillServed() throws Exception {
        fake.passwordHashReadMs = 100;
        start(new WebServer.Limits(Duration.ofSeconds(60), 512, 1000, 8 * 1024));
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int before = mx.getThreadCount();
        for (int i = 0; i < 100; i++) {
            connect("127.0.0." + (2 + i % 10)); // idle
        }
        for (int i = 0; i < 120; i++) {
            connect("127.0.0." + (12 + i % 10)).getOutputStream().write(
                    "GET /setup HTTP/1.1\r\nHost: router\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        int most = 0;
        for (int i = 0; i < 20; i++) {
            most = Math.max(most, mx.getThreadCount() - before);
            Thread.sleep(50);
        }
        long t0 = System.nanoTime();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/setup")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("admin password"), r.body());
        assertTrue(most <= WebServer.MAX_THREADS, most + " more threads while 120 slow pages were asked for");
        System.out.printf("120 slow pages asked for at once: %d more threads; the owner's page came in %d ms%n",
                most, waited);
    }

    /**
     * Slow pages asked for faster than the threads serve them: the log says, within seconds, that
     * every thread is busy and requests wait (the owner's pages took seconds and the log was silent).
     */
    @Test
    void everyThreadBusyWithRequestsWaitingIsSaidInTheLog() throws Exception {
        fake.passwordHashReadMs = 1500;
        start(new WebServer.Limits(Duration.ofSeconds(60), 512, 1000, 8 * 1024));
        for (int i = 0; i < 40; i++) {
            connect("127.0.0." + (2 + i % 10)).getOutputStream().write(
                    "GET /setup HTTP/1.1\r\nHost: router\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.threadPoolExhausted() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, server.threadPoolExhausted(), "episodes of every thread busy, as logged");
    }

    /** Every slot held by devices each within its fair share: said once in the log, not once a connection. */
    @Test
    void reachingTheConnectionCapIsLoggedOncePerEpisode() throws Exception {
        int max = 20;
        start(new WebServer.Limits(Duration.ofSeconds(60), max, 1000, 8 * 1024));
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < max + 5; i++) {
            held.add(connect("127.0.0." + (3 + i % 5))); // the last five wait in the backlog
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.connectionCapsReached() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        // Connections keep closing and the waiting ones take their slots: still the same episode.
        for (int i = 0; i < 5; i++) {
            held.get(i).close();
            Thread.sleep(200);
        }
        assertEquals(1, server.connectionCapsReached(), "episodes of the cap reached, as logged");
    }

    @Test
    void anOversizedRequestHeaderIsRefused() throws Exception {
        start(WebServer.Limits.ROUTER);
        Socket s = connect("127.0.0.1");
        s.setSoTimeout(5000);
        s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: router\r\nX-Big: " + "b".repeat(9 * 1024)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertEquals("HTTP/1.1 431", reply.substring(0, 12), reply);
        // Neither a Server header nor the "Powered by Jetty:// 12.x" line of Jetty's own error page.
        assertFalse(reply.toLowerCase(java.util.Locale.ROOT).contains("jetty"),
                "Jetty's own error names no server software nor its version:\n" + reply);
    }

    @Test
    void aRequestBodyDrippedInIsCutOffAtTheHeaderTimeout() throws Exception {
        // A POST that announces 200 KB and sends a byte every 100 ms: before any login check, the
        // thread reading the form would wait for it for half an hour.
        start(new WebServer.Limits(Duration.ofSeconds(2), 64, 32, 8 * 1024));
        Socket s = connect("127.0.0.1");
        OutputStream out = s.getOutputStream();
        out.write(("POST /login HTTP/1.1\r\nHost: router\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 200000\r\n\r\npassword=").getBytes(StandardCharsets.US_ASCII));
        long start = System.nanoTime();
        boolean closed = false;
        while (!closed && System.nanoTime() - start < Duration.ofSeconds(20).toNanos()) {
            try {
                out.write('a');
                out.flush();
            } catch (IOException e) {
                closed = true;
                break;
            }
            closed = closedByServer(s);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(closed, "the dripping request was still open after " + ms + " ms");
        assertTrue(ms < 10_000, "cut off after " + ms + " ms");
    }

    /**
     * An update file refused before it was read (a made-up session cookie) is read and dropped,
     * so that an owner whose login expired gets the page saying so; it was read on a thread, with
     * blocking reads, and a byte every second kept each from timing out: 224 of them from seven
     * LAN addresses held all of the UI's 200 threads, and the owner's page never came.
     */
    @Test
    void refusedUploadsDrippedInHoldNoThreadTheOwnerNeeds() throws Exception {
        start(new WebServer.Limits(HEADER_TIMEOUT, 512, PER_SOURCE, 8 * 1024));
        List<OutputStream> uploads = new ArrayList<>();
        for (int i = 0; i < 7 * PER_SOURCE; i++) {
            Socket s = connect("127.0.0." + (2 + i % 7));
            OutputStream out = s.getOutputStream();
            out.write(("POST " + WebServer.FIRMWARE_PATH + "?csrf=00 HTTP/1.1\r\nHost: router\r\nCookie: hr_session=made-up"
                    + "\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 300000000\r\n\r\n-")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            uploads.add(out);
        }
        Thread drip = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (OutputStream out : uploads) {
                    try {
                        out.write('-');
                        out.flush();
                    } catch (IOException e) {
                        // closed: the others go on
                    }
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            Thread.sleep(HEADER_TIMEOUT.toMillis() + 1000); // past the time a stalled request would end at
            long t0 = System.nanoTime();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/setup"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            System.out.printf("224 refused uploads dripped in: the owner's page came in %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
        } finally {
            drip.interrupt();
        }
    }

    private Socket connect(String from) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        return s;
    }

    /** True when the server has closed the connection (EOF or reset); the caller waited for it to act. */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(100);
        InputStream in = s.getInputStream();
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
