package org.homerouter.appliance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ipcp.IpcpConfiguration;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.SiteToSite;
import org.homerouter.webui.api.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Site-to-site dial-out: keeps a tunnel up to a remote PPTP server and routes the remote site's
 * networks into it. When the tunnel fails or drops it dials again after {@link ReconnectBackoff}'s
 * wait, for as long as it is configured; the dashboard reads {@link #state()}.
 *
 * <p>Encryption: with an MPPE policy that requires encryption the engine refuses to open IP on a
 * link without it (RFC 3078 §4, CCP must come up first), and this class checks again before it
 * routes anything: no LAN packet is ever routed into an unencrypted tunnel.
 */
final class DialOut implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DialOut.class);
    /** Longest a dial may take from TCP connect to IP up before it counts as failed. */
    static final Duration SETUP = Duration.ofSeconds(45);

    /**
     * A refused password is tried once more after this wait, then no more: the remote server counts
     * every failed login, and Windows (an Active Directory account lockout, RRAS's MaxDenials) locks
     * an account after a few, so dialing on would lock out the account, maybe a person's.
     */
    static final Duration AUTH_RETRY = Duration.ofMinutes(5);
    /** How often an account refused for the time of day (MS-CHAPv2 E=646) is tried again. */
    static final Duration LOGON_HOURS_RETRY = Duration.ofMinutes(15);
    /** Refused logins in a row after which the dial-out stops until the Site-to-site page is saved again. */
    static final int AUTH_FAILURES_TO_STOP = 2;

    /**
     * What the dial-out is doing, for the dashboard. STOPPED: the remote server refused the login in a
     * way that dialing again cannot mend; it dials again when the Site-to-site page is saved (not when another page is).
     */
    enum Phase { DISABLED, CONNECTING, UP, WAITING, STOPPED }

    /**
     * The times are {@link System#nanoTime()} readings, not the wall clock: a board without a battery
     * clock steps its clock by months when its time server first answers (or back), and the
     * dashboard would say "up for 2160 h" of a tunnel up for a minute, or "next attempt in 0 s".
     * Nothing shows them as a date.
     *
     * @param sinceNanos   when this phase began (also what tells one phase from the next of the same kind)
     * @param retryAtNanos WAITING: when the next attempt starts, else 0
     * @param lastFailure  why the last attempt failed or the last tunnel ended, in plain words; "" if none yet
     */
    record State(Phase phase, String server, long sinceNanos, String device, String localAddress, String peerAddress,
                 String encryption, List<String> routes, long retryAtNanos, String lastFailure) {
        static State disabled(String why) {
            return new State(Phase.DISABLED, "", System.nanoTime(), "", "", "", "", List.of(), 0, why);
        }

        /** How long this phase has lasted, in the dashboard's words. */
        private String age(long nowNanos) {
            long seconds = Math.max(0, (nowNanos - sinceNanos) / 1_000_000_000);
            return seconds < 120 ? seconds + " s" : seconds < 7200 ? seconds / 60 + " min" : seconds / 3600 + " h";
        }

        /** One line for logs and the CLI. */
        String describe() {
            return describe(System.nanoTime());
        }

        /** As {@link #describe()}, at {@code nowNanos} ({@link System#nanoTime()}). */
        String describe(long nowNanos) {
            return switch (phase) {
                case DISABLED -> "site-to-site: off" + (lastFailure.isEmpty() ? "" : " (" + lastFailure + ")");
                case CONNECTING -> "site-to-site: dialing " + server;
                case UP -> "site-to-site: up to " + server + " for " + age(nowNanos) + " on " + device + " ("
                        + localAddress + " -> " + peerAddress + ", " + encryption + "), routing "
                        + String.join(", ", routes);
                case WAITING -> "site-to-site: down, next attempt in "
                        + Math.max(0, (retryAtNanos - nowNanos + 999_999_999) / 1_000_000_000) + " s; last failure: "
                        + lastFailure;
                case STOPPED -> "site-to-site: stopped, not dialing again until the Site-to-site page is saved: "
                        + lastFailure;
            };
        }
    }

    /**
     * Keeps the server on the router's own routes (the main table's: on Linux {@code HostRoutePin}'s
     * policy rules, which a WAN blip leaves in), before a default route goes into the tunnel;
     * closing the result removes the pin.
     */
    @FunctionalInterface
    interface ServerPath {
        AutoCloseable pin(Inet4Address server) throws java.io.IOException;
    }

    /**
     * Routes "everything else" (whatever no more specific route takes) into the tunnel's device:
     * on Linux {@code EverythingElseRoute}, a table of its own that the router's VPN server's
     * answers to remote workers skip, where a route in the main table sent them into the office.
     * The route goes with the device.
     */
    @FunctionalInterface
    interface EverythingElse {
        void into(String device) throws java.io.IOException;
    }

    /** What the tunnel's coming and going means for the rest of the router (the appliance). */
    interface Router {
        Router NONE = new Router() {
            @Override
            public Inet4Address lanDnsUp(List<Inet4Address> officeDns, String device) {
                return null;
            }

            @Override
            public void lanDnsDown() {
            }
        };

        /**
         * The office gave the tunnel this address (IPCP, RFC 1332 §3.3), before anything is routed
         * into it: whatever else of this router had it must give it up or be told.
         */
        default void ownAddress(Inet4Address address, String device) {
        }

        /**
         * The tunnel is up on {@code device}, with everything else routed into it: the LAN's DNS
         * queries to the router go there too (on Linux {@code LanDns}), where the router's resolver
         * would ask the WAN's DNS servers, in clear.
         *
         * @param officeDns the DNS servers the office offered in IPCP (RFC 1877), primary first
         * @return where the LAN's queries go now (one of {@code officeDns}, else one of the
         *         router's own that the tunnel reaches), or null when they are dropped: no DNS
         *         server is reached through the tunnel
         */
        Inet4Address lanDnsUp(List<Inet4Address> officeDns, String device) throws java.io.IOException;

        /** The tunnel is down (or renegotiating): the LAN's queries are held with the rest. */
        void lanDnsDown() throws java.io.IOException;

        /**
         * Whether this router sends the LAN's DNS anywhere (the image's firewall chains are there):
         * elsewhere the host's own resolver answers the LAN, whatever {@link #lanDnsUp} returns.
         */
        default boolean lanDnsManaged() {
            return false;
        }
    }

    /**
     * Finds the server's IPv4 address: at each dial, so that a DNS name that follows an office's
     * dynamic address (DDNS) is dialed where it points now. The JDK caches an answer for 30 s
     * ({@code networkaddress.cache.ttl}), a failure for 10 s.
     */
    @FunctionalInterface
    interface Resolver {
        /** An IPv4 literal is returned as is, without DNS. */
        Resolver SYSTEM = host -> {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (a instanceof Inet4Address v4) {
                    return v4;
                }
            }
            throw new UnknownHostException(host + ": the name has no IPv4 address (PPTP here runs over IPv4)");
        };

        Inet4Address resolve(String host) throws UnknownHostException;
    }

    /**
     * The stored dial-out configuration, checked.
     *
     * @param server the remote server: an IPv4 address or a DNS name (see {@link Resolver})
     */
    record Config(String server, int port, SessionSettings session, List<Subnet> subnets, boolean defaultRoute) {
        /**
         * @throws IllegalArgumentException with the sentence for the administrator
         */
        static Config from(Map<Setting, String> cfg) {
            String server = cfg.get(Setting.DIALOUT_SERVER).strip();
            if (!SiteToSite.validServer(server)) {
                throw new IllegalArgumentException("the server must be an IPv4 address or a DNS name, not '" + server
                        + "'");
            }
            String user = cfg.get(Setting.DIALOUT_USER).strip();
            if (!org.homerouter.webui.api.SiteToSite.REMOTE_USER.matcher(user).matches()) {
                throw new IllegalArgumentException("no user name set for the remote server");
            }
            String hash = cfg.get(Setting.DIALOUT_NT_HASH).strip();
            if (!hash.matches("[0-9a-fA-F]{32}")) {
                throw new IllegalArgumentException("no password set for the remote server");
            }
            List<Subnet> subnets = RoutedSubnets.parse(cfg.get(Setting.DIALOUT_SUBNETS), "the remote site");
            if (Ipv4.valid(server)) { // a name is checked where it points at each dial
                RoutedSubnets.checkServerOutside(subnets, Ipv4.parse(server));
            }
            Optional<MppePolicy> mppe = PptpService.mppePolicy(cfg.get(Setting.DIALOUT_MPPE));
            List<AuthMethod> methods = List.of(AuthMethod.MSCHAP_V2); // the only one a stored hash can answer
            LcpSettings lcp = LcpSettings.client(methods).withEcho(
                    Duration.ofSeconds(Long.parseLong(cfg.get(Setting.DIALOUT_LCP_ECHO_INTERVAL).strip())),
                    Integer.parseInt(cfg.get(Setting.DIALOUT_LCP_ECHO_FAILURES).strip()));
            SessionSettings session = new SessionSettings(SessionRole.CLIENT, cfg.get(Setting.HOST_NAME), lcp,
                    AuthPolicy.DEFAULT.withMethods(methods.toArray(AuthMethod[]::new)), IpcpSettings.client(), mppe,
                    Optional.of(PeerCredentials.ofNtHash(user, HexFormat.of().parseHex(hash))), "ppp");
            return new Config(server, org.homerouter.pptp.control.ControlProtocol.TCP_PORT, session, subnets,
                    Boolean.parseBoolean(cfg.get(Setting.DIALOUT_DEFAULT_ROUTE)));
        }

        boolean encryptionRequired() {
            return session.mppe().map(MppePolicy::required).orElse(false);
        }
    }

    private final DataPlane plane;
    private final NettyTransport io;
    private final Config config;
    private final BiConsumer<String, String> events;
    private final ServerPath serverPath;
    private final EverythingElse everythingElse;
    private final Resolver resolver;
    private final Consumer<Inet4Address> serverMoved;
    private final Router router;
    /** What {@link #warnOnce} said last; loop thread only. */
    private String lastWarning = "";
    /** Where the server's name pointed at the last dial that found it; null before. */
    private volatile Inet4Address address;
    private AutoCloseable pinned; // loop thread only
    private final ReconnectBackoff backoff = new ReconnectBackoff();
    private final ScheduledExecutorService loop;
    private volatile State state;
    private PptpDialer current; // loop thread only
    private long upNanos;
    /** Set by {@link #close} at once, while its stop waits behind a step (a slow DNS lookup, say). */
    private volatile boolean closed;
    private int authFailures; // refused logins in a row; loop thread only
    /** A server down all night is one failure an hour in the event log, not 60. Loop thread only. */
    private final RepeatedFailures repeats = new RepeatedFailures(Duration.ofHours(1));
    /** The failed steps' lines (each with its stack trace): a step that keeps failing redials within the backoff. */
    private final LogLimit failuresLogged = new LogLimit();
    private final Duration authRetry;

    private DialOut(DataPlane plane, NettyTransport io, Config config, Resolver resolver, ServerPath serverPath,
                    EverythingElse everythingElse, Consumer<Inet4Address> serverMoved,
                    BiConsumer<String, String> events, Duration authRetry, Router router) {
        this.plane = plane;
        this.router = router;
        this.resolver = resolver;
        this.serverMoved = serverMoved;
        this.authRetry = authRetry;
        this.serverPath = serverPath;
        this.everythingElse = everythingElse;
        this.io = io;
        this.config = config;
        this.events = events;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dial-out");
            t.setDaemon(true);
            return t;
        });
        this.state = new State(Phase.CONNECTING, server(), System.nanoTime(), "", "", "", "", List.of(), 0, "");
    }

    /** What it dials. */
    Config config() {
        return config;
    }

    /**
     * The server's address as last found, empty before a dial found it: what the WAN firewall lets
     * GRE come from.
     */
    Optional<Inet4Address> serverAddress() {
        return Optional.ofNullable(address);
    }

    /**
     * Starts dialing at once and keeps the tunnel up until {@link #close}.
     *
     * @param serverPath  keeps the server off the tunnel before everything else goes into it
     * @param everythingElse routes everything else into the tunnel, with {@link Config#defaultRoute()}
     * @param serverMoved told, on the dial-out's thread and before it dials, each time the server is
     *                    found at another address than before (the first time too)
     * @param events      (kind, message) for the event log
     * @param authRetry   the wait before a refused login is tried again ({@link #AUTH_RETRY})
     * @param router      told when the tunnel comes up and goes down
     */
    static DialOut start(DataPlane plane, NettyTransport io, Config config, Resolver resolver, ServerPath serverPath,
                         EverythingElse everythingElse, Consumer<Inet4Address> serverMoved,
                         BiConsumer<String, String> events, Duration authRetry, Router router) {
        DialOut d = create(plane, io, config, resolver, serverPath, everythingElse, serverMoved, events, authRetry, router);
        d.begin();
        return d;
    }

    /**
     * As {@link #start}, without dialing yet: the caller puts the result where {@code serverMoved}
     * looks for it, then calls {@link #begin}.
     */
    static DialOut create(DataPlane plane, NettyTransport io, Config config, Resolver resolver, ServerPath serverPath,
                          EverythingElse everythingElse, Consumer<Inet4Address> serverMoved,
                          BiConsumer<String, String> events, Duration authRetry, Router router) {
        return new DialOut(plane, io, config, resolver, serverPath, everythingElse, serverMoved, events, authRetry, router);
    }

    /** Starts dialing. */
    void begin() {
        run(step("dialing", null, this::attempt));
    }

    State state() {
        return state;
    }

    /** The server as the owner wrote it, and where a name points: "office.example.com (203.0.113.7)". */
    private String server() {
        Inet4Address a = address;
        return a == null || Ipv4.valid(config.server()) ? config.server()
                : config.server() + " (" + a.getHostAddress() + ")";
    }

    private void attempt() {
        if (closed) {
            return;
        }
        state = new State(Phase.CONNECTING, server(), System.nanoTime(), "", "", "", "", List.of(), 0,
                state.lastFailure());
        Inet4Address found;
        try {
            found = find();
        } catch (IllegalArgumentException e) {
            waitAndRedial(e.getMessage(), backoff.failed(), false);
            return;
        }
        if (closed) {
            return; // switched off during the lookup: no dial with the old settings
        }
        PptpDialer dialer = PptpDialer.dial(plane, io, new InetSocketAddress(found, config.port()), config.session(),
                plane.callIds(1), SETUP);
        current = dialer;
        dialer.onIpEvents(new PptpDialer.IpEvents() {
            @Override
            public void down(PppSession session) {
                run(step("taking the tunnel's routes down", dialer, () -> ipDown(dialer)));
            }

            @Override
            public void upAgain(PppSession session) {
                run(step("bringing the tunnel up", dialer, () -> up(dialer, session)));
            }
        });
        dialer.up().thenAccept(session -> run(step("bringing the tunnel up", dialer,
                () -> up(dialer, session))));
        dialer.ended().thenAccept(why -> run(step("taking the ended tunnel down", dialer,
                () -> ended(dialer, why))));
        // LCP and authentication have timers of their own; this bounds the whole setup anyway.
        later(step("timing the setup out", dialer, () -> {
            if (current == dialer && !dialer.up().isDone()) {
                dialer.hangUp("the tunnel did not come up within " + SETUP.toSeconds() + " s", Duration.ofSeconds(3));
            }
        }), SETUP.toMillis());
    }

    /** Runs {@code step} on the loop, unless it is stopping (switched off): then nothing is left to do. */
    private void run(Runnable step) {
        try {
            loop.execute(step);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            LOG.debug("site-to-site dial-out stopping: a step not run");
        }
    }

    /** {@link #run} after {@code millis}. */
    private void later(Runnable step, long millis) {
        try {
            loop.schedule(step, millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            LOG.debug("site-to-site dial-out stopping: a step not scheduled");
        }
    }

    /**
     * A step for the loop. The executor keeps whatever a task throws in a Future nobody reads: a
     * step that failed half way (a bug, a collaborator's RuntimeException: the firewall's, the
     * event log's) left the page saying "dialing" or "up" and the office unreachable, with not a
     * line in any log, until the service restarted. Its failure is logged with its stack trace and
     * then {@link #recover}ed from.
     *
     * @param what   what it does, in the page's words ("dialing": "... while dialing")
     * @param dialer the call it concerns, null for an attempt (which has none yet)
     */
    private Runnable step(String what, PptpDialer dialer, Runnable task) {
        return Guarded.task(LOG, failuresLogged, "site-to-site dial-out (" + what + ")", task,
                e -> recover(what, dialer, e));
    }

    /**
     * After a step failed, what it may have left half done is undone as after a drop: the call is
     * hung up, routes, pin and DNS go, and the next attempt comes after the backoff's wait, as
     * after any failure, so that the tunnel mends itself. Nothing is done when the next attempt is
     * scheduled already, no attempt is wanted (switched off, stopped), or the step was a late one
     * of a call already replaced: the call up now is left alone.
     */
    private void recover(String what, PptpDialer dialer, Throwable e) {
        if (closed || state.phase() == Phase.WAITING || state.phase() == Phase.STOPPED
                || (dialer != null && current != null && current != dialer)) {
            return;
        }
        String why = "an internal error of this router while " + what + " (" + e + "); the system log has the details";
        boolean wasUp = wasUp();
        PptpDialer d = current;
        current = null; // its own end, when it comes, finds it replaced
        if (d != null) {
            undoing("hanging up", () -> d.hangUp(why, "the branch router failed and dials again", Duration.ofSeconds(3)));
            undoing("closing the call", d::close);
        }
        unpin();
        undoing("holding the LAN's DNS", this::lanDnsDown);
        waitAndRedial(why, nextWait(wasUp), wasUp);
    }

    /** Part of {@link #recover}: its own failure must not keep the next attempt from being scheduled. */
    private static void undoing(String what, Runnable part) {
        try {
            part.run();
        } catch (RuntimeException e) {
            LOG.warn("site-to-site dial-out: {} after a failed step failed too: {}", what, e.toString());
        }
    }

    /**
     * Where the server is now. A name's new address is checked against the routed networks (a
     * server inside them would route the tunnel into itself) and told to {@link #serverMoved}
     * before anything is sent to it.
     *
     * @throws IllegalArgumentException why the dial cannot start, in the owner's words
     */
    private Inet4Address find() {
        String host = config.server();
        Inet4Address found;
        try {
            found = resolver.resolve(host);
        } catch (UnknownHostException e) {
            address = null; // the page no longer claims where it is
            throw new IllegalArgumentException("cannot find the address of " + host + ": " + dnsFailure(host, e));
        }
        if (!found.equals(address)) {
            try {
                RoutedSubnets.checkServerOutside(config.subnets(), Ipv4.parse(found.getHostAddress()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(host + " now points to " + found.getHostAddress() + ": "
                        + e.getMessage());
            }
            if (address != null) {
                LOG.info("site-to-site: {} now points to {}, not {}", host, found.getHostAddress(),
                        address.getHostAddress());
            }
            Inet4Address before = address;
            address = found; // before the callback: it reads serverAddress()
            try {
                serverMoved.accept(found);
            } catch (RuntimeException e) {
                address = before; // the next attempt tells it again: the firewall may not let the server in
                throw e;
            }
        }
        return found;
    }

    /** A failed lookup in plain words (the JDK gives the resolver's: "Name or service not known"). */
    private static String dnsFailure(String host, UnknownHostException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Name or service not known") || m.contains("No address associated")) {
            return "DNS knows no such name (check its spelling, and that the dynamic-DNS name is still registered)";
        }
        if (m.contains("Temporary failure")) {
            return "no DNS server answered (is this router's internet connection up?)";
        }
        return m.startsWith(host + ": ") ? m.substring(host.length() + 2) : m;
    }

    private void up(PptpDialer dialer, PppSession session) {
        if (current != dialer || closed) {
            return;
        }
        // Read once: IP may go down again (the server renegotiating at once) while this step runs.
        Optional<IpcpConfiguration> negotiated = session.ipConfiguration();
        if (negotiated.isEmpty() || session.deviceName().isEmpty()) {
            // IPCP down again, or its device gone while CCP negotiates again (IPCP's addresses stay).
            ipGoneBeforeUp(dialer);
            return;
        }
        IpcpConfiguration ip = negotiated.get();
        if (config.encryptionRequired() && session.encryption().isEmpty()) {
            dialer.hangUp("the tunnel came up without encryption although MPPE is required", Duration.ofSeconds(3));
            return;
        }
        ip.localAddress().ifPresent(own -> router.ownAddress(own, session.deviceName().orElse("?")));
        List<String> routes = new java.util.ArrayList<>();
        try {
            for (Subnet s : config.subnets()) {
                session.addRoute((Inet4Address) InetAddress.getByName(Ipv4.format(s.network())), s.prefixLength());
                routes.add(RoutedSubnets.cidr(s));
            }
            if (config.defaultRoute()) {
                // The server first keeps its path, or the tunnel's own packets would enter the tunnel.
                if (pinned == null) { // after a renegotiation it is in already
                    pinned = serverPath.pin(address);
                }
                // Into a table of its own, not the main table: the router's own default route stays
                // (in force again when the device, and its route, goes), and its VPN server answers
                // remote workers by it.
                everythingElse.into(session.deviceName()
                        .orElseThrow(() -> new java.io.IOException("the tunnel has no device")));
                routes.add("everything else (default route)");
            }
        } catch (Exception e) {
            if (session.deviceName().isEmpty()) {
                // The device went while this step ran (CCP negotiating again): a renegotiation,
                // whose up comes next, not a failure to route.
                ipGoneBeforeUp(dialer);
                return;
            }
            dialer.hangUp("cannot route the remote networks into the tunnel: " + e.getMessage(),
                    "The branch router could not route the tunnel", Duration.ofSeconds(3));
            return;
        }
        if (config.defaultRoute()) {
            routes.add(lanDnsUp(session, ip));
        }
        boolean again = state.phase() == Phase.CONNECTING && upNanos != 0 && state.device().equals(RENEGOTIATING);
        if (!again) {
            upNanos = System.nanoTime();
        }
        authFailures = 0;
        String encryption = session.encryption()
                .map(e -> "MPPE " + e.strength().label() + " "
                        + (e.stateless() ? "stateless" : "stateful"))
                .orElse("unencrypted");
        state = new State(Phase.UP, server(), System.nanoTime(), session.deviceName().orElse("?"),
                ip.localAddress().map(InetAddress::getHostAddress).orElse("?"),
                ip.peerAddress().map(InetAddress::getHostAddress).orElse("?"), encryption, List.copyOf(routes), 0,
                state.lastFailure());
        LOG.info(state.describe());
        events.accept("dialout", "site-to-site tunnel " + (again ? "up again, after the server renegotiated it, to "
                : "up to ") + server() + " on " + state.device()
                + (routes.isEmpty() ? "" : ", routing " + String.join(", ", routes)) + repeats.reset());
    }

    /**
     * With everything else in the tunnel, the LAN's DNS queries to the router go through it too: to
     * a DNS server the office offered (RFC 1877), else one of the router's own the tunnel reaches.
     *
     * @return what the routes list says of it
     */
    private String lanDnsUp(PppSession session, IpcpConfiguration ip) {
        List<Inet4Address> offered = java.util.stream.Stream.of(ip.primaryDns(), ip.secondaryDns())
                .flatMap(Optional::stream).toList();
        try {
            Inet4Address to = router.lanDnsUp(offered, session.deviceName().orElse("?"));
            if (!router.lanDnsManaged()) {
                return "not the LAN's DNS (this host's own resolver answers it)";
            }
            if (to != null && offered.contains(to)) {
                return "the LAN's DNS (to the office's server " + to.getHostAddress() + ")";
            }
            String why = offered.isEmpty() ? "the office offered no DNS server"
                    : "the office's DNS server " + offered.getFirst().getHostAddress() + " is not reached through it";
            if (to != null) {
                // This router's own (the ISP's, often) sees the queries come from the office's
                // address, and may refuse them.
                warnOnce("the LAN's DNS goes through the site-to-site tunnel to this router's own DNS server "
                        + to.getHostAddress() + " (" + why + "), which may refuse queries from the office's address;"
                        + " have the office's VPN server offer a DNS server");
                return "the LAN's DNS (to this router's own server " + to.getHostAddress() + ", through the office)";
            }
            warnOnce("the LAN gets no names: no DNS server is reached through the site-to-site tunnel (" + why
                    + "), and its DNS must not leave in clear; have the office's VPN server offer one the tunnel reaches");
            return "not the LAN's DNS: no DNS server is reached through the tunnel (" + why + ")";
        } catch (java.io.IOException e) {
            // The queries stay dropped (held): nothing goes out in clear, but names are not answered.
            LOG.error("site-to-site: the LAN's DNS could not be sent through the tunnel: {}", e.getMessage());
            events.accept("dialout", "the LAN's DNS could not be sent through the site-to-site tunnel, so the LAN's"
                    + " names are not answered until it is (tried again every 30 s): " + e.getMessage());
            return "not the LAN's DNS (" + e.getMessage() + ")";
        }
    }

    /** A warning for the log and the event log, unless it is the one given at the last up (a redial, a renegotiation). */
    private void warnOnce(String warning) {
        if (!warning.equals(lastWarning)) {
            lastWarning = warning;
            LOG.warn("site-to-site: {}", warning);
            events.accept("dialout", warning);
        }
    }

    /** The tunnel is no longer up: the LAN's DNS is held with the rest of its traffic. */
    private void lanDnsDown() {
        try {
            router.lanDnsDown();
        } catch (java.io.IOException e) {
            LOG.error("site-to-site: the LAN's DNS could not be held while the tunnel is down (tried again every 30 s): {}",
                    e.getMessage());
        }
    }

    /** The device marker of a CONNECTING state that is a renegotiation of a tunnel that was up. */
    private static final String RENEGOTIATING = "(renegotiating)";

    /**
     * The server renegotiated a tunnel that was up: its device, and the routes into it, are gone
     * until {@link #up} runs again. The remote networks are unreachable meanwhile (their fail-closed
     * routes); a renegotiation that does not finish within {@link #SETUP} ends the call, which
     * then dials again as after any drop.
     */
    private void ipDown(PptpDialer dialer) {
        if (current != dialer || closed || state.phase() != Phase.UP) {
            return;
        }
        renegotiating(dialer);
    }

    /**
     * The session reported IP up, and IP was down again before {@link #up} ran: the server
     * renegotiated at once. It is handled as {@link #ipDown}, whose own report comes next and finds
     * no tunnel up; a renegotiation under way keeps its timeout. It used to fail the step and leave
     * the page saying "dialing" for good.
     */
    private void ipGoneBeforeUp(PptpDialer dialer) {
        if (RENEGOTIATING.equals(state.device())) {
            return;
        }
        if (state.phase() != Phase.UP) {
            upNanos = System.nanoTime(); // it was up, for a moment
        }
        renegotiating(dialer);
    }

    /** IP is down on the call, which lives on: the routes come back at {@link #up}, or the call ends after {@link #SETUP}. */
    private void renegotiating(PptpDialer dialer) {
        state = new State(Phase.CONNECTING, server(), System.nanoTime(), RENEGOTIATING, "", "", "",
                List.of(), 0, state.lastFailure());
        lanDnsDown();
        LOG.warn("site-to-site tunnel to {}: the server renegotiated the link; routes are back when it is up again",
                server());
        long downAt = state.sinceNanos();
        later(step("timing the renegotiation out", dialer, () -> {
            if (current == dialer && state.phase() == Phase.CONNECTING && state.sinceNanos() == downAt) {
                dialer.hangUp("the server renegotiated the link and it did not come up again within "
                        + SETUP.toSeconds() + " s", Duration.ofSeconds(3));
            }
        }), SETUP.toMillis());
    }

    private void ended(PptpDialer dialer, String why) {
        dialer.close();
        if (current != dialer) {
            return;
        }
        current = null;
        unpin();
        lanDnsDown();
        boolean wasUp = wasUp();
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        var reason = dialer.endReason().orElse(null);
        boolean refused = reason == SessionEnd.AUTH_FAILED || reason == SessionEnd.SERVER_NOT_VERIFIED;
        // Reset only by a login that works (up) or a save of the page (a new DialOut): a server that
        // also fails in other ways in between must not earn a wrong password endless retries.
        if (refused) {
            authFailures++;
        }
        if (reason == SessionEnd.ACCOUNT_DISABLED || authFailures >= AUTH_FAILURES_TO_STOP) {
            // No retry can mend these, and each one counts against the account at the remote server.
            state = new State(Phase.STOPPED, server(), now, "", "", "", "", List.of(), 0, why);
            LOG.warn("site-to-site tunnel to {} failed: {}; not dialing again until the Site-to-site page is saved", server(),
                    why);
            events.accept("dialout", "site-to-site tunnel to " + server() + " failed: " + why
                    + "; not dialing again until the Site-to-site page is saved" + repeats.reset());
            return;
        }
        waitAndRedial(why, refused ? authRetry
                // Outside the account's logon hours (E=646): the time of day mends it, not a save of the page.
                : reason == SessionEnd.OUTSIDE_LOGON_HOURS ? LOGON_HOURS_RETRY
                : nextWait(wasUp), wasUp);
    }

    /** Whether the tunnel was up (or renegotiating) when its call ended or a step failed. */
    private boolean wasUp() {
        return state.phase() == Phase.UP || RENEGOTIATING.equals(state.device());
    }

    /** The backoff's wait after a failed attempt, or after a tunnel that was up (which may reset it). */
    private Duration nextWait(boolean wasUp) {
        return wasUp ? backoff.ended(Duration.ofNanos(System.nanoTime() - upNanos)) : backoff.failed();
    }

    /** A dial failed, or a tunnel that was up ended: the next attempt after {@code wait}. */
    private void waitAndRedial(String why, Duration wait, boolean wasUp) {
        long now = System.nanoTime();
        state = new State(Phase.WAITING, server(), now, "", "", "", "", List.of(), now + wait.toNanos(), why);
        // Scheduled first: a log that fails below must not cost the next attempt (WAITING says it is scheduled).
        later(step("dialing", null, this::attempt), wait.toMillis());
        // The Site-to-site page shows every failure as it happens; the logs get repeats summarised.
        String more = wasUp ? repeats.reset() : repeats.admit(why, now);
        long seconds = Math.round(wait.toMillis() / 1000.0); // the waits are spread: 1.6 s reads "2 s"
        if (more == null) {
            LOG.debug("site-to-site tunnel to {} failed again: {}; next attempt in {} s", server(), why, seconds);
        } else {
            LOG.warn("site-to-site tunnel to {} {}: {}; next attempt in {} s{}", server(), wasUp ? "dropped" : "failed",
                    why, seconds, more);
            events.accept("dialout", "site-to-site tunnel to " + server() + (wasUp ? " dropped: " : " failed: ") + why
                    + "; next attempt in " + seconds + " s" + more);
        }
    }

    private void unpin() {
        if (pinned != null) {
            try {
                pinned.close();
            } catch (Exception e) {
                LOG.debug("unpinning the route to the server: {}", e.toString());
            }
            pinned = null;
        }
    }

    /** Hangs up (LCP Terminate, Call-Clear, Stop-Control-Connection) and stops redialing: switched off. */
    @Override
    public void close() {
        close("site-to-site dial-out switched off");
    }

    /**
     * As {@link #close()}, {@code why} the words of the hang-up: the remote server's log has them
     * (LCP Terminate-Request, RFC 1661 §5.5), and so does this router's. A service stopping is
     * not a dial-out switched off: the office's administrator would look for who did it.
     */
    public synchronized void close(String why) {
        if (loop.isShutdown()) {
            return; // closed already (its hang-up may still be queued behind a slow step)
        }
        closed = true;
        state = State.disabled("");
        java.util.concurrent.Future<?> stop = loop.submit(() -> {
            PptpDialer d = current;
            if (d != null) {
                d.hangUp(why, Duration.ofSeconds(3));
                d.close();
            }
            unpin();
            lanDnsDown();
            state = State.disabled("");
        });
        // The hang-up runs after whatever the loop is doing (a slow `ip` for a route, say): it is
        // queued, and a loop that is merely shut down still runs it; cutting the loop short
        // (shutdownNow) would drop it and leave the old tunnel up beside the next one.
        loop.shutdown();
        try {
            stop.get(5, TimeUnit.SECONDS);
            loop.shutdownNow(); // hung up: the redials and timeouts still scheduled go too
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("site-to-site dial-out busy: it hangs up as soon as its current step ends");
        } catch (Exception e) {
            LOG.warn("site-to-site dial-out's stop incomplete", e);
        }
    }
}
