package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.homerouter.webui.api.Firmware;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's {@code homerouter-update} (image/overlay/usr/bin), run here on files: the script as
 * the router has it, its paths moved into a directory of the test's, a file for the slot it writes.
 * What an owner relies on: only a bundle signed with the firmware's key reaches the slot, whether
 * it comes as a file or as the stream the System page hands over, and a refusal says why and
 * leaves the slot and the next boot alone. (The image test runs it on the router itself.)
 */
class UpdateScriptTest {
    private static final String RUNNING = "1.0+202612010000.abc1234";
    private static final String NEWER = "1.0+202612060000.def5678";
    private static final int SLOT_SIZE = 1 << 20;

    @TempDir
    Path dir;
    private Path script;
    private Path slot;
    private Path trial;
    private KeyPair key;

    @BeforeEach
    void router() throws Exception {
        Path original = Path.of("..", "image", "overlay", "usr", "bin", "homerouter-update");
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("homerouter-boot"), "SLOT=a\nPART_PREFIX=" + dir.resolve("slot") + "\n");
        Files.writeString(etc.resolve("homerouter-release"),
                "NAME=HomeRouter\nVERSION=" + RUNNING + "\nARCH=arm64\nSCHEMA=9\n");
        Files.createDirectories(dir.resolve("data/boot"));
        slot = dir.resolve("slot3"); // slot b: the one not running
        Files.write(slot, new byte[SLOT_SIZE]);
        trial = dir.resolve("data/boot/trial");
        KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
        key = g.generateKeyPair();
        Path pub = dir.resolve("update-signing.pub");
        Files.writeString(pub, pem(key));
        script = dir.resolve("homerouter-update");
        String s = Files.readString(original);
        String classes = Path.of(UpdateSignature.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        s = replace(s, "KEY=/usr/share/homerouter/update-signing.pub", "KEY=" + pub);
        s = replace(s, "JAR=/usr/lib/homerouter/appliance.jar", "JAR=" + classes);
        s = replace(s, "JAVA=/usr/lib/homerouter/jre/bin/java",
                "JAVA=" + Path.of(System.getProperty("java.home"), "bin", "java"));
        s = replace(s, ". /etc/homerouter-boot", ". " + etc.resolve("homerouter-boot"));
        s = replace(s, ". /etc/homerouter-release", ". " + etc.resolve("homerouter-release"));
        s = replace(s, "/usr/bin/homerouter-update --member", script + " --member");
        s = replace(s, "/data/boot/", dir.resolve("data/boot") + "/");
        Files.writeString(script, s);
        assertTrue(script.toFile().setExecutable(true));
    }

    private static String replace(String s, String what, String with) {
        assertTrue(s.contains(what), "the script no longer has " + what);
        return s.replace(what, with);
    }

