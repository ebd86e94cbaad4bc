package org.homerouter.appliance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code status}: what the database says about the router — configuration summary, sessions
 * recorded as up, recent problems and events. Reads the same SQLite file a running appliance writes
 * (WAL: readers never block it).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the VPN server's configuration, connected sessions, recent problems and events.")
final class StatusCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Option(names = "--data-dir", description = CliDatabase.DESCRIPTION)
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        try (ApplianceStore store = CliDatabase.open(dataDir, false)) {
            Map<Setting, String> c = store.settings();
            System.out.printf("version        %s%n", Version.current());
            System.out.printf("database       %s (schema %d)%n", store.file().toAbsolutePath(), store.schemaVersion());
            org.homerouter.bridge.ClockState.synchronizedByTimeServer().ifPresent(set -> System.out.printf(
                    "clock          %s%n", set ? "synchronized with a time server" : "NOT synchronized with a time server: times below may be wrong"));
            System.out.printf("admin password %s%n", store.adminPasswordHash().isPresent() ? "set" : "NOT SET (first-run setup pending)");
            System.out.printf("PPTP server    %s, %s:%s, up to %s sessions%n",
                    Boolean.parseBoolean(c.get(Setting.PPTP_ENABLED)) ? "enabled" : "disabled",
                    c.get(Setting.PPTP_LISTEN_ADDRESS), c.get(Setting.PPTP_PORT), PptpService.sessionsServed(c));
            System.out.printf("tunnel         %s, pool %s-%s, auth %s, encryption %s%n", c.get(Setting.PPTP_LOCAL_ADDRESS),
                    c.get(Setting.PPTP_POOL_START), c.get(Setting.PPTP_POOL_END), c.get(Setting.PPTP_AUTH_METHODS),
                    c.get(Setting.PPTP_MPPE));
            System.out.printf("client DNS     %s%n", clientDns(c, HostNameServers.SYSTEM.get()));
            System.out.printf("users          %d%n", store.users().size());
            store.allRoutedSubnets().forEach((user, subnets) ->
                    System.out.printf("branch office  %s routes %s%n", user, subnets));
            if (Boolean.parseBoolean(c.get(Setting.DIALOUT_ENABLED))) {
                System.out.printf("site-to-site   on, to %s as %s, routing %s%s%n", c.get(Setting.DIALOUT_SERVER),
                        c.get(Setting.DIALOUT_USER), c.get(Setting.DIALOUT_SUBNETS).isEmpty() ? "no networks"
                                : c.get(Setting.DIALOUT_SUBNETS),
                        Boolean.parseBoolean(c.get(Setting.DIALOUT_DEFAULT_ROUTE)) ? " and the default route" : "");
                // The running appliance logs each up, drop and failure: the latest is its state.
                for (ApplianceStore.EventRow e : store.events(1, "dialout")) {
                    System.out.printf("               last: %s %s%n", TIME.format(Instant.ofEpochMilli(e.atMs())), e.message());
                }
            } else {
                System.out.println("site-to-site   off");
            }
            List<ApplianceStore.SessionRow> open = store.sessionHistory(100, true);
            System.out.printf("%nsessions up (%d)%n", open.size());
            for (ApplianceStore.SessionRow r : open) {
                System.out.printf("  %-20s from %-15s tunnel %-15s since %s%n", r.user(), r.client(), r.tunnelAddress(),
                        TIME.format(Instant.ofEpochMilli(r.startedMs())));
                if (r.problem() != null) {
                    System.out.printf("    problem: %s — %s%n    what to do: %s%n", Diagnosis.what(r.problem()),
                            r.problemDetail(), Diagnosis.advice(r.problem()));
                }
            }
            System.out.println();
            System.out.println("recent problems");
            int shown = 0;
            for (ApplianceStore.SessionRow row : store.sessionHistory(100, false)) {
                var r = ApplianceSessions.record(row);
                if (r.failed() && shown++ < 5) {
                    System.out.printf("  %s %s from %s: %s%n    what to do: %s%n", TIME.format(Instant.ofEpochMilli(r.endedMs())),
                            r.user(), r.client(), r.endReason(), r.advice());
                }
            }
            if (shown == 0) {
                System.out.println("  none");
            }
            System.out.println();
            System.out.println("recent events");
            for (ApplianceStore.EventRow e : store.events(10, null)) {
                System.out.printf("  %s %-12s %s%n", TIME.format(Instant.ofEpochMilli(e.atMs())), e.kind(), e.message());
            }
        }
        return 0;
    }

    /**
     * The DNS servers VPN clients get: the VPN page's, else the router's own (the command runs on
     * the router, so it reads the same files as the service), else none, with what to do.
     */
    static String clientDns(Map<Setting, String> c, List<Inet4Address> routersOwn) {
        String primary = c.get(Setting.PPTP_DNS_PRIMARY).trim();
        String secondary = c.get(Setting.PPTP_DNS_SECONDARY).trim();
        if (!primary.isEmpty()) {
            return primary + (secondary.isEmpty() ? "" : ", " + secondary);
        }
        if (!routersOwn.isEmpty()) {
            return "the router's own: " + String.join(", ",
                    routersOwn.stream().map(InetAddress::getHostAddress).toList());
        }
        return "NONE: this router knows no DNS server of its own; set one on the VPN page";
    }
}
