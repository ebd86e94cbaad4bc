package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The router image's {@code homerouter-lan} (image/overlay/usr/lib/homerouter), run here as the
 * router runs it at boot, its /run directories moved into a directory of the test's. What an owner
 * relies on: the address saved on the LAN page is the router's after the restart, with its DHCP
 * pool and DNS server in the same /24; anything else in the file (it is written by the service's
 * unprivileged user and read by root) leaves the router on 192.168.1.1, reachable, and says why.
 * (The image test moves a router's LAN and checks networkd and resolved took it.)
 */
class LanScriptTest {
    private static final Path OVERLAY = Path.of("..", "image", "overlay");
    private static final Path SCRIPT = OVERLAY.resolve("usr/lib/homerouter/homerouter-lan");
    private static final Path DEFAULT_NETWORK = OVERLAY.resolve("usr/lib/systemd/network/20-lan.network");
    private static final Path DEFAULT_RESOLVED = OVERLAY.resolve("usr/lib/systemd/resolved.conf.d/20-homerouter-lan.conf");
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    /**
     * Who the script reads the file as (the router: the service's user). As root, "nobody": a real
     * change of user, so a file of root's is out of its reach. Otherwise the test's own user.
     */
    private static final String USER = ROOT ? "nobody" : System.getProperty("user.name");

    @TempDir
    Path dir;
    private Path script;
    private Path file;
    private Path network;
    private Path resolved;

    @BeforeEach
    void router() throws IOException {
        // "nobody" reads the file here, as the service's user does in its data directory.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        file = dir.resolve("lan-address");
        network = dir.resolve("run/systemd/network/20-lan.network");
        resolved = dir.resolve("run/systemd/resolved.conf.d/20-homerouter-lan.conf");
        script = SCRIPT;
        if (!ROOT) {
            // Only root may drop the supplementary groups: reading as oneself, it keeps its own.
            String s = Files.readString(SCRIPT);
            assertTrue(s.contains(" --clear-groups "), "the script no longer drops the groups");
            script = dir.resolve("homerouter-lan");
            Files.writeString(script, s.replace(" --clear-groups ", " --keep-groups "));
        }
    }

    private record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + ", stdout: " + out + " stderr: " + err;
        }
    }

    /** The script as the unit runs it (/bin/sh: dash on Debian), on the test's file and directories. */
    private Run lan() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", script.toString(), file.toString(), USER,
                network.getParent().toString(), resolved.getParent().toString())
                .redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the boot waits for it");
        return new Run(p.exitValue(), Files.readString(dir.resolve("stdout")), Files.readString(dir.resolve("stderr")));
    }

    /** What the LAN page writes (or anything the service's user could write there). */
    private void save(String content) throws IOException {
        Files.deleteIfExists(file);
        Files.write(file, content.getBytes(StandardCharsets.ISO_8859_1));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** The lines networkd or resolved read: comments and blank lines aside. */
    private static List<String> settings(String file) {
        return file.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    private void assertMoved(Run r, String address) throws IOException {
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("the LAN is " + address + "/24"), r.toString());
        // The image's default with the address (the router's, the DNS server DHCP hands out) moved,
        // and nothing else: the same interface, the pool at .100-.199 of the new /24.
        String expected = Files.readString(DEFAULT_NETWORK).replace("192.168.1.1", address);
        assertEquals(settings(expected), settings(Files.readString(network)));
        assertTrue(Files.readString(network).contains("\nAddress=" + address + "/24\n"));
        assertTrue(Files.readString(network).contains("\nDNS=" + address + "\n"));
        assertTrue(Files.readString(network).contains("\nPoolOffset=100\nPoolSize=100\n"));
        assertEquals(List.of("[Resolve]", "DNSStubListenerExtra=" + address), settings(Files.readString(resolved)));
        assertEquals(settings(Files.readString(DEFAULT_RESOLVED).replace("192.168.1.1", address)),
                settings(Files.readString(resolved)));
        // networkd reads its files as its own user.
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(network)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(resolved)));
        // Nothing half-written left beside them.
        try (Stream<Path> n = Files.list(network.getParent()); Stream<Path> d = Files.list(resolved.getParent())) {
            assertEquals(List.of(network), n.toList());
            assertEquals(List.of(resolved), d.toList());
        }
    }

    private void assertDefault(Run r) {
        assertEquals(0, r.code(), "the default applies: " + r);
        assertFalse(Files.exists(network, LinkOption.NOFOLLOW_LINKS), "networkd would take " + network + ": " + r);
        assertFalse(Files.exists(resolved, LinkOption.NOFOLLOW_LINKS), "resolved would take " + resolved + ": " + r);
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.168.2.1/24\n", "10.0.0.1/24", "10.20.30.99/24\n", "172.16.5.200/24\n",
            "172.31.255.254/24\n", "192.168.178.1/24\n"})
    void anAddressSavedOnTheLanPageIsTheRoutersAtTheNextBoot(String line) throws Exception {
        save(line);
        assertMoved(lan(), line.strip().replace("/24", ""));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("8.8.8.1/24\n", "8.8.8.1 is not a private address"),
                Arguments.of("172.32.0.1/24\n", "172.32.0.1 is not a private address"),
                Arguments.of("172.15.0.1/24\n", "172.15.0.1 is not a private address"),
                Arguments.of("192.169.0.1/24\n", "192.169.0.1 is not a private address"),
                Arguments.of("192.168.2.150/24\n", "192.168.2.150 is not the router's to take (.1-.99 or .200-.254; "
                        + ".100-.199 are the DHCP pool)"),
                Arguments.of("192.168.2.100/24\n", "192.168.2.100 is not the router's to take"),
                Arguments.of("192.168.2.199/24\n", "192.168.2.199 is not the router's to take"),
                Arguments.of("192.168.2.0/24\n", "192.168.2.0 is not the router's to take"),
                Arguments.of("192.168.2.255/24\n", "192.168.2.255 is not the router's to take"),
                Arguments.of("192.168.2.1/16\n", "not an address A.B.C.D/24"),
                Arguments.of("192.168.2.1\n", "not an address A.B.C.D/24"),
                Arguments.of("192.168.2.1/24\n10.0.0.1/24\n", "it is more than one line"),
                Arguments.of("192.168.2.1/24\n\n", "it is more than one line"),
                Arguments.of("\n192.168.2.1/24\n", "it is more than one line"),
                Arguments.of("", "it is empty"),
                Arguments.of("\n", "it is empty"),
                Arguments.of("garbage\n", "not an address A.B.C.D/24"),
                Arguments.of("192.168.02.1/24\n", "not an address A.B.C.D/24"),
                Arguments.of("192.168.2.256/24\n", "not an address A.B.C.D/24"),
                Arguments.of(" 192.168.2.1/24\n", "not an address A.B.C.D/24"),
                Arguments.of("192.168.2.1/24\r\n", "not an address A.B.C.D/24"),
                Arguments.of("192.168.2.1\0/24\n", "not an address A.B.C.D/24"),
                Arguments.of("192.168.2.1/24 $(reboot)\n", "not an address A.B.C.D/24"),
                Arguments.of("192.168.2.1/24\n[Network]\nAddress=8.8.8.8/24\n", "it is more than one line"),
                Arguments.of("192.168.2.1/24" + " ".repeat(100) + "\n", "not an address A.B.C.D/24"));
    }

    @ParameterizedTest
    @MethodSource
    void refused(String content, String why) throws Exception {
        save("192.168.2.1/24\n");
        assertMoved(lan(), "192.168.2.1"); // an earlier boot's: /run is empty at boot, not at a second run
        save(content);
        Run r = lan();
        assertDefault(r);
        assertTrue(r.err().contains("homerouter-lan: " + file + " refused: " + why), r.toString());
        assertTrue(r.err().contains("the LAN is the default 192.168.1.1/24"), r.toString());
    }

    @Test
    void withoutTheFileTheDefaultApplies() throws Exception {
        Run r = lan();
        assertDefault(r);
        assertTrue(r.out().contains("no " + file + ": the LAN is the default 192.168.1.1/24"), r.toString());
        assertEquals("", r.err());
    }

    @Test
    void backToTheDefaultRemovesTheEarlierOverride() throws Exception {
        save("10.1.2.3/24\n");
        assertMoved(lan(), "10.1.2.3");
        save("192.168.1.1/24\n"); // the LAN page set back to the default
        Run r = lan();
        assertDefault(r);
        assertTrue(r.out().contains("names the default: the LAN is the default 192.168.1.1/24"), r.toString());
        save("10.1.2.3/24\n");
        assertMoved(lan(), "10.1.2.3");
        Files.delete(file); // gone (a router reset)
        assertDefault(lan());
    }

    @Test
    void aLinkToADeviceGivesNothingUsable() throws Exception {
        Files.createSymbolicLink(file, Path.of("/dev/zero"));
        Run r = lan();
        assertDefault(r);
        assertTrue(r.err().contains("refused: not an address A.B.C.D/24"), r.toString());
    }

    @Test
    void aFifoThatNeverEndsDoesNotHoldUpTheBoot() throws Exception {
        assertEquals(0, new ProcessBuilder("mkfifo", "-m", "644", file.toString()).inheritIO().start().waitFor());
        long t0 = System.nanoTime();
        Run r = lan();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15), "the network waited for it");
        assertDefault(r);
        assertTrue(r.err().contains("refused: cannot read it as " + USER + " within 5 s"), r.toString());
    }

    @Test
    void aLinkToAFileTheServicesUserCannotReadIsNotRead() throws Exception {
        // On the router: a link to a file of root's (root runs the script). Here, as root, one that
        // "nobody" cannot read; otherwise one with no permissions, which its owner cannot read either.
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "192.168.7.1/24\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString(ROOT ? "rw-------" : "---------"));
        assumeTrue(ROOT || !Files.isReadable(secret), "this user reads a file without permissions");
        Files.createSymbolicLink(file, secret);
        Run r = lan();
        assertDefault(r);
        assertTrue(r.err().contains("refused: cannot read it as " + USER), r.toString());
    }

    @Test
    void aDanglingLinkIsRefusedNotTakenForNoFile() throws Exception {
        Files.createSymbolicLink(file, dir.resolve("nowhere"));
        Run r = lan();
        assertDefault(r);
        assertTrue(r.err().contains("refused: cannot read it as " + USER), r.toString());
    }

    @Test
    void theImageLetsTheOverridesReplaceItsDefaults() throws IOException {
        // A same-named file in /etc would override /run's: the LAN page would do nothing.
        assertFalse(Files.exists(OVERLAY.resolve("etc/systemd/network/20-lan.network")));
        assertFalse(Files.exists(OVERLAY.resolve("etc/systemd/resolved.conf.d/20-homerouter-lan.conf")));
        // DNSStubListenerExtra= adds up across files: another file naming an address would keep
        // resolved listening on 192.168.1.1 after the LAN moved.
        try (Stream<Path> etc = Files.list(OVERLAY.resolve("etc/systemd/resolved.conf.d"))) {
            for (Path p : etc.toList()) {
                assertFalse(settings(Files.readString(p)).stream().anyMatch(l -> l.startsWith("DNSStubListenerExtra")), p.toString());
            }
        }
        // Before networkd and resolved read their configuration, and enabled in the image.
        String unit = Files.readString(OVERLAY.resolve("etc/systemd/system/homerouter-lan.service"));
        assertTrue(unit.contains("\nBefore=systemd-networkd.service systemd-resolved.service network-pre.target\n"), unit);
        assertTrue(unit.contains("\nRequiresMountsFor=/var/lib/homerouter\n"), unit);
        assertTrue(unit.contains("\nExecStart=/usr/lib/homerouter/homerouter-lan\n"), unit);
        assertTrue(Files.readString(Path.of("..", "image", "stages", "50-rootfs.sh")).contains(" homerouter-lan.service "));
    }
}
