package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.bridge.firewall.ServerFirewall;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second appliance started beside the router's service in its network namespace ({@code make run}
 * as root on the box, with a data directory of its own) leaves the service's kernel state alone:
 * it used to replace the server's firewall table and delete it at its own stop, and with it the
 * sessions' isolation from each other, besides the WAN's admission and the tunnel-only holds.
 */
@Tag("root")
class SecondInstanceNetnsTest {
    private static final Duration START = Duration.ofSeconds(60);
    private final List<Launched> launched = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        Launched.killAll(launched, Duration.ofSeconds(10));
    }

    @Test
    void aSecondApplianceInTheNamespaceLeavesTheServicesFirewallAlone() throws Exception {
        try (Netns router = Netns.create("two")) {
            Launched service = Launched.start("service", Launched.appliance(router, "run", "--data-dir",
                    dir.resolve("service").toString(), "--ui-port", "8080"), null, dir);
            launched.add(service);
            service.awaitOutput("data plane: raw GRE socket and TUN devices ready", START);
            service.awaitOutput("web UI on http://", START);
            assertTrue(router.exec(START, "nft", "list", "table", "inet", ServerFirewall.TABLE).succeeded());

            // A network the service holds unreachable while its tunnel is down; the second's data
            // directory has a boot hold file, as one a root run wrote before.
            router.ip("route", "add", "unreachable", "10.66.0.0/24", "metric", "4242", "proto", "99");
            java.nio.file.Files.createDirectories(dir.resolve("second"));
            java.nio.file.Files.writeString(dir.resolve("second").resolve("boot-hold"), "");
            Launched second = Launched.start("second", Launched.appliance(router, "run", "--data-dir",
                    dir.resolve("second").toString(), "--pptp-port", "11723", "--ui-port", "18080"), null, dir);
            launched.add(second);
            second.awaitOutput(RunCommand.SECOND_IN_NAMESPACE, START);
            second.awaitOutput("web UI on http://", START);
            assertFalse(second.output().contains("data plane: raw GRE socket and TUN devices ready"), second.report());
            second.process().destroy(); // SIGTERM: its orderly stop
            second.awaitExit(START);
            assertTrue(second.output().contains("stopped cleanly"), second.report());

            assertTrue(router.exec(START, "nft", "list", "table", "inet", ServerFirewall.TABLE).succeeded(),
                    "the service's firewall table is gone" + second.report());
            assertTrue(router.ip("-4", "route", "show", "type", "unreachable").contains("10.66.0.0/24"),
                    "the service's hold of a tunnel-only network is gone" + second.report());
            assertFalse(service.output().contains("shutting down"), service.report());
        }
    }
}
