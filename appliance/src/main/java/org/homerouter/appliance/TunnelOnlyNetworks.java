package org.homerouter.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.Function;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.bridge.admin.AdminCommands;
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
 * dashboard; {@link #failing}: the housekeeping, which then calls {@link #keep} under it) is
 * volatile. Its log lines are the appliance's, under its logger (a failed hold's, {@link KernelRetry}'s).
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
    /** Runs the holds' ip and nft. */
    private final AdminCommands commands;
    /**
     * Each hold that failed, tried again until done ({@link #keep}, called by the housekeeping while
     * {@link #failing}): each says in the event log what it could not do, and when it is done.
     */
    private final KernelRetry routes;
    private final KernelRetry defaultRoute;
    private final KernelRetry dnsHold;
    private final KernelRetry bootHold;
    /** The event log, as "service". */
    private final Consumer<String> events;

    TunnelOnlyNetworks(ApplianceStore store, DataPlane dataPlane, Path dataDir,
                       Function<Map<Setting, String>, OptionalInt> serverPort) {
        this(store, dataPlane, dataDir, serverPort, new AdminCommands(null));
    }

    /** @param commands runs the holds' ip and nft (tests: a busy board's, failing) */
    TunnelOnlyNetworks(ApplianceStore store, DataPlane dataPlane, Path dataDir,
                       Function<Map<Setting, String>, OptionalInt> serverPort, AdminCommands commands) {
        this.store = store;
        this.dataPlane = dataPlane;
        this.dataDir = dataDir;
        this.serverPort = serverPort;
        this.commands = commands;
        this.events = line -> store.logEvent("service", line);
        this.routes = new KernelRetry(events);
        this.defaultRoute = new KernelRetry(events);
        this.dnsHold = new KernelRetry(events);
        this.bootHold = new KernelRetry(events);
        if (dataDir != null) {
            readLostHeld();
        }
    }

    /**
     * Where the holds of a router whose settings were lost are kept ({@link #settingsLost}): a copy
     * of the boot-hold file as it was when the database could not be read.
     */
    static final String LOST_SETTINGS_HOLD = BootHold.FILE_NAME + ".settings-lost";

    /** {@link #LOST_SETTINGS_HOLD} in {@code dataDir}: the service's, the import's and status's. */
    static Path lostSettingsHold(Path dataDir) {
        return dataDir.resolve(LOST_SETTINGS_HOLD);
    }

    /**
     * At the appliance's start, when its settings database could not be read and it runs on
     * defaults: what the router held to its tunnels before (the boot put it back from the
     * boot-hold file) stays held until a configuration is imported or the router reset ({@link
     * #settingsLostDealtWith}). On defaults, the first {@link #keep} lifted it all, at once and at
     * every later boot: an office whose LAN went only through its tunnel sent everything, DNS
     * included, out of the WAN in clear after a power cut that damaged the database. Kept in a
     * file beside the boot-hold, so that a restart before the owner restores keeps them too.
     */
    void settingsLost() {
        Path kept = lostSettingsHold(dataDir);
        Path hold = dataDir.resolve(BootHold.FILE_NAME);
        try {
            if (BootHold.read(hold).isEmpty()) {
                return; // nothing was held: nothing to keep (and no copy to stand in for a later loss's)
            }
            if (Files.exists(kept) && BootHold.read(kept).isEmpty()) {
                Files.delete(kept); // a copy that holds nothing must not stand in for this loss's
            }
            // The file as it is, not as parsed: a line a power cut garbled must not lose the others.
            boolean copied = BootHold.keepCopy(hold, kept);
            lostHeld = BootHold.read(kept);
            if (copied) {
                String line = "what the router kept to its tunnels before its settings were lost stays held until a"
                        + " configuration export is imported or the router is reset on the System page";
                LOG.warn("{}", line);
                events.accept(line);
            }
        } catch (IOException e) {
            String line = "what the router kept to its tunnels before its settings were lost could not be kept held"
                    + " (" + e.getMessage() + "): the networks reached only through tunnels, and with 'everything"
                    + " through the tunnel' the LAN's traffic, may leave by the WAN until the settings are restored";
            LOG.error("{}", line);
            events.accept(line);
        }
    }

    /**
     * What {@link #settingsLost} keeps held until the settings are restored or reset; nothing once
     * they are. Read once, when this run starts: a command-line import into the running service's
     * database deletes the copy, but the service applies the imported settings at its next start,
     * and lifting the holds before (at the next housekeeping) let the LAN out in clear meanwhile.
     */
    BootHold.Held heldForLostSettings() {
        return lostHeld;
    }

    private volatile BootHold.Held lostHeld = BootHold.Held.NOTHING;

    /** At the start: the copy an earlier run kept for lost settings, if any ({@link #heldForLostSettings}). */
    private void readLostHeld() {
        try {
            lostHeld = BootHold.read(lostSettingsHold(dataDir));
        } catch (IOException e) {
            LOG.error("{} could not be read: {}", LOST_SETTINGS_HOLD, e.getMessage());
        }
    }

    /** A configuration was imported or the router reset: the holds {@link #settingsLost} kept go with the next {@link #keep}. */
    void settingsLostDealtWith() {
        lostHeld = BootHold.Held.NOTHING;
        try {
            Files.deleteIfExists(lostSettingsHold(dataDir));
        } catch (IOException e) {
            LOG.warn("{} could not be removed: {}", LOST_SETTINGS_HOLD, e.getMessage());
        }
    }

    /** At the appliance's start: the LAN's DNS, held by {@link #keep}, where this namespace is the router's. */
    void findLanDns() {
        if (routerNamespace()) {
            lanDns = LanDns.find(commands);
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
     * off the router's own default route likewise. Called at start and after every change to them.
     * A hold that fails (ip or nft timing out on a busy board) goes to the event log once, and the
     * appliance's housekeeping calls this again every {@link KernelRetry#PERIOD} while {@link
     * #failing}, with the inputs as they are then, until it is done: waiting for the owner's next
     * save left those networks (and the LAN's DNS) free to leave in clear meanwhile.
     *
     * @param dialOutNetworks the running dial-out's routed networks
     * @param everything      whether the dial-out is to carry everything
     */
    void keep(List<Subnet> dialOutNetworks, boolean everything) {
        if (!routerNamespace()) {
            return;
        }
        // Every network, or null where the settings could not be read: a list missing some would
        // open them, in the kernel or at the next boot.
        List<String> networks = null;
        SQLException unread = null;
        try {
            networks = networks(dialOutNetworks);
        } catch (SQLException e) {
            unread = e;
        }
        everything |= heldForLostSettings().defaultRouteHeld();
        keepRoutes(networks, unread);
        keepDefaultRoute(everything);
        keepDns(everything);
        if (networks != null) {
            // What the next boot holds before this service runs again: the owner's intent, as above,
            // also for a route the kernel refused now (the boot may take it).
            keepBootHold(networks, everything);
        }
    }

    /**
     * What the stored settings that name tunnel-only networks were at the last {@link #keep}: the
     * VPN server's switch and tunnel network, every account's routed networks. Volatile: read by
     * the housekeeping without the appliance's lock.
     */
    private volatile Object keptFrom;

    private Object madeFrom(Map<Setting, String> cfg, RouterNetworks local) throws SQLException {
        return List.of(String.valueOf(cfg.get(Setting.PPTP_ENABLED)), String.valueOf(Appliance.tunnelNetwork(cfg)),
                store.allRoutedSubnets(), local);
    }

    /**
     * Whether the stored settings name other tunnel-only networks than those last kept, or this
     * router's networks changed. The command line changes them ({@code user subnets}, {@code user
     * add --routed-subnet}), which writes the database only: the branch's next session routed the
     * new network, and whenever its tunnel was down the LAN's traffic to it left by the WAN in
     * clear, until the service's next save or restart. A new WAN lease may clash with a network
     * left out for it, or end the clash. The housekeeping asks every {@link KernelRetry#PERIOD}. Lock-free.
     */
    boolean changedOutside() {
        if (!routerNamespace() || keptFrom == null) {
            return false;
        }
        try {
            return !madeFrom(store.settings(), RouterNetworks.now()).equals(keptFrom);
        } catch (SQLException e) {
            return false; // the next try reads again
        }
    }

    /**
     * The networks reached only through a tunnel, as the settings say now: the dial-out's, the VPN
     * server's tunnel network while it is switched on, every branch account's; those that are or lie
     * within one of this router's networks left out (logged): their unreachable route would cut
     * those hosts off ({@link RouterNetworks#checkHoldable}). Reads the VPN server's port too ({@link #serverPortHeld}).
     */
    private List<String> networks(List<Subnet> dialOutNetworks) throws SQLException {
        List<String> networks = new ArrayList<>();
        RouterNetworks local = RouterNetworks.now();
        // A running dial-out's were checked at its start, but one refused at its start (a WAN
        // lease or a LAN that came to clash) is held as far as it can be.
        holdable(local, dialOutNetworks, "a routed network of the site-to-site dial-out is not kept unreachable"
                + " outside its tunnel", networks);
        Map<Setting, String> cfg = store.settings();
        serverPortHeld = serverPort.apply(cfg);
        keptFrom = madeFrom(cfg, local);
        Subnet tunnel = Appliance.tunnelNetwork(cfg);
        if (Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED)) && tunnel != null) {
            // A VPN client's address has a route only while its session lasts: once it is gone
            // (its WAN dropped, the session reaped), a LAN server still answering it, say a file
            // copy's retransmissions, sent that client's data out of the WAN in clear.
            holdable(local, List.of(tunnel), "the VPN tunnel network is not kept unreachable outside its sessions",
                    networks);
        }
        List<java.net.Inet4Address> nameServers = PptpService.hostNameServers(dataPlane).get();
        List<String> dnsCut = new ArrayList<>();
        for (var entry : store.allRoutedSubnets().entrySet()) {
            List<Subnet> subnets;
            try {
                subnets = RoutedSubnets.parse(entry.getValue(), entry.getKey());
            } catch (IllegalArgumentException e) {
                LOG.warn("routed subnets of {} not kept unreachable outside their tunnel: {}", entry.getKey(),
                        e.getMessage());
                continue;
            }
            // An imported account's networks are checked against this router's networks only now:
            // one within them would cut those hosts off, so it is left out; its others are held
            // still (all of them were left out with it, and left the LAN in clear while the branch
            // was offline).
            List<String> held = holdable(local, subnets, "a routed network of " + entry.getKey() + " is not kept"
                    + " unreachable outside its tunnel", networks);
            dnsCut.addAll(ApplianceDialOut.nameServersInsideBranch(entry.getKey(), nameServers,
                    subnets.stream().filter(sub -> held.contains(RoutedSubnets.cidr(sub))).toList(), local.wans()));
        }
        // What the lost settings held, as far as it can be held now (a network within one of this
        // router's networks, its new LAN or WAN lease say, would cut those hosts off).
        List<Subnet> lost = new ArrayList<>();
        for (String cidr : heldForLostSettings().unreachable()) {
            try {
                lost.addAll(RoutedSubnets.parse(cidr, "held before the settings were lost"));
            } catch (IllegalArgumentException e) {
                LOG.warn("a network held before the settings were lost is not kept unreachable: {}", e.getMessage());
            }
        }
        holdable(local, lost.stream().filter(sub -> !networks.contains(RoutedSubnets.cidr(sub))).toList(),
                "a network held before the settings were lost is not kept unreachable", networks);
        // Said once each, not at every keep (each save, each change of the router's networks).
        for (String cut : dnsCut) {
            if (!dnsCutSaid.contains(cut)) {
                LOG.warn("{}", cut);
                events.accept(cut);
            }
        }
        dnsCutSaid = dnsCut;
        return networks;
    }

    /** What {@link #networks} last said of the router's DNS servers inside a branch's networks. */
    private List<String> dnsCutSaid = List.of();

    /**
     * Adds to {@code networks} those of {@code subnets} that can be held ({@link
     * RouterNetworks#checkHoldable}), one at a time, and returns them; logs each other one after {@code leftOut}.
     */
    private static List<String> holdable(RouterNetworks local, List<Subnet> subnets, String leftOut,
                                         List<String> networks) {
        List<String> held = new ArrayList<>();
        for (Subnet s : subnets) {
            try {
                local.checkHoldable(List.of(s));
                held.add(RoutedSubnets.cidr(s));
            } catch (IllegalArgumentException e) {
                LOG.warn("{}: {}", leftOut, e.getMessage());
            }
        }
        networks.addAll(held);
        return held;
    }

    /** The networks' unreachable routes; with the settings unread ({@code unread}), those in place stay. */
    private void keepRoutes(List<String> networks, SQLException unread) {
        routes.make("networks reached through tunnels could not all be kept unreachable while their tunnel is down",
                "networks reached through tunnels are kept unreachable while their tunnel is down now", () -> {
                    if (unread != null) {
                        throw new IOException("reading the settings: " + unread.getMessage(), unread);
                    }
                    if (tunnelOnly == null) {
                        tunnelOnly = new FailClosedRoutes(commands);
                    }
                    tunnelOnly.keep(networks);
                });
    }

    /** Forwarded traffic off the router's own default route while the dial-out is to carry everything, or back on. */
    private void keepDefaultRoute(boolean everything) {
        String subject = "the site-to-site default route: forwarded traffic";
        boolean done = defaultRoute.make(subject + " could not be " + (everything ? "kept off" : "let back onto")
                        + " the router's own default route",
                subject + (everything ? " is kept off the router's own default route now"
                        : " may take the router's own default route again"), () -> {
                    if (everythingThroughTunnel == null) {
                        everythingThroughTunnel = new DefaultRouteFailClosed(commands);
                    }
                    everythingThroughTunnel.keep(everything, serverPortHeld);
                });
        forwardedHeldForTunnel = done ? everything : holdingNow();
    }

    /** After a failed change, whether forwarded traffic is held all the same (as it was, or half of it done). */
    private boolean holdingNow() {
        try {
            return everythingThroughTunnel != null && everythingThroughTunnel.holding();
        } catch (IOException unknown) {
            return false;
        }
    }

    /** The LAN's DNS held to the tunnel while the dial-out is to carry everything, or given back. */
    private void keepDns(boolean everything) {
        LanDns dns = lanDns;
        if (dns == null) {
            return;
        }
        String way = everything ? "held to the tunnel" : "given back to this router's resolver";
        // A write of the dial-out's own (its tunnel up or down) that failed: the dial-out logged
        // that, and nothing but this writes it again (its state is recorded, the chains are behind).
        boolean behind = dns.unwritten() && !dnsHold.failing();
        boolean done = dnsHold.make("the site-to-site default route: the LAN's DNS could not be " + way,
                "the site-to-site default route: the LAN's DNS is " + way + " now", () -> dns.hold(everything));
        if (done && behind) {
            events.accept("the site-to-site tunnel's DNS is in place now: the LAN's DNS queries to this router are "
                    + dns.way());
        }
    }

    private void keepBootHold(List<String> networks, boolean everything) {
        bootHold.make("the tunnel-only networks could not be saved for the next boot (until the service starts then,"
                + " they may be reached outside their tunnel)", "the tunnel-only networks are saved for the next boot now",
                () -> {
                    try {
                        BootHold.write(dataDir, networks, everything);
                    } catch (RuntimeException e) {
                        throw new IOException(e.getMessage(), e);
                    }
                });
    }

    /**
     * Whether a hold failed and is being tried again: the housekeeping then calls {@link #keep} once
     * more. Lock-free.
     */
    boolean failing() {
        LanDns dns = lanDns;
        return routes.failing() || defaultRoute.failing() || dnsHold.failing() || bootHold.failing()
                || dns != null && dns.unwritten();
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
        return !dataPlane.inOthersNamespace()
                && (dataPlane.linux() || Files.exists(dataDir.resolve(BootHold.FILE_NAME)));
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
