package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.webui.api.Firmware;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The System page's firmware update, as the owner uses it: the version that runs, the update file
 * chosen and sent, the installer's answer in words, the restart into the new version. The installer
 * here is the test's (FakeBackend); the appliance's, with the image's scripts, is UpdateScriptTest's.
 */
class FirmwareUpdatePageTest {
    private static final Pattern ACTION = Pattern.compile("action=\"(/system/firmware\\?csrf=[0-9a-f]+)\"");
    @RegisterExtension
    final UiUnderTest ui = new UiUnderTest();
    private final FakeBackend fake = ui.fake;
    private final AtomicLong now = ui.now;

    private Browser admin() throws Exception {
        return ui.admin();
    }

    /** The update form's address on the System page, with its CSRF token. */
    private static String uploadAction(Browser b) throws Exception {
        String page = b.get("/system").body();
        Matcher m = ACTION.matcher(page);
        assertTrue(m.find(), page);
        return m.group(1);
    }

    private static byte[] bundle(int size) {
        byte[] b = new byte[size];
        new Random(11).nextBytes(b);
        return b;
    }

    /**
     * The page names the update file this router takes, from the processor it runs on: it said
     * "-arm64.update (-armhf.update on an armhf router)", and the owner did not know which theirs was.
     */
    @Test
    void thePageNamesTheUpdateFileThisRouterTakes() throws Exception {
        Browser b = admin();
        String arm64 = b.get("/system").body().replaceAll("\\s+", " ");
        assertTrue(arm64.contains("id=\"bundle-hint\">This router needs the file whose name ends in -arm64.update, as"
                + " homerouter-0.2.0+….-arm64.update. The router writes it"), arm64);
        assertFalse(arm64.contains("armhf"), arm64);

        fake.machineArch = "arm";
        String armhf = b.get("/system").body().replaceAll("\\s+", " ");
        assertTrue(armhf.contains("This router needs the file whose name ends in -armhf.update, as"
                + " homerouter-0.2.0+….-armhf.update."), armhf);
        assertFalse(armhf.contains("-arm64"), armhf);

        // Off the router image (a PC running the jar): no file is made for it, which is said.
        fake.machineArch = "amd64";
        String pc = b.get("/system").body().replaceAll("\\s+", " ");
        assertTrue(pc.contains("id=\"bundle-hint\">The file named like homerouter-0.2.0+….update. Update files are made"
                + " for ARM routers (arm64, armhf), and this copy runs on amd64: only a router image installs them."), pc);
    }

    @Test
    void anUpdateFileReachesTheInstallerWholeAndThePageOffersTheRestartIntoIt() throws Exception {
        Browser b = admin();
        String page = b.get("/system").body();
        assertTrue(page.contains("This router runs version <strong id=\"firmware-version\">0.1.0+202612011200.abc1234"),
                page);
        assertFalse(page.contains("id=\"firmware-waiting\""), "nothing to restart into yet");
        // Several MB, in many reads: streamed to the installer as it came, byte for byte.
        byte[] file = bundle(5 * 1024 * 1024 + 123);
        HttpResponse<String> r = b.upload(uploadAction(b), "bundle", "homerouter-0.1.0+202612061015.def5678-arm64.update",
                file);
        assertEquals(303, r.statusCode(), r.body());
        assertEquals("/system#firmware", r.headers().firstValue("Location").orElse(""));
        synchronized (fake.firmwareReceived) {
            assertArrayEquals(file, fake.firmwareReceived.toByteArray());
        }
        page = b.get("/system").body();
        assertTrue(page.contains("Installed: 0.1.0+202612061015.def5678 starts when the router restarts (below). Until"
                + " then it runs 0.1.0+202612011200.abc1234."), page);
        assertTrue(page.contains("id=\"firmware-waiting\"") && page.contains("Restart now and start 0.1.0+202612061015"
                + ".def5678"), page);
        HttpResponse<String> restarting = b.post("/system/restart");
        assertEquals(200, restarting.statusCode(), restarting.body());
        assertTrue(restarting.body().contains("The router is restarting to start version 0.1.0+202612061015.def5678"),
                restarting.body());
        assertEquals(1, fake.restarts);
    }

    @Test
    void theInstallersRefusalIsShownInItsWordsAndNoRestartIsOffered() throws Exception {
        fake.firmwareAnswer = new Firmware.Outcome(false, "homerouter-update: the bundle's signature does not match this"
                + " firmware's key: nothing written\n(not made by this router's maker, or changed since)");
        Browser b = admin();
        assertEquals(303, b.upload(uploadAction(b), "bundle", "other.update", bundle(70_000)).statusCode());
        String page = b.get("/system").body();
        assertTrue(page.contains("The update was not installed, and the router runs on as it was: the bundle&#39;s"
                + " signature does not match this firmware&#39;s key: nothing written (not made by this router&#39;s"
                + " maker, or changed since)"), page);
        assertFalse(page.contains("id=\"firmware-waiting\""), page);
    }

