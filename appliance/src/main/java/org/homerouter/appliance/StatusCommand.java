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
import org.homerouter.appliance.store.ReadOnlyStorage;
import org.homerouter.appliance.store.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code status}: whether the service runs and where its web UI is (what an owner locked out of
 * it asks the console first), and what the database says about the router — configuration
 * summary, sessions recorded as up, recent problems and events. Reads the same SQLite file a
 * running appliance writes (WAL: readers never block it).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show whether the service runs, its web UI's address, the VPN server's configuration, connected"
                + " sessions, recent problems and events.",
                "Exits 0 while the service runs, 3 when it does not, 4 when that cannot be found out (as systemctl"
                        + " status does), 1 on an error."})
final class StatusCommand implements Callable<Integer> {
    private static final String MORE = "               ";
    /**
     * UTC, said: the router has no time zone of its own, and an unlabelled time an hour or nine off
     * the Logs page's (shown in the browser's zone) was read as local. The clock-step events' texts
     * and the web pages without JavaScript say UTC too.
     */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z").withZone(ZoneId.of("UTC"));

    @Option(names = "--data-dir", description = CliDatabase.DESCRIPTION)
    Path dataDir;

    @Option(names = {"-n", "--events"}, paramLabel = "N", defaultValue = "10",
            description = "How many recent events to show, 0 to " + MAX_EVENTS + " (default: ${DEFAULT-VALUE}).")
    int events;

    static final int MAX_EVENTS = 1000;
    /** The exit code while the service does not run: systemctl status's for a unit not active. */
    static final int NOT_RUNNING = 3;
    /** The exit code when whether it runs could not be found out: systemctl status's for a state unknown. */
    static final int UNKNOWN = 4;

