package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site-to-site router boots: before its service runs, the router image's homerouter-hold puts
 * back, from the file the service left ({@link BootHold}), what the service held, and the service
 * then takes it over without a gap.
 *
 * ({@link LanRouterInternet}, with the office's 10.2.0.5 on the internet's side).
 */
@Tag("root")
class BootHoldTest {
    /** The router image's script, run here as the image runs it at boot (root, before the network). */
    private static final Path SCRIPT = Path.of("..", "image", "overlay", "usr", "lib", "homerouter", "homerouter-hold");
    private static final String FAR = LanRouterInternet.FAR;
    private static final String OFFICE_HOST = "10.2.0.5";
    private LanRouterInternet net;
    private Netns router;
    private Netns host;
    @TempDir
    Path data;

    @BeforeEach
    void topology() throws IOException {
        net = LanRouterInternet.create("bh");
        router = net.router();
        host = net.host();
        // What the ISP would see: the office's address in clear.
        net.internet().ip("addr", "add", OFFICE_HOST + "/32", "dev", "lo");
    }

    @AfterEach
    void cleanUp() throws IOException {
        net.close();
    }

    /** Runs the image's script on the router, reading the file as "nobody" (the image: the service's user). */
    private CommandResult hold() throws IOException {
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = data.resolve(BootHold.FILE_NAME);
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(file)) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return router.exec(Duration.ofSeconds(20), "sh", SCRIPT.toAbsolutePath().toString(), file.toString(), "nobody");
    }

    private String lanDns() throws IOException {
        CommandResult r = router.exec(Duration.ofSeconds(10), "nft", "list", "chain", "inet", "homerouter", "lan_dns");
        assertTrue(r.succeeded(), r.toString());
        return r.output();
    }

    /** The drop rules in the base firewall's chains for the LAN's DNS (one in each when held). */
    private int drops() throws IOException {
        CommandResult input = router.exec(Duration.ofSeconds(10), "nft", "list", "chain", "inet", "homerouter", "lan_dns_input");
        assertTrue(input.succeeded(), input.toString());
        long nat = lanDns().lines().filter(l -> l.strip().startsWith("drop")).count();
        long in = input.output().lines().filter(l -> l.strip().startsWith("drop")).count();
        assertEquals(nat, in, "both chains: " + lanDns() + input.output());
        return (int) nat;
    }

    private static CommandResult ping(Netns from, String to) throws IOException {
        return from.exec(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", to);
    }

    private static void assertUnreachable(Netns from, String to) throws IOException {
        CommandResult r = ping(from, to);
        assertTrue(!r.succeeded() && r.output().contains("Unreachable"), from + " -> " + to + ": " + r);
    }

    @Test
    void whatTheServiceHeldIsHeldAgainAtBootAndTakenOverWithoutAGap() throws Exception {
        assertTrue(ping(host, OFFICE_HOST).succeeded(), "the leak: at boot the office's network went out of the WAN");
        // The base firewall's chain for the LAN's DNS (the image loads nftables.conf before the hold).
        CommandResult chain = router.exec(Duration.ofSeconds(10), "nft", "add table inet homerouter; add chain inet homerouter lan_dns; add chain inet homerouter lan_dns_input");
        assertTrue(chain.succeeded(), chain.toString());
        BootHold.write(data, List.of("10.2.0.0/24"), true);
        CommandResult r = hold();
        assertTrue(r.succeeded(), r.toString());
        assertEquals(1, drops(), "the LAN's DNS queries to the router, held: " + lanDns());
        assertUnreachable(host, OFFICE_HOST);
        assertUnreachable(host, FAR);
        assertTrue(ping(router, FAR).succeeded(), "the router's own traffic (its dial to the office) still leaves");
        assertTrue(hold().succeeded(), "a second run");
        String rules = router.ip("-4", "rule", "show") + router.ip("-6", "rule", "show");
        assertEquals(2, rules.split("unreachable", -1).length - 1, "not twice: " + rules);
        assertEquals(1, drops(), "not twice: " + lanDns());

        // The service starts: it finds both in place and keeps them (no moment without them).
        FailClosedRoutes routes = new FailClosedRoutes(router.name());
        assertEquals(Set.of("10.2.0.0/24"), routes.kept());
        assertTrue(router.ip("-4", "route", "show", "type", "unreachable").contains("10.2.0.0/24"), "not flushed at start");
        DefaultRouteFailClosed rule = new DefaultRouteFailClosed(router.name());
        assertTrue(rule.holding());
        routes.keep(List.of("10.2.0.0/24"));
        rule.keep(true, java.util.OptionalInt.empty());
        // The hold put in the service's own set: nothing to add, nothing to replace.
        assertEquals(rules, router.ip("-4", "rule", "show") + router.ip("-6", "rule", "show"));
        org.homerouter.bridge.firewall.LanDns dns = org.homerouter.bridge.firewall.LanDns.find(router.name());
        dns.hold(true);
        assertEquals(1, drops(), lanDns());

        // The owner switches site-to-site off: the next boot holds nothing.
        routes.keep(List.of());
        rule.keep(false, java.util.OptionalInt.empty());
        dns.hold(false);
        assertEquals(0, drops(), lanDns());
        BootHold.write(data, List.of(), false);
        assertTrue(ping(host, FAR).succeeded());
        assertTrue(hold().succeeded());
        assertTrue(ping(host, FAR).succeeded() && ping(host, OFFICE_HOST).succeeded(), "nothing held");
    }

    @Test
    void theFileIsDataOnlyAnythingElseInItIsIgnored() throws Exception {
        // Written by the service's unprivileged user, read by root at boot.
        Path pwned = data.resolve("pwned");
        Files.writeString(data.resolve(BootHold.FILE_NAME), String.join("\n",
                "unreachable 10.2.0.0/24 ; touch " + pwned,
                "unreachable $(touch " + pwned + ")/24",
                "unreachable 10.3.0.0/24`touch " + pwned + "`",
                "unreachable 300.1.1.0/24",
                "netns exec x touch " + pwned,
                "unreachable 10.4.0.0/24", ""));
        CommandResult r = hold();
        assertFalse(Files.exists(pwned), r.toString());
        String routes = router.ip("-4", "route", "show", "type", "unreachable");
        // (Protocol 99 is printed by name where iproute2 has one for it: "openr".)
        assertTrue(routes.strip().matches("unreachable 10\\.4\\.0\\.0/24 proto (99|openr) metric 4242"), "only the valid line: "
                + routes + r);
        assertThrows(IllegalArgumentException.class, () -> BootHold.render(List.of("10.2.0.0/24; reboot"), false));
    }

    @Test
    void aLinkToAFileOfRootsIsReadAsTheServicesUserAndSoNotAtAll(@TempDir Path rootOnly) throws Exception {
        // The service's user owns its data directory: it could put a link there in place of the file.
        Path secret = rootOnly.resolve("secret");
        Files.writeString(secret, "unreachable 10.9.0.0/24\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(data.resolve(BootHold.FILE_NAME), secret);
        CommandResult r = hold();
        assertFalse(r.succeeded(), r.toString());
        assertTrue(r.output().contains("cannot read"), r.toString());
        assertEquals("", router.ip("-4", "route", "show", "type", "unreachable").strip(), r.toString());
    }
}
