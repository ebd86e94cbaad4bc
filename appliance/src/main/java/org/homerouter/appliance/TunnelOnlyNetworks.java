package org.homerouter.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.bridge.firewall.LanDns;
import org.homerouter.bridge.route.BootHold;
import org.homerouter.bridge.route.DefaultRouteFailClosed;
import org.homerouter.bridge.route.FailClosedRoutes;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The networks kept unreachable while their tunnel is down (the dial-out's, every branch account's,
 * the VPN server's tunnel network), forwarded traffic held off the router's own default route and
 * the LAN's DNS held while the dial-out is to carry everything, and the next boot's hold of them.
 *
 * <p>Its state is guarded by the appliance's monitor (the configuration's): {@link #keep} and
 * {@link #close} are called only from {@link Appliance}'s synchronized methods or blocks, and
 * {@link #findLanDns} at its start, before any other thread has it. What is read without that
 * monitor ({@link #lanDns}: the dial-out's thread; {@link #forwardedHeldForTunnel}: the
 * dashboard) is volatile. Its log lines are the appliance's, under its logger.
 */
final class TunnelOnlyNetworks {
    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    private final ApplianceStore store;
    private final DataPlane dataPlane;
    /** The database's directory, where the boot's hold of the fail-closed routes is kept (BootHold). */
    private final Path dataDir;
    /** The VPN server's TCP port while it is switched on in the settings given, else empty. */
    private final Function<Map<Setting, String>, OptionalInt> serverPort;
    /** Networks reached only through a tunnel, unreachable while it is down; null without the Linux data plane. */
    private FailClosedRoutes tunnelOnly;
    /** Forwarded traffic off the default route while the dial-out is to carry everything; null likewise. */
    private DefaultRouteFailClosed everythingThroughTunnel;
    /**
     * The LAN's DNS queries to the router: through the tunnel or held while the dial-out is to carry
     * everything; null where this process's namespace is not known to be the router's (as {@link
     * #routerNamespace} decides).
     */
    private volatile LanDns lanDns;
    /**
     * The VPN server's port while it is switched on (whether or not it could start), as last read:
     * with "everything" through the dial-out its answers to remote workers must not follow the rest
     * into the tunnel ({@link #keep}). Under the appliance's monitor.
     */
    private OptionalInt serverPortHeld = OptionalInt.empty();
    /** Whether those rules are in: the dial-out's page then says what LAN hosts meet while it is down. */
    private volatile boolean forwardedHeldForTunnel;

    TunnelOnlyNetworks(ApplianceStore store, DataPlane dataPlane, Path dataDir,
                       Function<Map<Setting, String>, OptionalInt> serverPort) {
        this.store = store;
        this.dataPlane = dataPlane;
        this.dataDir = dataDir;
        this.serverPort = serverPort;
    }

    /** At the appliance's start: the LAN's DNS, held by {@link #keep}, where this namespace is the router's. */
    void findLanDns() {
        if (routerNamespace()) {
            lanDns = LanDns.find(null);
        }
    }

    /** The LAN's DNS, which the dial-out's tunnel moves; null outside the router's namespace. Lock-free. */
    LanDns lanDns() {
        return lanDns;
    }

    /**
     * Keeps the networks that must only be reached through a tunnel (the enabled dial-out's, every
     * branch account's, and the VPN server's tunnel network while it is switched on, whether or not
     * it could start) unreachable while their tunnel is down, so that they never leave by the
     * default route in clear; with the dial-out's default route on, every forwarded packet is held
     * off the router's own default route likewise. Called at start and after every change to them;
     * a failure is logged.
     *
     * @param dialOutNetworks the running dial-out's routed networks
     * @param everything      whether the dial-out is to carry everything
     */
    void keep(List<Subnet> dialOutNetworks, boolean everything) {
        if (!routerNamespace()) {
            return;
        }
        List<String> networks = new ArrayList<>();
        List<Subnet> local = ApplianceVpnConfig.localNetworks();
        // Whether every network was found: only then is the next boot's hold rewritten (a list
        // missing some would open them at the next boot).
        boolean complete = false;
        try {
            dialOutNetworks.forEach(s -> networks.add(RoutedSubnets.cidr(s)));
            Map<Setting, String> cfg = store.settings();
            serverPortHeld = serverPort.apply(cfg);
            Subnet tunnel = Appliance.tunnelNetwork(cfg);
            if (Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED)) && tunnel != null) {
                // A VPN client's address has a route only while its session lasts: once it is gone
                // (its WAN dropped, the session reaped), a LAN server still answering it, say a file
                // copy's retransmissions, sent that client's data out of the WAN in clear.
                try {
                    RoutedSubnets.checkAgainstLocal(List.of(tunnel), local, null);
                    networks.add(RoutedSubnets.cidr(tunnel));
                } catch (IllegalArgumentException e) {
                    LOG.warn("the VPN tunnel network is not kept unreachable outside its sessions: {}", e.getMessage());
                }
            }
            for (var entry : store.allRoutedSubnets().entrySet()) {
                try {
                    var subnets = RoutedSubnets.parse(entry.getValue(), entry.getKey());
                    // An imported account's networks are checked against this router's LANs only now:
                    // an overlapping one would cut those LAN hosts off, so it is left out.
                    RoutedSubnets.checkAgainstLocal(subnets, local, null);
                    subnets.forEach(s -> networks.add(RoutedSubnets.cidr(s)));
                } catch (IllegalArgumentException e) {
                    LOG.warn("routed subnets of {} not kept unreachable outside their tunnel: {}", entry.getKey(),
                            e.getMessage());
                }
            }
            complete = true;
            if (tunnelOnly == null) {
                tunnelOnly = new FailClosedRoutes(null);
            }
            tunnelOnly.keep(networks);
        } catch (IOException | SQLException e) {
            LOG.error("networks reached through tunnels ({}) could not all be kept unreachable while their tunnel is"
                    + " down: {}", networks, e.getMessage());
            store.logEvent("service", "networks reached through tunnels could not all be kept unreachable while"
                    + " their tunnel is down: " + e.getMessage());
        }
        try {
            if (everythingThroughTunnel == null) {
                everythingThroughTunnel = new DefaultRouteFailClosed(null);
            }
            everythingThroughTunnel.keep(everything, serverPortHeld);
            forwardedHeldForTunnel = everything;
        } catch (IOException e) {
            try {
                forwardedHeldForTunnel = everythingThroughTunnel.holding();
            } catch (IOException unknown) {
                forwardedHeldForTunnel = false;
            }
            LOG.error("the site-to-site default route: forwarded traffic could not be {} the router's own default"
                    + " route: {}", everything ? "kept off" : "let back onto", e.getMessage());
            store.logEvent("service", "the site-to-site default route: forwarded traffic could not be "
                    + (everything ? "kept off" : "let back onto") + " the router's own default route: "
                    + e.getMessage());
        }
        LanDns dns = lanDns;
        try {
            if (dns != null) {
                dns.hold(everything);
            }
        } catch (IOException e) {
            LOG.error("the site-to-site default route: the LAN's DNS could not be {}: {}",
                    everything ? "held to the tunnel" : "given back to this router's resolver", e.getMessage());
            store.logEvent("service", "the site-to-site default route: the LAN's DNS could not be "
                    + (everything ? "held to the tunnel" : "given back to this router's resolver") + ": "
                    + e.getMessage());
        }
        // What the next boot holds before this service runs again: the owner's intent, as above,
        // also for a route the kernel refused now (the boot may take it).
        if (!complete) {
            return;
        }
        try {
            BootHold.write(dataDir, networks, everything);
        } catch (IOException | RuntimeException e) {
            LOG.error("the boot's hold of the tunnel-only networks could not be written: {}", e.toString());
            store.logEvent("service", "the tunnel-only networks could not be saved for the next boot: until the"
                    + " service starts then, they may be reached outside their tunnel: " + e.getMessage());
        }
    }

    /**
     * Whether this process's namespace is the router's, whose routes and firewall the tunnels'
     * holds belong in. Not with an in-memory data plane (tests), nor with a Linux one that cannot
     * run (no CAP_NET_RAW, say) in a data directory no router ever ran in. Where a run with the
     * data plane left a boot hold, it is: the holds put back at boot must still follow the settings
     * (switched off, they are lifted), or the LAN would reach nothing beyond the router until the
     * data plane works again.
     */
    private boolean routerNamespace() {
        return dataPlane.linux() || Files.exists(dataDir.resolve(BootHold.FILE_NAME));
    }

    /**
     * Whether forwarded traffic is held off the router's own default route for the dial-out's
     * "everything else" (its rules are in): LAN hosts reach nothing beyond the LAN while it is down.
     */
    boolean forwardedHeldForTunnel() {
        return forwardedHeldForTunnel;
    }

    /** At the appliance's stop. */
    void close() {
        if (lanDns != null) {
            lanDns.close(); // held still if the owner wants everything through the tunnel
        }
    }
}