    @Override
    public Integer call() throws Exception {
        if (events < 0 || events > MAX_EVENTS) {
            throw new IllegalArgumentException("-n is 0 to " + MAX_EVENTS + " events");
        }
        try (ApplianceStore store = CliDatabase.open(dataDir, false)) {
            Map<Setting, String> c = store.settings();
            System.out.printf("version        %s%n", Version.current());
            System.out.printf("database       %s (schema %d)%n", store.file().toAbsolutePath(), store.schemaVersion());
            // The database alone read the same after a crash as with the service up: sessions
            // listed as up that no longer were, and nothing said that nothing was served.
            InstanceLock.Look look;
            try {
                look = InstanceLock.look(store.file().toAbsolutePath().getParent());
                System.out.println(look.running() ? "service        running" + (look.pid() == null ? "" : " (pid "
                        + look.pid() + ")") : "service        NOT RUNNING: no VPN, site-to-site or web UI now (on the"
                        + " router: systemctl status homerouter says why, systemctl start homerouter starts it)");
            } catch (java.io.IOException e) {
                look = null;
                String why = CliProblem.describe(e);
                System.out.println("service        unknown: " + (why != null ? why : e.toString()));
            }
            webUi(c, look, ownAddresses()).forEach(System.out::println);
            // What the Dashboard says first: the storage went read-only (export now, while it reads),
            // the settings the router runs on are not the owner's.
            String storage = StorageReserve.describe(store.file().toAbsolutePath().getParent());
            boolean readOnly = store.readOnly() || storage.startsWith(StorageReserve.READ_ONLY);
            if (readOnly) {
                System.out.printf("storage        %s%s%n", StorageReserve.READ_ONLY, ReadOnlyStorage.SENTENCE);
            }
            store.newerFirmwareNote().ifPresent(n -> System.out.printf("settings       NOTE: %s%n", n));
            var lost = org.homerouter.bridge.route.BootHold.read(TunnelOnlyNetworks.lostSettingsHold(
                    store.file().toAbsolutePath().getParent()));
            if (!lost.isEmpty()) {
                System.out.printf("settings       LOST at an earlier start (the database could not be read): the router"
                        + " runs on defaults, and keeps held what the lost settings held (%s%s) until the last export is"
                        + " imported (config import, or the System page) or the router reset%n",
                        String.join(", ", lost.unreachable()), lost.defaultRouteHeld()
                                ? (lost.unreachable().isEmpty() ? "" : "; ") + "all LAN traffic and DNS" : "");
            }
            Appliance.storedAddressProblems(c).ifPresent(p -> System.out.printf("VPN settings   %s%n", p));
            org.homerouter.bridge.ClockState.synchronizedByTimeServer().ifPresent(set -> System.out.printf(
                    "clock          %s%n", set ? "synchronized with a time server" : "NOT synchronized with a time server: times below may be wrong"));
            var routed = NetworkOverlap.routed(store, c);
            NetworkOverlap.describe(ApplianceVpnConfig.localNetworks(),
                            NetworkOverlap.refusedBesides(Appliance.tunnelNetwork(c), routed))
                    .or(() -> NetworkOverlap.tunnelNetwork(Boolean.parseBoolean(c.get(Setting.PPTP_ENABLED))
                            ? Appliance.tunnelNetwork(c) : null, ApplianceVpnConfig.localNetworks(), routed))
                    .ifPresent(o -> System.out.printf("networks       OVERLAP: %s%n", o));
            if (!readOnly) {
                System.out.printf("storage        %s%n", storage);
            }
            System.out.printf("admin password %s%n", store.adminPasswordHash().isPresent() ? "set" : "NOT SET (first-run setup pending)");
            System.out.printf("PPTP server    %s, %s:%s, up to %s sessions%n",
                    Boolean.parseBoolean(c.get(Setting.PPTP_ENABLED)) ? "enabled" : "disabled",
                    c.get(Setting.PPTP_LISTEN_ADDRESS), c.get(Setting.PPTP_PORT), PptpService.sessionsServed(c));
            System.out.printf("tunnel         %s, pool %s-%s, auth %s, encryption %s%n", c.get(Setting.PPTP_LOCAL_ADDRESS),
                    c.get(Setting.PPTP_POOL_START), c.get(Setting.PPTP_POOL_END), c.get(Setting.PPTP_AUTH_METHODS),
                    c.get(Setting.PPTP_MPPE));
            System.out.printf("client DNS     %s%n",
                    clientDns(c, HostNameServers.SYSTEM.forClients(HostNameServers::lanResolverOnImage)));
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
            if (look == null || look.running()) {
                System.out.printf("%nsessions up (%d)%n", open.size());
            } else if (open.isEmpty()) {
                System.out.printf("%nsessions up (0): the service is not running%n");
            } else {
                // Rows a service that stopped without closing them (a crash, a power cut) left open.
                System.out.printf("%nsessions up when the service stopped (%d): none is connected now; the service"
                        + " records them as interrupted when it starts%n", open.size());
            }
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
            // Not the failed among the last rows: a stranger guessing names pushed a user's own
            // failure (no GRE, a wrong password) out of those within minutes; such guesses are
            // summed up in a line of their own.
            var failures = store.sessionFailures(5, System.currentTimeMillis() - ApplianceSessions.PROBLEMS_WITHIN.toMillis());
            var internetSide = ApplianceSessions.defaultRouteSide();
            for (ApplianceStore.SessionRow row : failures) {
                var r = ApplianceSessions.record(row, internetSide);
                System.out.printf("  %s %s from %s: %s%n    what to do: %s%n", TIME.format(Instant.ofEpochMilli(r.endedMs())),
                        r.user(), r.client(), r.endReason(), r.advice());
            }
            String unknownUsers = ApplianceSessions.unknownUsers(store, System.currentTimeMillis());
            if (!unknownUsers.isEmpty()) {
                System.out.printf("  %s%n", unknownUsers);
            } else if (failures.isEmpty()) {
                System.out.println("  none");
            }
            System.out.println();
            System.out.println("recent events");
            for (ApplianceStore.EventRow e : store.events(events, null)) {
                System.out.printf("  %s %-12s %s%n", TIME.format(Instant.ofEpochMilli(e.atMs())), e.kind(), e.message());
            }
            // A script or a monitoring check asks "is it up?" by the exit code, as of systemctl status.
            return look == null ? UNKNOWN : look.running() ? 0 : NOT_RUNNING;
        }
    }

