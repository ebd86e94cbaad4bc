package org.homerouter.appliance;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.bridge.firewall.LanDns;
import org.homerouter.bridge.route.EverythingElseRoute;
import org.homerouter.bridge.route.HostRoutePin;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The site-to-site dial-out in the appliance: started, stopped or redialled for the stored
 * settings, and what its tunnel coming and going means here (the VPN server's sessions, the LAN's
 * DNS, what the WAN admits).
 *
 * <p>{@link #apply} and {@link #close} are called only under the appliance's monitor (the
 * configuration's), from {@link Appliance}'s synchronized methods or blocks. Every field is
 * volatile: the dashboard reads them without that monitor, and the dial-out's own thread calls
 * back. Its log lines are the appliance's, under its logger.
 */
final class ApplianceDialOut {
    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    private final ApplianceStore store;
    private final DataPlane dataPlane;
    private final NettyTransport transport;
    /** The LAN's DNS, which the tunnel moves; null where it is none of this router's business. */
    private final Supplier<LanDns> lanDns;
    /** Sets what the WAN admits again (under its own lock): the server's GRE follows its DNS name. */
    private final Runnable admitFromWan;
    /** The VPN server while it runs, else null. */
    private final Supplier<PptpService> pptp;
    /** Site-to-site dial-out while configured and running; its settings as last applied. */
    // Volatile, read without the monitor: a reconfiguration holds it through a listener restart
    // (seconds), and the dashboard must not wait for that to show the dial-out's state.
    private volatile DialOut dialOut;
    /** The dial-out address and network last warned about (dial-out's thread). */
    private volatile String dialOutAddressWarned = "";
    private volatile DialOut.State dialOutIdle = DialOut.State.disabled("");
    /**
     * Why the dial-out, switched on in the stored settings, was left off for them (a routed network
     * overlapping the LAN, no password), or null: an import reports it ({@link #notStarted}).
     */
    private volatile String dialOutRefused;
    private volatile Map<Setting, String> dialOutApplied;

    ApplianceDialOut(ApplianceStore store, DataPlane dataPlane, NettyTransport transport, Supplier<LanDns> lanDns,
                     Runnable admitFromWan, Supplier<PptpService> pptp) {
        this.store = store;
        this.dataPlane = dataPlane;
        this.transport = transport;
        this.lanDns = lanDns;
        this.admitFromWan = admitFromWan;
        this.pptp = pptp;
    }

    /** Whether the site-to-site tunnel is to carry everything, as applied (whether or not it is up). Lock-free. */
    boolean everythingThroughTunnel() {
        Map<Setting, String> d = dialOutApplied;
        return d != null && Boolean.parseBoolean(d.get(Setting.DIALOUT_ENABLED))
                && Boolean.parseBoolean(d.get(Setting.DIALOUT_DEFAULT_ROUTE));
    }

    /** The site-to-site tunnel's server as its last dial found it; empty without a dial-out. */
    Optional<Inet4Address> server() {
        DialOut d = dialOut;
        return d == null ? Optional.empty() : d.serverAddress();
    }

    /** The networks the running dial-out routes; none without one. */
    List<Subnet> networks() {
        DialOut d = dialOut;
        if (d != null) {
            return d.config().subnets();
        }
        // Switched on but not running (refused at its start, waiting for the data plane): the
        // owner's intent all the same. A refusal for a WAN lease that came to clash with its
        // networks (a restart's) lifted their hold, and the LAN's traffic to the office left in clear.
        Map<Setting, String> applied = dialOutApplied;
        if (applied == null || !Boolean.parseBoolean(applied.get(Setting.DIALOUT_ENABLED))) {
            return List.of();
        }
        try {
            return RoutedSubnets.parse(applied.get(Setting.DIALOUT_SUBNETS), "the remote site");
        } catch (IllegalArgumentException e) {
            return List.of(); // stored unreadable (by hand): nothing to hold
        }
    }

    /**
     * The dial-out's own settings and what its routes are checked against (the VPN's tunnel
     * network, not the router's address in it): a change to any restarts it.
     */
    private static Map<Setting, String> settings(Map<Setting, String> cfg) {
        Map<Setting, String> mine = new EnumMap<>(Setting.class);
        cfg.forEach((k, v) -> {
            if (k.key().startsWith("dialout.") || k == Setting.HOST_NAME) {
                mine.put(k, v);
            }
        });
        String tunnel = Appliance.tunnelCidr(cfg);
        mine.put(Setting.PPTP_LOCAL_ADDRESS,
                tunnel != null ? tunnel : String.valueOf(cfg.get(Setting.PPTP_LOCAL_ADDRESS)));
        return mine;
    }

    /**
     * Starts, stops or redials the site-to-site tunnel for the stored settings. A configuration that
     * cannot work (no password yet, a routed network overlapping the LAN) leaves it off, saying why
     * on the dashboard and in the log: the UI checks the same rules before it stores anything.
     *
     * @param itsPage a save of the Site-to-site page, which dials again a dial-out
     *                that stopped after refused logins even with the same settings; other saves
     *                (the VPN page, an import of the same settings) leave it stopped
     */
    void apply(Map<Setting, String> cfg, boolean itsPage) {
        Map<Setting, String> mine = settings(cfg);
        DialOut running = dialOut;
        boolean stopped = running != null && running.state().phase() == DialOut.Phase.STOPPED;
        // The same settings dial again only a dial-out stopped after refused logins, and only when the
        // owner saves its own page (having mended the password at the remote server, say): a save of
        // the VPN page cost two more refused logins at the remote, counting towards its account's lockout.
        if (mine.equals(dialOutApplied) && !(stopped && itsPage)) {
            return;
        }
        if (stopped && !itsPage && dialOutApplied != null && ownKeys(mine).equals(ownKeys(dialOutApplied))) {
            return; // the host name or the tunnel network changed: the stopped dial-out waits for its page all the same
        }
        boolean first = dialOutApplied == null;
        dialOutApplied = mine;
        dialOutRefused = null;
        if (dialOut != null) {
            dialOut.close(Boolean.parseBoolean(cfg.get(Setting.DIALOUT_ENABLED))
                    ? "site-to-site dial-out's settings changed" : "site-to-site dial-out switched off");
            dialOut = null;
            // The old tunnel's own word may come late (its stop waits behind a slow step) and is then
            // not taken: its tunnel counts as down from here.
            LanDns dns = lanDns.get();
            if (dns != null) {
                try {
                    dns.tunnelDown();
                } catch (IOException e) {
                    LOG.error("the LAN's DNS could not be held for the dial-out's restart: {}", e.getMessage());
                }
            }
        }
        if (!Boolean.parseBoolean(cfg.get(Setting.DIALOUT_ENABLED))) {
            dialOutIdle = DialOut.State.disabled("");
            if (!first) {
                store.logEvent("dialout", "site-to-site dial-out switched off");
            }
            return;
        }
        if (!dataPlane.available()) {
            dialOutIdle = DialOut.State.disabled("needs the Linux data plane: " + dataPlane.unavailableReason());
            LOG.warn("site-to-site dial-out: {}", dialOutIdle.lastFailure());
            return;
        }
        DialOut.Config config;
        try {
            config = config(cfg);
        } catch (IllegalArgumentException e) {
            dialOutRefused = e.getMessage();
            dialOutIdle = DialOut.State.disabled("not started: " + e.getMessage());
            LOG.warn("site-to-site dial-out {}", dialOutIdle.lastFailure());
            store.logEvent("dialout", "site-to-site dial-out " + dialOutIdle.lastFailure());
            return;
        }
        List<Subnet> wans = RouterNetworks.now(cfg).wans();
        for (String cutOff : nameServersInside(config.server(), PptpService.hostNameServers(dataPlane).get(),
                config.subnets(), wans)) {
            LOG.warn("site-to-site dial-out: {}", cutOff);
            store.logEvent("dialout", "site-to-site dial-out: " + cutOff);
        }
        List<String> aroundWan = RoutedSubnets.containingWan(config.subnets(), wans);
        if (!aroundWan.isEmpty()) {
            // Allowed (RouterNetworks): the WAN's route is the more specific, but the owner asked why
            // office host 10.44.0.9 cannot be reached deserves the reason.
            String said = String.join("; ", aroundWan) + ": the office's hosts with addresses in that WAN network are"
                    + " not reached through the tunnel";
            LOG.info("site-to-site dial-out: {}", said);
            store.logEvent("dialout", "site-to-site dial-out: " + said);
        }
        // The dial-out's own device is ppp*, the server's pptp*: a server reachable only through either loops.
        // A server's name that points elsewhere now moves the WAN admission of its GRE along, before
        // anything is sent to it: the callback reads this field, so it is set before the first dial.
        AtomicReference<DialOut> owner = new AtomicReference<>();
        dialOut = DialOut.create(dataPlane, transport, config, DialOut.Resolver.SYSTEM,
                server -> HostRoutePin.pin(null, server, dev -> dev.startsWith("ppp") || dev.startsWith("pptp")),
                new EverythingElseRoute(null)::into, moved -> admitFromWan.run(),
                store::logEvent, DialOut.AUTH_RETRY, router(owner));
        owner.set(dialOut);
        dialOut.begin();
    }

    /**
     * The dial-out's configuration in {@code cfg}, checked as at its start against this router's
     * networks (the LAN's, the VPN's tunnel network): the command line's import checks it so too.
     *
     * @throws IllegalArgumentException why it cannot start with it, in the Site-to-site page's words
     */
    static DialOut.Config config(Map<Setting, String> cfg) {
        DialOut.Config config = DialOut.Config.from(cfg);
        RouterNetworks.now(cfg).checkRouted(config.subnets(), Appliance.tunnelNetwork(cfg));
        return config;
    }

    /**
     * The router's own DNS servers ({@code nameServers}) that only the tunnel reaches, each said in
     * words, when the office's server {@code server} is a name: inside the routed networks and not
     * on the WAN's own network (a provider's carrier-grade NAT with resolvers at 10.x, under an office
     * routed as 10.0.0.0/8). While the tunnel is down they are held unreachable, so the name cannot be
     * looked up and the tunnel is never dialed again.
     */
    static List<String> nameServersInside(String server, List<Inet4Address> nameServers, List<Subnet> routed,
                                          List<Subnet> wans) {
        List<String> out = new ArrayList<>();
        if (Ipv4.valid(server)) {
            return out; // an address: nothing to look up
        }
        nameServersWithin(nameServers, routed, wans).forEach((ns, r) -> out.add("this router's DNS server "
                + ns.getHostAddress() + " lies inside the office's network " + RoutedSubnets.cidr(r) + ", reached"
                + " only through the tunnel: while it is down, " + server + " cannot be looked up to dial it again."
                + " Give the server by its IPv4 address on the Site-to-site page"));
        return out;
    }

    /**
     * Of {@code nameServers}, those inside one of the networks {@code routed} through a tunnel, with
     * that network: not those on the WAN's own network ({@code wans}), whose route is the more specific.
     */
    static java.util.Map<Inet4Address, Subnet> nameServersWithin(List<Inet4Address> nameServers, List<Subnet> routed,
                                                                  List<Subnet> wans) {
        java.util.Map<Inet4Address, Subnet> within = new java.util.LinkedHashMap<>();
        for (Inet4Address ns : nameServers) {
            int a = Ipv4.parse(ns.getHostAddress());
            if (wans.stream().noneMatch(w -> w.contains(a))) {
                routed.stream().filter(r -> r.contains(a)).findFirst().ifPresent(r -> within.put(ns, r));
            }
        }
        return within;
    }

    /**
     * The router's own DNS servers that branch account {@code account}'s routed networks take in,
     * said in words: held unreachable while the branch is offline, and sent into its tunnel while it
     * is up, the router and its LAN then look up no names (a provider's resolvers at 10.x, under a
     * branch routed as 10.0.0.0/8).
     */
    static List<String> nameServersInsideBranch(String account, List<Inet4Address> nameServers, List<Subnet> routed,
                                                List<Subnet> wans) {
        List<String> out = new ArrayList<>();
        nameServersWithin(nameServers, routed, wans).forEach((ns, r) -> out.add("this router's DNS server "
                + ns.getHostAddress() + " lies inside " + account + "'s routed network " + RoutedSubnets.cidr(r)
                + ", reached only through that branch's tunnel: names are looked up there while it is connected,"
                + " and not at all while it is not, for the router and its LAN. Narrow the account's routed networks"
                + " on the Users page, or give the router other DNS servers"));
        return out;
    }

    /**
     * Why the site-to-site tunnel, switched on in the stored settings, was left off for them (a
     * routed network overlapping the LAN, no password): an import that only logged it would pass
     * for "applied" while the tunnel never dials. Empty while it runs, is off, or waits for the
     * Linux data plane (not the settings' doing).
     */
    Optional<String> notStarted() {
        return Optional.ofNullable(dialOutRefused);
    }

    /**
     * The office gave the dial-out {@code address}. Two of our routers on factory settings share the
     * pool 192.168.250.10-59, and the office hands its first client (this router's dial-out) .10
     * again after each of its restarts: this router's VPN server may have given .10 to a remote
     * worker meanwhile (its pool skips the router's own address only while the router has it). Both
     * then reached nothing: the kernel takes the worker's packets for the router's own. The worker's
     * session is ended, and its next call gets another address. An address inside one of this
     * router's networks (the office's pool overlapping the LAN) is only logged: the setup may work,
     * but a host there with that address can no longer be reached.
     */
    private void addressGiven(Inet4Address address, String device) {
        PptpService server = pptp.get();
        String a = address.getHostAddress();
        if (server != null) {
            List<String> users = server.disconnectAddress(address,
                    "the site-to-site tunnel was given its address " + a);
            if (!users.isEmpty()) {
                LOG.warn("site-to-site: the office gave this router {}, the address of the VPN session(s) of {}:"
                        + " ended, to dial again for another address", a, users);
                store.logEvent("dialout", "the office gave the site-to-site tunnel " + a + ", the address "
                        + String.join(", ", users) + " had on this router's VPN: that session was ended (a new call"
                        + " gets another address). Both routers hand out the same addresses: give this router's VPN"
                        + " server a tunnel network of its own (VPN page) to avoid this");
            }
        }
        int ip = Ipv4.parse(a);
        for (Subnet n : ApplianceVpnConfig.localNetworks()) {
            // Once for an address and network, not at every redial.
            if (!n.interfaceName().equals(device) && n.contains(ip) && !(a + n).equals(dialOutAddressWarned)) {
                dialOutAddressWarned = a + n;
                LOG.warn("site-to-site: the office gave this router {}, inside its network {}", a, n);
                store.logEvent("dialout", "the office gave the site-to-site tunnel " + a + ", inside this router's"
                        + " network " + n + ": a host there with that address can no longer be reached, and the"
                        + " office may not route that network back; give the office's VPN clients addresses of their"
                        + " own");
            }
        }
    }

    /** The dial-out's own settings alone. */
    private static Map<Setting, String> ownKeys(Map<Setting, String> settings) {
        Map<Setting, String> own = new EnumMap<>(Setting.class);
        settings.forEach((k, v) -> {
            if (k.key().startsWith("dialout.")) {
                own.put(k, v);
            }
        });
        return own;
    }

    /**
     * What the dial-out's tunnel coming and going means here: the VPN server's sessions, the LAN's
     * DNS. Only for the dial-out that runs: one replaced while a slow step held it up hangs up later,
     * and its word must not undo what the new one's tunnel set.
     */
    private DialOut.Router router(AtomicReference<DialOut> owner) {
        return new DialOut.Router() {
            @Override
            public void ownAddress(Inet4Address address, String device) {
                if (owner.get() == dialOut) {
                    addressGiven(address, device);
                }
            }

            @Override
            public Inet4Address lanDnsUp(List<Inet4Address> officeDns, String device) throws IOException {
                LanDns dns = lanDns.get();
                if (dns == null || owner.get() != dialOut) {
                    return null;
                }
                // The office's first; then this router's own, which reached through the tunnel
                // (not the modem's on the WAN's subnet) see the queries come from the office.
                List<Inet4Address> candidates = new ArrayList<>(officeDns);
                candidates.addAll(PptpService.hostNameServers(dataPlane).get());
                dns.tunnelUp(candidates, device);
                return dns.server();
            }

            @Override
            public boolean lanDnsManaged() {
                LanDns dns = lanDns.get();
                return dns != null && dns.present();
            }

            @Override
            public void lanDnsDown() throws IOException {
                LanDns dns = lanDns.get();
                if (dns != null && owner.get() == dialOut) {
                    dns.tunnelDown();
                }
            }
        };
    }

    /** What the site-to-site dial-out is doing, for the dashboard and status. */
    DialOut.State state() {
        DialOut d = dialOut;
        return d != null ? d.state() : dialOutIdle;
    }

    /** At the appliance's stop. */
    void close() {
        if (dialOut != null) {
            dialOut.close("this router's service is stopping");
        }
    }
}