    @Test
    void anUploadWithoutTheLoginOrTheFormsTokenReachesNoInstaller() throws Exception {
        Browser owner = admin();
        String action = uploadAction(owner);
        // Another site's form posting a file at the router (the owner's cookie sent along): no token.
        HttpResponse<String> noToken = owner.upload("/system/firmware", "bundle", "evil.update", bundle(10_000));
        assertEquals(403, noToken.statusCode(), noToken.body());
        // A stranger (no session cookie) is answered without the body being read, and the connection
        // closed: a client still sending may see the close before the 403 (seen once in 14 runs).
        Browser stranger = new Browser(ui.base);
        try {
            HttpResponse<String> anonymous = stranger.upload(action, "bundle", "evil.update", bundle(10_000));
            assertEquals(403, anonymous.statusCode(), anonymous.body());
        } catch (java.io.IOException closedFirst) {
            // refused all the same
        }
        synchronized (fake.firmwareReceived) {
            assertEquals(0, fake.firmwareReceived.size(), "nothing reached the installer");
        }
        assertEquals(0, fake.restarts);
    }

    @Test
    void anUploadAfterTheLoginExpiredGetsThePageSayingSoNotAConnectionReset() throws Exception {
        // The System page left open while the owner fetched the file, then the upload: refused
        // before it is read, but read to its end, or the browser shows "connection reset" instead.
        Browser b = admin();
        String action = uploadAction(b);
        now.addAndGet(AdminSessions.IDLE.toMillis() + 1000);
        // As a browser sends it: the whole file first, then the answer is read (a client that reads
        // the answer as it writes, as Java's does, would not notice).
        byte[] file = bundle(30 * 1024 * 1024);
        String boundary = "----hrtest";
        byte[][] around = Browser.fileFieldAround(boundary, "bundle", "h.update");
        byte[] head = around[0];
        byte[] tail = around[1];
        java.net.URI uri = java.net.URI.create(ui.base);
        String answer;
        try (java.net.Socket s = new java.net.Socket(uri.getHost(), uri.getPort())) {
            s.setSoTimeout(30_000);
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST " + action + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\nCookie: hr_session="
                    + b.cookie + "\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: "
                    + (head.length + file.length + tail.length) + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(head);
            out.write(file); // "connection reset" here is what the browser would show
            out.write(tail);
            out.flush();
            answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        assertTrue(answer.contains("This form had expired"), answer);
        synchronized (fake.firmwareReceived) {
            assertEquals(0, fake.firmwareReceived.size());
        }
    }

    /**
     * Nothing updates the router by itself: a firmware built more than a year ago says so, on the
     * System page and the Dashboard, where before nothing told the owner it was years behind.
     */
    @Test
    void aFirmwareBuiltMoreThanAYearAgoSaysSo() throws Exception {
        // Built 2026-12-01 12:00 UTC (FakeBackend's version); 2027-11-30: not yet.
        now.set(java.time.Instant.parse("2027-11-30T00:00:00Z").toEpochMilli());
        Browser b = admin();
        assertFalse(b.get("/system").body().contains("id=\"firmware-old\""), "less than a year old");
        assertFalse(b.get("/").body().contains("id=\"firmware-old\""));
        now.set(java.time.Instant.parse("2029-01-15T00:00:00Z").toEpochMilli());
        b = admin();
        String system = b.get("/system").body();
        assertTrue(system.contains("<p class=\"warning\" id=\"firmware-old\">This firmware was built on 1 December"
                + " 2026, over 2 years ago: fixes made since"), system);
        String dashboard = b.get("/").body();
        assertTrue(dashboard.contains("id=\"firmware-old\">This firmware was built on 1 December 2026")
                && dashboard.contains("<a href=\"/system#firmware\">To the\nfirmware update</a>"), dashboard);
        // Installed, waiting for the restart: the section offers that instead.
        b.upload(uploadAction(b), "bundle", "homerouter-0.1.0+202901101015.def5678-arm64.update", bundle(1000));
        assertFalse(b.get("/system").body().contains("id=\"firmware-old\""), "a newer one is installed already");
        assertFalse(b.get("/").body().contains("id=\"firmware-old\""));
    }

    @Test
    void noFileChosenSaysSo() throws Exception {
        Browser b = admin();
        HttpResponse<String> r = b.upload(uploadAction(b), "bundle", "", new byte[0]);
        assertEquals(303, r.statusCode());
        // At the page's top, where its warning takes the focus: at #firmware the browser skips autofocus.
        assertEquals("/system", r.headers().firstValue("Location").orElse(""));
        String page = b.get("/system").body();
        assertTrue(page.contains("Nothing was installed. No update file was chosen"), page);
        assertEquals(1, fake.firmwareAborted, "the installer was told the file never came");
    }

    @Test
    void anUpdateThatDidNotStayIsSaidOnTheSystemPage() throws Exception {
        Browser b = admin();
        assertFalse(b.get("/system").body().contains("id=\"firmware-failed\""));
        fake.firmwareFailed = "The update to 0.1.0+202612061015.def5678 did not stay: it did not start.";
        assertTrue(b.get("/system").body().contains("<p class=\"warning\" id=\"firmware-failed\">The update to"
                + " 0.1.0+202612061015.def5678 did not stay: it did not start.</p>"));
    }

    @Test
    void offTheRouterImageThePageSaysHowToUpdateInstead() throws Exception {
        fake.firmwareUpdatable = false;
        Browser b = admin();
        String page = b.get("/system").body();
        assertTrue(page.contains("id=\"firmware-not-here\">Not on the router image."), page);
        assertFalse(ACTION.matcher(page).find(), "no update form where nothing installs it");
        HttpResponse<String> r = b.post("/system/restart");
        assertEquals(303, r.statusCode());
        assertEquals("/system", r.headers().firstValue("Location").orElse(""), "at the top, where the warning is");
        assertTrue(b.get("/system").body().contains("The router was not restarted. Not on the router image."));
        assertEquals(0, fake.restarts);
    }
}