    /**
     * Where the web UI is: where the running service's listens (the command line's --ui-address
     * and --ui-port override the settings: on the router every address, port 8080), where the
     * last one's did when none runs, else the settings'. HTTPS is the settings': the service
     * follows them at once.
     *
     * @param own this machine's addresses, for a UI listening on every address: each URL then names
     *            its link, since a router's firewall admits the UI from its LAN only, and the WAN's
     *            address would be listed too
     */
    static List<String> webUi(Map<Setting, String> c, InstanceLock.Look look, List<Own> own) {
        boolean noted = look != null && look.uiHost() != null;
        String host = noted ? look.uiHost() : c.get(Setting.UI_LISTEN_ADDRESS);
        int port = noted ? look.uiPort() : Integer.parseInt(c.get(Setting.UI_PORT));
        List<Own> hosts;
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0")) {
            hosts = own.isEmpty() ? List.of(new Own("127.0.0.1", "")) : own.stream().distinct().toList();
        } else {
            hosts = List.of(new Own(urlHost(host), ""));
        }
        List<String> urls = new java.util.ArrayList<>();
        hosts.forEach(h -> urls.add("http://" + h.host() + ":" + port + "/" + h.on()));
        if (Boolean.parseBoolean(c.get(Setting.UI_HTTPS))) {
            hosts.forEach(h -> urls.add("https://" + h.host() + ":" + c.get(Setting.UI_HTTPS_PORT) + "/" + h.on()));
        }
        List<String> lines = new java.util.ArrayList<>();
        if (look != null && !look.running()) {
            lines.add("web UI         not served now; when the service runs:");
            urls.forEach(u -> lines.add(MORE + u));
        } else {
            for (String u : urls) {
                lines.add((lines.isEmpty() ? "web UI         " : MORE) + u);
            }
        }
        return lines;
    }

    /** One of this machine's addresses as a URL's host, and the link it is on ("" if unknown). */
    record Own(String host, String link) {
        Own(InetAddress address, String link) {
            this(urlHost(address.getHostAddress()), link);
        }

        String on() {
            return link.isEmpty() ? "" : "  (on " + link + ")";
        }
    }

    private static String urlHost(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** This machine's IPv4 addresses on its networks: not loopback, not a tunnel's. */
    static List<Own> ownAddresses() {
        List<Own> out = new java.util.ArrayList<>();
        try {
            for (var nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (nif.isUp() && !nif.isLoopback() && !nif.isPointToPoint()) {
                    nif.inetAddresses().filter(a -> a instanceof Inet4Address).forEach(a -> out.add(new Own(a, nif.getName())));
                }
            }
        } catch (java.net.SocketException e) {
            // none known: the URL names loopback
        }
        return out;
    }

    /**
     * The DNS servers VPN clients get: the VPN page's, else the router's own (the command runs on
     * the router, so it reads the same files as the service), or the router itself where those
     * are IPv6 only, else none, with what to do.
     */
    static String clientDns(Map<Setting, String> c, HostNameServers.ForClients routersOwn) {
        String primary = c.get(Setting.PPTP_DNS_PRIMARY).trim();
        String secondary = c.get(Setting.PPTP_DNS_SECONDARY).trim();
        if (!primary.isEmpty()) {
            return primary + (secondary.isEmpty() ? "" : ", " + secondary);
        }
        String servers = String.join(", ", routersOwn.servers().stream().map(InetAddress::getHostAddress).toList());
        if (routersOwn.wanIpv6Only()) {
            return servers.isEmpty()
                    ? "NONE: the WAN's DNS servers are IPv6 only, which PPTP cannot give clients; set an IPv4 one on"
                            + " the VPN page"
                    : "this router itself: " + servers + " (its LAN address; the WAN's DNS servers are IPv6 only, which"
                            + " PPTP cannot give clients)";
        }
        if (!servers.isEmpty()) {
            return "the router's own: " + servers;
        }
        return "NONE: this router knows no DNS server of its own; set one on the VPN page";
    }
}