    private static String pem(KeyPair k) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(k.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    private record Bundle(Path file, byte[] rootfs) {
    }

    /** A bundle as image/stages/60-disk.sh makes one, its parts changed as a test needs. */
    private Bundle bundle(String version, PrivateKey signer, boolean signed, String releaseAfterSigning) throws Exception {
        Path b = Files.createTempDirectory(dir, "bundle");
        byte[] rootfs = new byte[300_000 + 17];
        new Random(version.hashCode()).nextBytes(rootfs); // each version's its own
        String release = "NAME=HomeRouter\nVERSION=" + version + "\nARCH=arm64\nSCHEMA=9\n";
        Files.writeString(b.resolve("release"), release);
        Files.write(b.resolve("rootfs.squashfs"), rootfs);
        String sums = sha256(release.getBytes(StandardCharsets.UTF_8)) + "  release\n" + sha256(rootfs) + "  rootfs.squashfs\n";
        Files.writeString(b.resolve("SHA256SUMS"), sums);
        List<String> members = new ArrayList<>(List.of("release", "SHA256SUMS"));
        if (signed) {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(signer);
            s.update(sums.getBytes(StandardCharsets.UTF_8));
            Files.write(b.resolve("SHA256SUMS.sig"), s.sign());
            members.add("SHA256SUMS.sig");
        }
        if (releaseAfterSigning != null) {
            Files.writeString(b.resolve("release"), releaseAfterSigning);
        }
        members.add("rootfs.squashfs");
        Path file = dir.resolve(b.getFileName() + ".update");
        List<String> tar = new ArrayList<>(List.of("tar", "-cf", file.toString(), "-C", b.toString()));
        tar.addAll(members);
        assertEquals(0, new ProcessBuilder(tar).inheritIO().start().waitFor());
        return new Bundle(file, rootfs);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private record Run(int code, String said) {
    }

    /** The script with {@code args}; {@code stdin} fed to it (the socket's stream) when not null. */
    private Run update(Path stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                try (InputStream f = Files.newInputStream(stdin)) {
                    f.transferTo(in);
                } catch (IOException e) {
                    // It stopped reading (refused early): what it said tells why.
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        return new Run(p.waitFor(), out.toString(StandardCharsets.UTF_8));
    }

    private void assertSlotUntouched(Run r) throws IOException {
        assertArrayEquals(new byte[SLOT_SIZE], Files.readAllBytes(slot), "the slot was written: " + r.said());
        assertFalse(Files.exists(trial), "the next boot would try the slot: " + r.said());
    }

    @Test
    void aSignedNewerBundleStreamedInIsWrittenToTheOtherSlotAndTriedAtTheNextBoot() throws Exception {
        Bundle b = bundle(NEWER, key.getPrivate(), true, null);
        Run r = update(b.file(), "-");
        assertEquals(0, r.code(), r.said());
        assertTrue(r.said().contains("slot b written and verified; reboot to start " + NEWER), r.said());
        byte[] written = Files.readAllBytes(slot);
        assertArrayEquals(b.rootfs(), java.util.Arrays.copyOf(written, b.rootfs().length));
        assertEquals("b", Files.readString(trial).strip());
    }

    @Test
    void aSignedBundleAsAFileIsWrittenToo() throws Exception {
        Bundle b = bundle(NEWER, key.getPrivate(), true, null);
        Run r = update(null, b.file().toString());
        assertEquals(0, r.code(), r.said());
        assertEquals("b", Files.readString(trial).strip());
    }

    @Test
    void aBundleSignedWithAnotherKeyIsRefusedAndNothingWritten() throws Exception {
        PrivateKey other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate();
        Run r = update(bundle(NEWER, other, true, null).file(), "-");
        assertEquals(1, r.code(), r.said());
        assertTrue(r.said().contains("signature does not match this firmware's key: nothing written"), r.said());
        assertSlotUntouched(r);
    }

    @Test
    void anUnsignedBundleIsRefused() throws Exception {
        Run r = update(bundle(NEWER, key.getPrivate(), false, null).file(), "-");
        assertEquals(1, r.code(), r.said());
        assertTrue(r.said().contains("the bundle is not signed: nothing written"), r.said());
        assertSlotUntouched(r);
    }

    @Test
    void aReleaseChangedAfterSigningIsRefused() throws Exception {
        // The signature covers SHA256SUMS, which names the release's checksum: a release made to
        // say another architecture or schema is not the one signed.
        Run r = update(bundle(NEWER, key.getPrivate(), true,
                "NAME=HomeRouter\nVERSION=" + NEWER + "\nARCH=arm64\nSCHEMA=99\n").file(), "-");
        assertEquals(1, r.code(), r.said());
        assertTrue(r.said().contains("the release is not the one signed"), r.said());
        assertSlotUntouched(r);
    }

    @Test
    void aBundleNotNewerThanTheRunningFirmwareIsRefusedBeforeItsRootFileSystemArrives() throws Exception {
        Run r = update(bundle(RUNNING, key.getPrivate(), true, null).file(), "-");
        assertEquals(1, r.code(), r.said());
        assertTrue(r.said().contains(RUNNING + " is not newer than the running " + RUNNING + ": nothing written"),
                r.said());
        assertSlotUntouched(r);
    }

    /**
     * The socket unit's side as systemd runs it (Accept=yes: one homerouter-update-socket per
     * connection, the connection its standard input and output), on a socket of the test's.
     */
    private Path socketUnit() throws Exception {
        Path original = Path.of("..", "image", "overlay", "usr", "lib", "homerouter", "homerouter-update-socket");
        Path unitScript = dir.resolve("homerouter-update-socket");
        String s = Files.readString(original);
        s = replace(s, "homerouter-update - 2>&1", script + " - 2>&1");
        s = replace(s, "systemd-run --quiet --on-active=3 --timer-property=AccuracySec=100ms /usr/bin/systemctl reboot",
                "echo rebooted > " + dir.resolve("rebooted"));
        Files.writeString(unitScript, s);
        assertTrue(unitScript.toFile().setExecutable(true));
        Path socket = dir.resolve("update.sock");
        java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(
                java.net.StandardProtocolFamily.UNIX);
        server.bind(java.net.UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try (server) {
                while (true) {
                    java.nio.channels.SocketChannel c = server.accept();
                    Process p = new ProcessBuilder("/bin/sh", unitScript.toString()).redirectError(
                            ProcessBuilder.Redirect.DISCARD).start();
                    Thread.ofVirtual().start(() -> {
                        try (OutputStream in = p.getOutputStream()) {
                            // As the socket hands it on: each piece at once (the process's stream buffers).
                            InputStream from = java.nio.channels.Channels.newInputStream(c);
                            byte[] piece = new byte[65536];
                            for (int n; (n = from.read(piece)) >= 0; ) {
                                in.write(piece, 0, n);
                                in.flush();
                            }
                        } catch (IOException e) {
                            // it stopped reading
                        }
                    });
                    Thread.ofVirtual().start(() -> {
                        try (c) {
                            p.getInputStream().transferTo(java.nio.channels.Channels.newOutputStream(c));
                            p.waitFor();
                        } catch (IOException | InterruptedException e) {
                            // the test is over
                        }
                    });
                }
            } catch (IOException e) {
                // closed with the test's directory
            }
        });
        return socket;
    }

    private ImageFirmware.Paths paths(Path socket) {
        return new ImageFirmware.Paths(socket, trial, dir.resolve("etc/homerouter-boot"), dir.resolve("data/boot/slot"));
    }

    /** The next upload, once the one before it has been answered (an abandoned one is, a moment later). */
    private static Firmware.Upload beginWhenFree(Firmware f) throws Exception {
        long until = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try {
                return f.begin("192.168.1.100");
            } catch (IllegalStateException busy) {
                if (System.nanoTime() > until) {
                    throw busy;
                }
                Thread.sleep(50);
            }
        }
    }

    private static Firmware.Outcome handOver(Firmware f, Path bundle) throws Exception {
        Firmware.Upload u = beginWhenFree(f);
        byte[] all = Files.readAllBytes(bundle);
        for (int i = 0; i < all.length; i += 8192) { // as the page hands it on, a piece at a time
            u.write(java.nio.ByteBuffer.wrap(all, i, Math.min(8192, all.length - i)));
        }
        return u.finish();
    }

    @Test
    void theApplianceHandsTheBundleToTheInstallerThroughTheSocketUnitAndRestartsIntoIt() throws Exception {
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        ImageFirmware f = new ImageFirmware(paths(socketUnit()), dir.resolve("firmware-update"),
                (kind, message) -> events.add(message));
        assertTrue(f.notUpdatable().isEmpty());
        Firmware.Upload first = f.begin("192.168.1.100");
        IllegalStateException busy = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> f.begin("192.168.1.101"));
        assertTrue(busy.getMessage().startsWith("Another update is being installed now"), busy.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> f.restart("192.168.1.101"),
                "no restart in the middle of writing a slot");
        first.abort();
        assertTrue(events.contains("firmware update from 192.168.1.100 not installed: the file did not arrive whole"),
                events.toString());

        // A whole signed bundle handed over, then the upload abandoned (the browser went in its last
        // KiB, a second file in the form): tar would take the stream as whole; nothing is marked.
        Firmware.Upload abandoned = beginWhenFree(f);
        byte[] signed = Files.readAllBytes(bundle(NEWER, key.getPrivate(), true, null).file());
        abandoned.write(java.nio.ByteBuffer.wrap(signed));
        abandoned.abort();
        beginWhenFree(f).abort(); // free again once the installer has answered
        assertFalse(Files.exists(trial), "an abandoned upload is not tried at the next boot");

        Firmware.Outcome refused = handOver(f, bundle(NEWER, KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
                .getPrivate(), true, null).file());
        assertFalse(refused.installed(), refused.said());
        assertTrue(refused.said().contains("signature does not match this firmware's key"), refused.said());
        assertTrue(f.waitingForRestart().isEmpty());
        assertFalse(Files.exists(trial));

        Bundle b = bundle(NEWER, key.getPrivate(), true, null);
        Firmware.Outcome installed = handOver(f, b.file());
        assertTrue(installed.installed(), installed.said());
        assertTrue(installed.said().contains("slot b written and verified"), installed.said());
        assertFalse(installed.said().contains("homerouter-update exit"), "the protocol's last line is not the owner's");
        assertEquals(java.util.Optional.of(NEWER), f.waitingForRestart());
        assertEquals("b", Files.readString(trial).strip());
        assertTrue(events.contains("firmware " + NEWER + " installed from 192.168.1.100; it starts at the next restart"),
                events.toString());

        // Another file after it that is not whole: the slot was being rewritten, so the update
        // installed before is gone, and the page must not offer to restart into it.
        byte[] whole = Files.readAllBytes(bundle("1.0+202612070000.fed4321", key.getPrivate(), true, null).file());
        Path cut = dir.resolve("cut.update");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 50_000));
        Firmware.Outcome broken = handOver(f, cut);
        assertFalse(broken.installed(), broken.said());
        assertFalse(Files.exists(trial), "a slot half rewritten is not tried at the next boot: " + broken.said());
        assertTrue(f.waitingForRestart().isEmpty());

        Firmware.Outcome again = handOver(f, b.file());
        assertTrue(again.installed(), again.said());
        f.restart("192.168.1.100");
        assertEquals("rebooted", Files.readString(dir.resolve("rebooted")).strip());
        assertTrue(events.contains("router restarting to start firmware " + NEWER + ", asked from 192.168.1.100"),
                events.toString());
    }

    @Test
    void aFirstLineWithoutEndIsRefusedAfterSixteenBytesNotReadWhole() throws Exception {
        // The socket's sender is the service's user; root's side must not take a "line" of any
        // length into its memory: it answers while the sender is still sending the same line.
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(socketUnit()))) {
            c.write(java.nio.ByteBuffer.wrap("x".repeat(64).getBytes(StandardCharsets.US_ASCII)));
            java.util.concurrent.FutureTask<String> answer = new java.util.concurrent.FutureTask<>(() ->
                    new String(java.nio.channels.Channels.newInputStream(c).readAllBytes(), StandardCharsets.US_ASCII));
            Thread.ofVirtual().start(answer);
            String said = answer.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(said.contains("unknown request") && said.endsWith("homerouter-update exit 2\n"), said);
        }
    }

    @Test
    void offTheImageNothingIsOfferedToInstall() {
        ImageFirmware f = new ImageFirmware(paths(dir.resolve("no-such.sock")), dir.resolve("firmware-update"),
                (kind, message) -> { });
        assertTrue(f.notUpdatable().orElseThrow().contains("runs outside it"), f.notUpdatable().toString());
    }

    @Test
    void theSameUpdateCutShortIsNotMarkedAlthoughTheSlotAlreadyHoldsIt() throws Exception {
        // Installed, not started (the mark gone: it did not stay), then tried once more and cut
        // short: the slot reads back whole from the first time, but this file was not.
        Bundle b = bundle(NEWER, key.getPrivate(), true, null);
        assertEquals(0, update(b.file(), "-").code());
        Files.delete(trial);
        byte[] whole = Files.readAllBytes(b.file());
        for (int cut : new int[] {5_000, 70_000}) {
            Path part = dir.resolve("cut-" + cut + ".update");
            Files.write(part, java.util.Arrays.copyOf(whole, whole.length - cut));
            Run r = update(part, "-");
            assertEquals(1, r.code(), r.said());
            assertTrue(r.said().contains("the file did not arrive whole"), r.said());
            assertFalse(Files.exists(trial), "cut " + cut + ": " + r.said());
        }
    }

    @Test
    void aReleaseAppendedAfterTheRootFileSystemIsRefused() throws Exception {
        // Signed and whole, then an unsigned release added at its end: it would have named the
        // version the page offers to restart into.
        Bundle b = bundle(NEWER, key.getPrivate(), true, null);
        Path extra = Files.createDirectories(dir.resolve("extra"));
        Files.writeString(extra.resolve("release"), "NAME=HomeRouter\nVERSION=9.9\nARCH=arm64\nSCHEMA=9\n");
        assertEquals(0, new ProcessBuilder("tar", "-rf", b.file().toString(), "-C", extra.toString(), "release")
                .inheritIO().start().waitFor());
        Run r = update(b.file(), "-");
        assertEquals(1, r.code(), r.said());
        assertTrue(r.said().contains("something follows its root file system"), r.said());
        assertFalse(r.said().contains("9.9"), r.said());
        assertFalse(Files.exists(trial), r.said());
    }

    @Test
    void aReleaseNamingNoVersionIsRefusedBeforeDpkgReadsIt() throws Exception {
        Run r = update(bundle("--force-help", key.getPrivate(), true, null).file(), "-");
        assertEquals(1, r.code(), r.said());
        assertTrue(r.said().contains("its release names no version this firmware can read"), r.said());
        assertSlotUntouched(r);
    }

    @Test
    void nothingIsWrittenWhileThisFirmwareIsItselfAnUnconfirmedTrial() throws Exception {
        // Running slot a, but b is the one confirmed to boot: a is on trial, and b the only slot known to work.
        Files.writeString(dir.resolve("data/boot/slot"), "b\n");
        Run r = update(bundle(NEWER, key.getPrivate(), true, null).file(), "-");
        assertEquals(1, r.code(), r.said());
        assertTrue(r.said().contains("has not confirmed itself yet"), r.said());
        assertSlotUntouched(r);
    }

    @Test
    void aFileThatIsNoBundleIsRefused() throws Exception {
        Path junk = dir.resolve("holiday.jpg");
        byte[] bytes = new byte[200_000];
        new Random(3).nextBytes(bytes);
        Files.write(junk, bytes);
        Run r = update(junk, "-");
        assertEquals(1, r.code(), r.said());
        assertTrue(r.said().contains("not an update bundle: the file is no HomeRouter firmware update"), r.said());
        assertFalse(r.said().contains("tar:") || r.said().contains(": -"), "tar's words are not the owner's: " + r.said());
        assertSlotUntouched(r);
    }
}
