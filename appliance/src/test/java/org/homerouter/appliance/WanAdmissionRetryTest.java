package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.bridge.firewall.WanAdmission;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the WAN admits for the VPN server, set in the router image's own firewall (its nftables.conf,
 * loaded in a namespace of its own), when setting it fails once: the rest is set all the same, and
 * the housekeeping sets it as soon as it can, without the owner saving a page; the event log says
 * so once when it fails and once when it is set, not at every try.
 */
@Tag("root")
class WanAdmissionRetryTest {
    private static final Duration T = Duration.ofSeconds(10);
    @TempDir
    Path dir;

    private static String nft(Netns ns, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "nft";
        System.arraycopy(args, 0, command, 1, args.length);
        CommandResult r = ns.exec(T, command);
        assertTrue(r.succeeded(), r.toString());
        return r.output();
    }

    private static List<String> wanLines(ApplianceStore store) throws Exception {
        return store.events(1000, "service").stream().map(ApplianceStore.EventRow::message)
                .filter(m -> m.startsWith("the firewall")).toList().reversed();
    }

    @Test
    void aWanAdmissionThatFailedIsSetByTheHousekeepingAndLoggedOnceEachWay() throws Exception {
        try (Netns ns = Netns.create("hrwanre")) {
            Path conf = dir.resolve("nftables.conf");
            Files.copy(Path.of("..", "image", "overlay", "etc", "nftables.conf"), conf);
            assertTrue(ns.exec(T, "nft", "-f", conf.toString()).succeeded());
            WanAdmission wan = WanAdmission.find(ns.name());
            assertTrue(wan.present());
            // The chain gone from under the router (an administrator's hand edit, say): its flush fails.
            String input = nft(ns, "--handle", "list", "chain", "inet", "homerouter", "input");
            Matcher jump = Pattern.compile("jump wan_pptp # handle (\\d+)").matcher(input);
            assertTrue(jump.find(), input);
            nft(ns, "delete", "rule", "inet", "homerouter", "input", "handle", jump.group(1));
            nft(ns, "delete", "chain", "inet", "homerouter", "wan_pptp");

            try (Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0),
                    DataPlane.unavailable("test: no data plane"))) {
                int port = a.pptpAddress().getPort();
                a.admitFromWanThrough(wan);
                assertTrue(nft(ns, "list", "set", "inet", "homerouter", "vpn_clients").contains("elements"),
                        "the VPN clients are named although the admission failed");
                a.retryKernelChanges(); // still failing
                List<String> lines = wanLines(a.store());
                assertEquals(1, lines.size(), "one line while it fails: " + lines);
                assertTrue(lines.getFirst().startsWith("the firewall could not be set for PPTP on the WAN: "), lines.getFirst());

                nft(ns, "add", "chain", "inet", "homerouter", "wan_pptp");
                a.retryKernelChanges(); // the housekeeping's next try
                String chain = nft(ns, "list", "chain", "inet", "homerouter", "wan_pptp");
                assertTrue(chain.contains("tcp dport " + port + " accept"), chain);
                a.retryKernelChanges();
                assertEquals(List.of(lines.getFirst(), "the firewall is set for PPTP on the WAN again"), wanLines(a.store()));
            }
            assertFalse(nft(ns, "list", "chain", "inet", "homerouter", "wan_pptp").contains("accept"),
                    "emptied when the service stops");
        }
    }
}
