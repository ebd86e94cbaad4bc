package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * <pre>
 *  host 10.10.1.2 --- 10.10.1.1 [router] 10.98.0.1 --- 10.98.0.2 [internet, 198.51.100.1 and 10.2.0.5 on lo]
 * </pre>
 */
@Tag("root")
class BootHoldTest {
    /** The router image's script, run here as the image runs it at boot (root, before the network). */
    private static final Path SCRIPT = Path.of("..", "image", "overlay", "usr", "lib", "homerouter", "homerouter-hold");
    private static final String FAR = "198.51.100.1";
    private static final String OFFICE_HOST = "10.2.0.5";
    private Netns router;
    private Netns host;
    private Netns internet;
    @TempDir
    Path data;

    @BeforeEach
    void topology() throws IOException {
        router = Netns.create("bhr");
        host = Netns.create("bhh");
        internet = Netns.create("bhi");
        Netns.linkVeth(host, "lan", "10.10.1.2/24", router, "lan", "10.10.1.1/24");
        Netns.linkVeth(router, "wan", "10.98.0.1/24", internet, "wan", "10.98.0.2/24");
        router.exec(Duration.ofSeconds(5), "sysctl", "-qw", "net.ipv4.ip_forward=1");
        router.ip("route", "add", "default", "via", "10.98.0.2");
        host.ip("route", "add", "default", "via", "10.10.1.1");
        internet.ip("addr", "add", FAR + "/32", "dev", "lo");
        internet.ip("addr", "add", OFFICE_HOST + "/32", "dev", "lo"); // what the ISP would see: the office's address in clear
        internet.ip("route", "add", "10.10.1.0/24", "via", "10.98.0.1");
    }

    @AfterEach
    void cleanUp() throws IOException {
        Netns.closeAll(host, internet, router);
    }

    private CommandResult hold() throws IOException {
        return router.exec(Duration.ofSeconds(10), "sh", SCRIPT.toAbsolutePath().toString(),
                data.resolve(BootHold.FILE_NAME).toString());
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
        BootHold.write(data, List.of("10.2.0.0/24"), true);
        CommandResult r = hold();
        assertTrue(r.succeeded(), r.toString());
        assertUnreachable(host, OFFICE_HOST);
        assertUnreachable(host, FAR);
        assertTrue(ping(router, FAR).succeeded(), "the router's own traffic (its dial to the office) still leaves");
        assertTrue(hold().succeeded(), "a second run");
        String rules = router.ip("-4", "rule", "show") + router.ip("-6", "rule", "show");
        assertEquals(2, rules.split("unreachable", -1).length - 1, "not twice: " + rules);

        // The service starts: it finds both in place and keeps them (no moment without them).
        FailClosedRoutes routes = new FailClosedRoutes(router.name());
        assertEquals(Set.of("10.2.0.0/24"), routes.kept());
        assertTrue(router.ip("-4", "route", "show", "type", "unreachable").contains("10.2.0.0/24"), "not flushed at start");
        DefaultRouteFailClosed rule = new DefaultRouteFailClosed(router.name());
        assertTrue(rule.holding());
        routes.keep(List.of("10.2.0.0/24"));
        rule.keep(true);
        assertEquals(2, (router.ip("-4", "rule", "show") + router.ip("-6", "rule", "show")).split("unreachable", -1).length - 1);

        // The owner switches site-to-site off: the next boot holds nothing.
        routes.keep(List.of());
        rule.keep(false);
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
}
