package org.homerouter.appliance;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.bridge.alg.ConntrackNatAddress;
import org.homerouter.bridge.alg.InboundPptpForward;
import org.homerouter.bridge.alg.PassthroughAlg;
import org.homerouter.bridge.firewall.WanAdmission;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.alg.TrackedCallView;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.webui.WebServer;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.PassthroughCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running appliance: the store and the services built from it, started and stopped together,
 * and reconfigured live when the UI changes a setting.
 */
public final class Appliance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    /** Settings whose change needs a new control listener (and so drops every session). */
    private static final Set<Setting> RESTART = EnumSet.of(Setting.PPTP_ENABLED, Setting.PPTP_LISTEN_ADDRESS,
            Setting.PPTP_PORT, Setting.PPTP_MAX_CONTROL_CONNECTIONS, Setting.HOST_NAME);

    /** Command-line overrides of stored settings (null: use the stored value). */
    public record Overrides(String pptpAddress, Integer pptpPort, Integer uiPort, String uiAddress) {
        public static final Overrides NONE = new Overrides(null, null, null, null);

        public Overrides(String pptpAddress, Integer pptpPort, Integer uiPort) {
            this(pptpAddress, pptpPort, uiPort, null);
        }
    }

    private final ApplianceStore store;
    private final NettyTransport transport;
    private final DataPlane dataPlane;
    private final SessionAccounting accounting;
    /**
     * VPN login lockout; outlives listener restarts so that a restart does not reset an attacker's
     * count. Where users logged in from lately it learns at start from the history ({@link KnownLogins}).
     */
    private final AuthFailureLockout vpnLockout = AuthFailureLockout.defaults(Clock.SYSTEM);
    /** Whether clients on the internet reach the VPN server at all: for the Dashboard, across server restarts. */
    private final InternetReach internetReach = new InternetReach(() -> System.nanoTime() / 1_000_000);
    private final Map<Setting, String> startConfig;
    private Overrides overrides;
    private volatile PptpService pptp;
    /** Why the enabled PPTP server is not running (its last start failed), or null. */
    private volatile String pptpFailure;
    /** Why this run is on factory settings after the image formatted the data partition ({@link DataPartitionNote}); else null. */
    private volatile String dataPartitionFormatted;
    /** Why this run has no admin password, after the image's reset at the router ({@link AdminPasswordReset}); else null. */
    private volatile String adminPasswordReset;
    private volatile Map<Setting, String> applied;
    private volatile PassthroughAlg passthrough;
    /** Why the ALG is not running although switched on, or "". */
    private volatile String passthroughFailure = "";
    private volatile InboundPptpForward inboundForward;
    /** The LAN server the inbound forward sends to now, or "". */
    private String inboundApplied = "";
    /** Why the inbound forward set on the page is not in place, or "". */
    private volatile String inboundFailure = "";
    private WebServer web;
    private int uiPort;
    /** The address the web UI listens on, as given (the settings', or the command line's). */
    private String uiHost;
    /** Site-to-site dial-out while configured and running; its settings as last applied. */
    // Volatile, read without the monitor: a reconfiguration holds it through a listener restart
    // (seconds), and the dashboard must not wait for that to show the dial-out's state.
    private volatile DialOut dialOut;
    /** Networks reached only through a tunnel, unreachable while it is down; null without the Linux data plane. */
    private org.homerouter.bridge.route.FailClosedRoutes tunnelOnly;
    /** Forwarded traffic off the default route while the dial-out is to carry everything; null likewise. */
    private org.homerouter.bridge.route.DefaultRouteFailClosed everythingThroughTunnel;
    /**
     * The LAN's DNS queries to the router: through the tunnel or held while the dial-out is to carry
     * everything; null where this process's namespace is not known to be the router's (as {@link
     * #keepTunnelOnlyNetworks} decides).
     */
    private volatile org.homerouter.bridge.firewall.LanDns lanDns;
    /** The dial-out address and network last warned about (dial-out's thread). */
    private volatile String dialOutAddressWarned = "";
    /**
     * The VPN server's port while it is switched on (whether or not it could start), as last read:
     * with "everything" through the dial-out its answers to remote workers must not follow the rest
     * into the tunnel ({@link #keepTunnelOnlyNetworks}). Under this monitor.
     */
    private java.util.OptionalInt serverPortHeld = java.util.OptionalInt.empty();
    /** Whether those rules are in: the dial-out's page then says what LAN hosts meet while it is down. */
    private volatile boolean forwardedHeldForTunnel;
    private volatile DialOut.State dialOutIdle = DialOut.State.disabled("");
    /**
     * Why the dial-out, switched on in the stored settings, was left off for them (a routed network
     * overlapping the LAN, no password), or null: an import reports it ({@link #dialOutNotStarted}).
     */
    private volatile String dialOutRefused;
    private volatile Map<Setting, String> dialOutApplied;
    /** The router image's WAN admission for PPTP; null off the Linux data plane. */
    private volatile WanAdmission wan;
    /**
     * Held while the WAN admission is set: besides this monitor's holders, the dial-out's thread sets
     * it when the server's DNS name points elsewhere, and must not wait behind a reconfiguration
     * that is itself waiting for the dial-out to hang up.
     */
    private final Object wanLock = new Object();
    /** Set under {@link #wanLock} when the service stops: nothing is admitted after. */
    private boolean wanClosed;
    /** What the WAN admits, tried again while it could not be set; under {@link #wanLock}. */
    private final KernelRetry wanRetry;
    /** The rules a stopped ALG (or an earlier run) could not remove, tried again; under this monitor. */
    private final KernelRetry algLeftovers;
    /** The table of an inbound forward that could not be removed, tried again; under this monitor. */
    private final KernelRetry inboundLeftover;
    /** The first wait before the stored listener is tried again after it could not start; doubled up to the second. */
    static final Duration PPTP_RETRY_FIRST = Duration.ofSeconds(2);
    static final Duration PPTP_RETRY_MAX = Duration.ofSeconds(30);
    /** Runs the listener's retries (see {@link #retryPptpLater}); made when first needed. */
    private java.util.concurrent.ScheduledExecutorService pptpRetries;
    private java.util.concurrent.ScheduledFuture<?> pptpRetry;
    private Duration pptpRetryDelay = PPTP_RETRY_FIRST;
    private int pptpRetryCount;
    /** Set under this monitor by {@link #close}: no retry starts a listener after. */
    private boolean closed;
    /** The database's directory, where the boot's hold of the fail-closed routes is kept (BootHold). */
    private Path dataDir;
    private volatile ApplianceLan lan;
    /**
     * The watchdog's probes of the configuration's lock and of the database, made once: the
     * watchdog tells a probe's pending task by its executor, and a new one at every check would
     * never be seen stuck.
     */
    private final ServiceWatchdog.Probe lockProbe;
    private final ServiceWatchdog.Probe databaseProbe;
    /** Writes a line to the event log where the wall clock jumps (its times jump there too). */
    private final ClockSteps clockSteps;
    /** Deletes the records older than they are kept, at start and once a day. */
    private final AgedRecords agedRecords;
    /** The thread of the periodic chores (the two above, the sessions' progress): one daemon thread for all. */
    private final java.util.concurrent.ScheduledExecutorService housekeeping =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "housekeeping");
                t.setDaemon(true);
                return t;
            });

    private Appliance(ApplianceStore store, NettyTransport transport, DataPlane dataPlane, Map<Setting, String> cfg,
                      Overrides overrides) {
        this.store = store;
        this.transport = transport;
        this.dataPlane = dataPlane;
        this.accounting = new SessionAccounting(store);
        this.startConfig = Map.copyOf(cfg);
        this.overrides = overrides;
        this.clockSteps = ClockSteps.system(line -> store.logEvent("service", line));
        this.agedRecords = AgedRecords.system(store);
        this.wanRetry = new KernelRetry(line -> store.logEvent("service", line));
        this.algLeftovers = new KernelRetry(line -> store.logEvent("service", line));
        this.inboundLeftover = new KernelRetry(line -> store.logEvent("service", line));
        this.lockProbe = new ServiceWatchdog.Probe("configuration lock",
                task -> Thread.ofVirtual().name("watchdog-lock").start(() -> {
                    synchronized (this) {
                        task.run();
                    }
                }));
        this.databaseProbe = new ServiceWatchdog.Probe("database", task -> Thread.ofVirtual().name("watchdog-db").start(() -> {
            try {
                store.settings();
            } catch (java.sql.SQLException e) {
                // It answered: an error is the pages' to show, not a hang.
            }
            task.run();
        }));
    }

    /** Starts everything on this machine's Linux data plane (or without one, saying why). */
    public static Appliance start(Path dbFile, Overrides overrides) throws SQLException, IOException, InterruptedException {
        return start(dbFile, overrides, LinuxDataPlane.open(true));
    }

    /** Starts everything with the given data plane; tests pass in-memory or unavailable ones. */
    public static Appliance start(Path dbFile, Overrides overrides, DataPlane dataPlane)
            throws SQLException, IOException, InterruptedException {
        Path dataDir = dbFile.toAbsolutePath().getParent();
        boolean reserveUsed = StorageReserve.releaseIfFull(dataDir);
        ApplianceStore store = ApplianceStore.openOrSetAside(dbFile);
        LOG.info("configuration: {} (schema version {})", dbFile.toAbsolutePath(), store.schemaVersion());
        if (reserveUsed) {
            store.logEvent("service", "the router's storage was full: it started on the room it keeps for that. "
                    + StorageReserve.HOW_TO_FREE);
        }
        StorageReserve.keep(dataDir);
        try {
            int interrupted = store.closeInterruptedSessions(System.currentTimeMillis());
            if (interrupted > 0) {
                LOG.info("{} session(s) of the previous run were still open: recorded as interrupted", interrupted);
            }
        } catch (SQLException e) {
            // History only: a full partition must not stop the start (systemd would restart it for ever).
            LOG.error("could not record the previous run's open sessions as interrupted: {}", e.getMessage());
        }
        ensureLocalSecrets(store);
        Map<Setting, String> cfg = store.settings();
        NettyTransport transport = NettyTransport.create(2, "pptp-io");
        if (NettyTransport.epollUnavailableReason() != null) {
            LOG.info("native epoll unavailable ({}); using NIO", NettyTransport.epollUnavailableReason());
        }
        Appliance appliance = new Appliance(store, transport, dataPlane, cfg, overrides);
        KnownLogins.seed(store, appliance.vpnLockout, System.currentTimeMillis());
        if (!dataPlane.available()) {
            LOG.warn("{}", dataPlane.unavailableReason()); // the journal says why no session can start
        }
        appliance.dataDir = dataDir;
        appliance.dataPartitionFormatted = DataPartitionNote.read(appliance.dataDir, store).orElse(null);
        appliance.adminPasswordReset = AdminPasswordReset.apply(appliance.dataDir, store).orElse(null);
        try {
            appliance.applyPptp(cfg);
        } catch (IOException | RuntimeException e) {
            if (overrides.pptpAddress() != null || overrides.pptpPort() != null) {
                // A listener named on the command line (make run): its operator is there to read why.
                transport.shutdown(Duration.ofSeconds(1));
                dataPlane.close();
                appliance.accounting.close();
                store.close();
                throw e;
            }
            // From the stored settings, the UI must come up all the same: it is where the listen
            // address or port is fixed (an address this router no longer has after a reboot, a
            // port taken). Exiting would leave a router with no way in, restarted for ever.
            LOG.error("PPTP server could not start: {}; the web UI starts all the same so the settings can be corrected",
                    e.toString());
            String why = appliance.pptpFailure();
            store.logEvent("service", "PPTP server could not start: " + (why != null ? why : e.getMessage())
                    + "; trying again until it can");
            appliance.retryPptpLater();
        }
        appliance.clockSteps.start(appliance.housekeeping);
        appliance.agedRecords.start(appliance.housekeeping);
        appliance.accounting.start(appliance.housekeeping);
        appliance.housekeeping.scheduleWithFixedDelay(() -> {
            try {
                appliance.retryKernelChanges();
                appliance.checkListenAddress();
            } catch (RuntimeException e) {
                LOG.warn("trying kernel changes again: {}", e.toString());
            }
        }, KernelRetry.PERIOD.toMillis(), KernelRetry.PERIOD.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        appliance.applyPassthrough(cfg, true);
        if (appliance.routerNamespace()) {
            appliance.lanDns = org.homerouter.bridge.firewall.LanDns.find(null);
        }
        appliance.applyDialOut(cfg, false);
        if (dataPlane.linux()) {
            appliance.wan = WanAdmission.find(null);
        }
        appliance.admitFromWan();
        appliance.lan = ApplianceLan.system(appliance, dbFile.toAbsolutePath().getParent());
        appliance.lan.keep(cfg.get(Setting.LAN_ADDRESS));
        try {
            appliance.startWeb(cfg, dbFile.toAbsolutePath().getParent());
        } catch (IOException e) {
            appliance.close();
            throw e;
        }
        return appliance;
    }

    /**
     * The Passthrough page's two settings, applied now: at start, when the page is saved and after
     * an import. The ALG is started or stopped (stopping it ends the passthrough calls it tracked:
     * their GRE NAT rules go with it); the inbound forward is set, moved or removed. The forward is a
     * DNAT of TCP 1723 and GRE to one LAN server and needs no ALG, so it follows its own field.
     * Both need the Linux data plane (nftables, NFQUEUE in this process's namespace). A failure is
     * logged, not fatal; the page shows it ({@link PassthroughView#unavailableReason}).
     *
     * @param atStart an earlier run that was killed may have left its NFQUEUE rule, which with
     *                nobody reading the queue drops the LAN's PPTP control traffic: removed at start
     *                when passthrough is off (later, such a rule may be the passthrough command's);
     *                and its inbound forward, removed at start unless one is set (or the
     *                passthrough command runs beside it: the forward is then the command's); and an ALG
     *                started then resets the control connections it meets mid-stream, an earlier run's
     *                whose calls it cannot know (one switched on later follows them)
     *
     * <p>What could not be removed (a switched-off ALG's rules, a forward's table) is tried again
     * every {@link KernelRetry#PERIOD} ({@link #retryKernelChanges}), the event log saying meanwhile
     * that it is still in place.
     */
    synchronized void applyPassthrough(Map<Setting, String> cfg, boolean atStart) {
        boolean on = Boolean.parseBoolean(cfg.get(Setting.PASSTHROUGH_ENABLED));
        String inbound = cfg.get(Setting.PASSTHROUGH_INBOUND_SERVER).trim();
        boolean linux = dataPlane.linux();
        String noLinux = "the Linux data plane is unavailable: " + dataPlane.unavailableReason();
        passthroughFailure = "";
        if (!on) {
            if (passthrough != null) {
                PassthroughAlg alg = passthrough;
                passthrough = null;
                if (algLeftovers.make("PPTP passthrough off, but not all of it could be removed",
                        "PPTP passthrough off: what stayed of its rules is removed now", alg::stop,
                        Appliance::removeAlgLeftovers)) {
                    store.logEvent("service", "PPTP passthrough off");
                }
            } else if (atStart && linux) {
                algLeftovers.make("what an earlier run of PPTP passthrough left could not all be removed",
                        "what an earlier run of PPTP passthrough left is removed now", Appliance::removeAlgLeftovers);
            }
        } else if (passthrough == null) {
            if (!linux) {
                passthroughFailure = noLinux;
                LOG.warn("PPTP passthrough enabled but {}", passthroughFailure);
            } else {
                try {
                    // The router's own calls and the LAN's NAT IDs share the public address's GRE keys.
                    // At the service's start with passthrough on, an ALG ran until just now (a
                    // restart: an upgrade, the watchdog, nftables restarted) and its calls' NAT IDs
                    // went with it: their connections are reset, so their clients dial again.
                    passthrough = PassthroughAlg.start(null, PassthroughCommand.QUEUE, new ConntrackNatAddress(null),
                            dataPlane, atStart);
                    passthrough.onProblem(problem -> store.logEvent("problem", problem));
                    algLeftovers.forget(); // its start replaced the old queue rule and table
                    store.logEvent("service", "PPTP passthrough on");
                } catch (IOException | RuntimeException e) {
                    String why = String.valueOf(e.getMessage());
                    // On this router's own page the other ALG can only be the command line's.
                    passthroughFailure = why.contains("another PPTP passthrough ALG") ? "the 'homerouter passthrough'"
                            + " command runs an ALG on this router (only one can): stop it, then save again" : why;
                    LOG.warn("PPTP passthrough could not start: {}", e.getMessage());
                    store.logEvent("service", "PPTP passthrough could not start: " + e.getMessage());
                }
            }
        }
        if (atStart && linux && inbound.isEmpty()) {
            // An earlier run's table would forward the WAN's PPTP to a LAN server no setting names.
            inboundLeftover.make("an earlier run's inbound PPTP forward could not be removed: TCP 1723 and GRE from"
                    + " outside still go to the LAN server it named", "the inbound PPTP forward an earlier run left is"
                    + " removed now", this::removeInboundLeftover);
        }
        if (!inbound.equals(inboundApplied)) {
            if (inboundForward != null) {
                InboundPptpForward old = inboundForward;
                inboundForward = null;
                String was = inboundApplied;
                if (inboundLeftover.make("inbound PPTP is still forwarded to " + was + ": its rules could not be removed",
                        "inbound PPTP no longer forwarded to " + was, old::remove)) {
                    store.logEvent("service", "inbound PPTP no longer forwarded to " + was);
                }
            }
            inboundApplied = "";
            inboundFailure = inbound.isEmpty() || linux ? "" : noLinux;
            if (!inbound.isEmpty() && linux) {
                try {
                    InboundPptpForward forward = new InboundPptpForward(null);
                    forward.apply((java.net.Inet4Address) InetAddress.getByName(inbound));
                    inboundForward = forward;
                    inboundApplied = inbound;
                    inboundLeftover.forget(); // its table replaced the one that stayed
                    store.logEvent("service", "inbound PPTP forwarded to " + inbound);
                } catch (IOException | RuntimeException e) {
                    inboundFailure = String.valueOf(e.getMessage());
                    LOG.warn("inbound PPTP could not be forwarded to {}: {}", inbound, e.getMessage());
                    store.logEvent("service", "inbound PPTP could not be forwarded to " + inbound + ": " + e.getMessage());
                }
            }
            if (!atStart) {
                admitFromWan(); // the new forward keeps the dial-out's GRE for the router
            }
        }
    }

    /** What a stopped ALG, or an earlier run's, left in the kernel (none while an ALG runs: the command's). */
    private static void removeAlgLeftovers() throws IOException {
        PassthroughAlg.removeLeftovers(null);
    }

    /**
     * An earlier run's inbound forward. While this service runs no ALG, one that runs is the
     * {@code passthrough} command's, started before the service, and the forward its own: left
     * alone. Under this monitor.
     */
    private void removeInboundLeftover() throws IOException {
        if (passthrough != null) {
            new InboundPptpForward(null).remove(); // our ALG holds the namespace: no command's runs
        } else {
            InboundPptpForward.removeLeftover(null);
        }
    }

    /** The Passthrough page's view of the ALG: its tracked calls, or why there are none. */
    private final class PassthroughView implements PassthroughCalls {
        @Override
        public List<TrackedCall> calls() {
            return passthroughCalls().stream().map(v -> new TrackedCall(v.client().getHostAddress(),
                    v.server().getHostAddress(), v.clientCallId(), v.natCallId(), v.serverCallId(), v.state(),
                    v.bytesToClient(), v.bytesToServer(), v.age().toSeconds())).toList();
        }

        @Override
        public String unavailableReason() {
            if (passthrough != null) {
                return "";
            }
            String failure = passthroughFailure;
            return failure.isEmpty() ? "passthrough is switched off" : "passthrough could not start: " + failure;
        }

        @Override
        public String inboundFailure() {
            return inboundFailure;
        }
    }

    /** The calls the passthrough ALG tracks (LAN client, server, call IDs, bytes, age); empty when it is off. */
    public java.util.List<TrackedCallView> passthroughCalls() {
        PassthroughAlg alg = passthrough;
        return alg == null ? java.util.List.of() : alg.calls();
    }

    /**
     * The router's own secrets, made on first start and after a factory reset (which deletes them):
     * the metrics token and the key of the known-device cookies. Under the store's lock, so that a
     * login asking for the key at the same moment cannot make a second one.
     */
    static void ensureLocalSecrets(ApplianceStore store) throws SQLException {
        synchronized (store) {
            Map<Setting, String> now = store.settings();
            Map<Setting, String> made = new java.util.EnumMap<>(Setting.class);
            for (Map.Entry<Setting, Integer> s : Map.of(Setting.METRICS_TOKEN, 20, Setting.UI_KNOWN_DEVICE_KEY, 32).entrySet()) {
                if (now.get(s.getKey()).isEmpty()) {
                    byte[] b = new byte[s.getValue()];
                    new SecureRandom().nextBytes(b);
                    made.put(s.getKey(), HexFormat.of().formatHex(b));
                }
            }
            if (!made.isEmpty()) {
                store.putSettings(made);
            }
        }
    }

    /**
     * Held through a whole administrative change of the stored configuration: the write, applying
     * it, and putting back what it found when the router cannot run with it. Another change made in
     * between (another tab, another administrator) would otherwise be wiped by that undo. It is
     * this object's monitor, which {@link #reconfigure} holds too. Whoever holds a session's lock
     * must not wait for it: sessions are hung up after the change, outside.
     */
    Object changeLock() {
        return this;
    }

    /** The VPN server's TCP port while it is switched on in {@code cfg}, else empty. */
    private java.util.OptionalInt serverPort(Map<Setting, String> cfg) {
        try {
            int port = pptpPort(cfg);
            // 0: any free port (tests), which no rule can name.
            return Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED)) && port > 0 ? java.util.OptionalInt.of(port)
                    : java.util.OptionalInt.empty();
        } catch (NumberFormatException e) {
            return java.util.OptionalInt.empty(); // the server cannot listen on it either
        }
    }

    /** The TCP port the VPN server listens on with {@code cfg}: the command line's, else the stored one. */
    private int pptpPort(Map<Setting, String> cfg) {
        return overrides.pptpPort() != null ? overrides.pptpPort() : Integer.parseInt(cfg.get(Setting.PPTP_PORT));
    }

    /**
     * Brings the PPTP server in line with the stored settings: started, stopped, restarted on a new
     * listener, or (for pool, DNS, authentication, encryption, idle timeout) reconfigured in place
     * so connected clients stay up.
     */
    synchronized void reconfigure() throws IOException {
        Map<Setting, String> cfg = storedSettings();
        if (overrides.pptpAddress() != null && !cfg.get(Setting.PPTP_LISTEN_ADDRESS).equals(startConfig.get(Setting.PPTP_LISTEN_ADDRESS))
                || overrides.pptpPort() != null && !cfg.get(Setting.PPTP_PORT).equals(startConfig.get(Setting.PPTP_PORT))) {
            // The administrator chose a listener in the UI: the command line's choice gives way.
            overrides = new Overrides(null, null, overrides.uiPort(), overrides.uiAddress());
        }
        try {
            applyPptp(cfg);
        } catch (IOException | RuntimeException e) {
            retryPptpLater();
            throw e;
        } finally {
            applyPassthrough(cfg, false);
            applyDialOut(cfg, false);
            admitFromWan();
            if (lan != null) {
                lan.keep(cfg.get(Setting.LAN_ADDRESS)); // an import or a factory reset changes it too
            }
        }
    }

    /** The LAN page's side; set before the web UI starts. */
    ApplianceLan lan() {
        return lan;
    }

    /** Another LAN side (a test's, with the machine's interfaces of its choosing). */
    void lan(ApplianceLan lan) {
        this.lan = lan;
    }

    /**
     * Opens the base firewall to what runs now: the server's port and GRE, or GRE from the
     * dial-out's server; and names the server's clients, who may use the site-to-site tunnel. A
     * failure is logged once and tried again every {@link KernelRetry#PERIOD} until it is set: what
     * runs keeps running meanwhile, reachable from the LAN.
     */
    private void admitFromWan() {
        synchronized (wanLock) {
            admitFromWanNow();
        }
    }

    private void admitFromWanNow() {
        if (wanClosed) {
            return;
        }
        wanRetry.make("the firewall could not be set for PPTP on the WAN", "the firewall is set for PPTP on the WAN"
                + " again", this::setWanNow);
    }

    /** The settings the VPN server was last applied with (stored ones, the command line's overrides aside); null before. */
    Map<Setting, String> appliedSettings() {
        return applied;
    }

    /** Whether the site-to-site tunnel is to carry everything, as applied (whether or not it is up). Lock-free. */
    boolean everythingThroughTunnel() {
        Map<Setting, String> d = dialOutApplied;
        return d != null && Boolean.parseBoolean(d.get(Setting.DIALOUT_ENABLED))
                && Boolean.parseBoolean(d.get(Setting.DIALOUT_DEFAULT_ROUTE));
    }

    /** The site-to-site tunnel's server as its last dial found it; empty without a dial-out. */
    java.util.Optional<java.net.Inet4Address> dialOutServer() {
        DialOut d = dialOut;
        return d == null ? java.util.Optional.empty() : d.serverAddress();
    }

    /** What {@link #admitFromWan} sets, each part on its own: one that fails must not keep the others out. */
    private void setWanNow() throws IOException {
        PptpService p = pptp;
        DialOut d = dialOut;
        java.net.Inet4Address server = d == null ? null : d.serverAddress().orElse(null);
        InboundPptpForward inboundForward = this.inboundForward;
        WanAdmission wan = this.wan;
        List<String> failures = new ArrayList<>(3);
        if (inboundForward != null) {
            try {
                // The dial-out's GRE is the router's own, not the forwarded LAN server's.
                inboundForward.keepGreFrom(server);
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
        }
        if (wan != null) {
            try {
                wan.admit(p == null ? null : p.address(), server);
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
            try {
                Map<Setting, String> a = applied;
                org.homerouter.webui.api.Subnet clients = p == null || a == null ? null : tunnelNetwork(a);
                wan.vpnClients(clients == null ? null : org.homerouter.webui.api.RoutedSubnets.cidr(clients));
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new IOException(String.join("; ", failures));
        }
    }

    /**
     * What failed to reach the kernel, tried again: every {@link KernelRetry#PERIOD} on the
     * housekeeping thread. Each lock is taken only when something is to be tried.
     */
    void retryKernelChanges() {
        if (algLeftovers.failing() || inboundLeftover.failing()) {
            synchronized (this) {
                if (!closed && passthrough == null) {
                    algLeftovers.retry();
                }
                if (!closed && inboundForward == null) {
                    inboundLeftover.retry();
                }
            }
        }
        if (wanRetry.failing()) {
            synchronized (wanLock) {
                if (!wanClosed) {
                    wanRetry.retry();
                }
            }
        }
    }

    /** Whether an address is this router's: on one of its interfaces (any of 127/8 always is). */
    private java.util.function.Predicate<java.net.InetAddress> addressHere = a -> {
        try {
            return a.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (java.net.SocketException e) {
            return true; // unknown: the server is left as it runs
        }
    };

    private static String notHere(String address) {
        return "its listen address " + address + " is not on this router now (a new address from the provider? listen"
                + " on 0.0.0.0, every address, if it changes)";
    }

    /** Whether the last {@link #checkListenAddress} found the listen address missing. */
    private boolean listenAddressMissing;

    /** Tests: which addresses count as this router's ({@link #checkListenAddress}). */
    void addressesHereAre(java.util.function.Predicate<java.net.InetAddress> here) {
        addressHere = here;
    }

    /**
     * A server listening on one address of this router (the WAN's, as a router with a fixed one is
     * set up) went deaf when the address went away, a new DHCP lease say: the socket stays bound to
     * an address no interface has, and the Dashboard said "running" while no client could connect.
     * Checked every {@link KernelRetry#PERIOD}: missing at two checks in a row (networkd drops a
     * DHCP address while the WAN's carrier is lost, a modem's reboot, and gets it back in seconds:
     * sessions that would have lived through that must not end for it), the server stops and is
     * tried again until the address is back (it starts by itself then), the Dashboard saying why.
     */
    void checkListenAddress() {
        synchronized (this) {
            if (closed || pptp == null || pptp.address().getAddress().isAnyLocalAddress()
                    || addressHere.test(pptp.address().getAddress())) {
                listenAddressMissing = false;
                return;
            }
            if (!listenAddressMissing) {
                listenAddressMissing = true;
                return;
            }
            listenAddressMissing = false;
            String gone = pptp.address().getAddress().getHostAddress();
            pptp.close("The VPN server stopped: its address went away");
            pptp = null;
            pptpFailure = notHere(gone);
            LOG.warn("PPTP server stopped: {}", pptpFailure);
            store.logEvent("service", "PPTP server stopped: " + pptpFailure + "; trying again until it is back");
        }
        admitFromWan(); // nothing admitted for a server that is not there
        retryPptpLater();
    }

    /** Tests: {@code wan} (a namespace's base firewall) is filled as this router's own. */
    void admitFromWanThrough(WanAdmission wan) {
        this.wan = wan;
        admitFromWan();
    }

    /**
     * Brings only the site-to-site dial-out (and what the WAN admits for it) in line with the
     * stored settings: its page changes nothing of the VPN server's, which may be down for reasons
     * of its own (a port taken) that must not make this save fail.
     */
    synchronized void reconfigureDialOut() throws IOException {
        applyDialOut(storedSettings(), true);
        admitFromWan();
    }

    private Map<Setting, String> storedSettings() throws IOException {
        try {
            return store.settings();
        } catch (SQLException e) {
            throw new IOException("reading the settings: " + e.getMessage(), e);
        }
    }

    /**
     * The dial-out's own settings and what its routes are checked against (the VPN's tunnel
     * network, not the router's address in it): a change to any restarts it.
     */
    private static Map<Setting, String> dialOutSettings(Map<Setting, String> cfg) {
        Map<Setting, String> mine = new java.util.EnumMap<>(Setting.class);
        cfg.forEach((k, v) -> {
            if (k.key().startsWith("dialout.") || k == Setting.HOST_NAME) {
                mine.put(k, v);
            }
        });
        String tunnel = tunnelCidr(cfg);
        mine.put(Setting.PPTP_LOCAL_ADDRESS, tunnel != null ? tunnel : String.valueOf(cfg.get(Setting.PPTP_LOCAL_ADDRESS)));
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
    private synchronized void applyDialOut(Map<Setting, String> cfg, boolean itsPage) {
        try {
            applyDialOutNow(cfg, itsPage);
        } finally {
            keepTunnelOnlyNetworks();
        }
    }

    /**
     * Keeps the networks that must only be reached through a tunnel (the enabled dial-out's, every
     * branch account's, and the VPN server's tunnel network while it is switched on, whether or not
     * it could start) unreachable while their tunnel is down, so that they never leave by the
     * default route in clear; with the dial-out's default route on, every forwarded packet is held
     * off the router's own default route likewise. Called at start and after every change to them;
     * a failure is logged.
     */
    synchronized void keepTunnelOnlyNetworks() {
        if (!routerNamespace()) {
            return;
        }
        List<String> networks = new ArrayList<>();
        List<org.homerouter.webui.api.Subnet> local = ApplianceVpnConfig.localNetworks();
        // Whether every network was found: only then is the next boot's hold rewritten (a list
        // missing some would open them at the next boot).
        boolean complete = false;
        try {
            if (dialOut != null) {
                dialOut.config().subnets().forEach(s -> networks.add(org.homerouter.webui.api.RoutedSubnets.cidr(s)));
            }
            Map<Setting, String> cfg = store.settings();
            serverPortHeld = serverPort(cfg);
            org.homerouter.webui.api.Subnet tunnel = tunnelNetwork(cfg);
            if (Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED)) && tunnel != null) {
                // A VPN client's address has a route only while its session lasts: once it is gone
                // (its WAN dropped, the session reaped), a LAN server still answering it, say a file
                // copy's retransmissions, sent that client's data out of the WAN in clear.
                try {
                    org.homerouter.webui.api.RoutedSubnets.checkAgainstLocal(List.of(tunnel), local, null);
                    networks.add(org.homerouter.webui.api.RoutedSubnets.cidr(tunnel));
                } catch (IllegalArgumentException e) {
                    LOG.warn("the VPN tunnel network is not kept unreachable outside its sessions: {}", e.getMessage());
                }
            }
            for (var entry : store.allRoutedSubnets().entrySet()) {
                try {
                    var subnets = org.homerouter.webui.api.RoutedSubnets.parse(entry.getValue(), entry.getKey());
                    // An imported account's networks are checked against this router's LANs only now:
                    // an overlapping one would cut those LAN hosts off, so it is left out.
                    org.homerouter.webui.api.RoutedSubnets.checkAgainstLocal(subnets, local, null);
                    subnets.forEach(s -> networks.add(org.homerouter.webui.api.RoutedSubnets.cidr(s)));
                } catch (IllegalArgumentException e) {
                    LOG.warn("routed subnets of {} not kept unreachable outside their tunnel: {}", entry.getKey(),
                            e.getMessage());
                }
            }
            complete = true;
            if (tunnelOnly == null) {
                tunnelOnly = new org.homerouter.bridge.route.FailClosedRoutes(null);
            }
            tunnelOnly.keep(networks);
        } catch (IOException | java.sql.SQLException e) {
            LOG.error("networks reached through tunnels ({}) could not all be kept unreachable while their tunnel is"
                    + " down: {}", networks, e.getMessage());
            store.logEvent("service", "networks reached through tunnels could not all be kept unreachable while"
                    + " their tunnel is down: " + e.getMessage());
        }
        // The owner's intent, not whether the dial-out could start: a configuration it refuses
        // (an overlap found only now) must not send the LAN out in clear either.
        boolean everything = everythingThroughTunnel();
        try {
            if (everythingThroughTunnel == null) {
                everythingThroughTunnel = new org.homerouter.bridge.route.DefaultRouteFailClosed(null);
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
                    + (everything ? "kept off" : "let back onto") + " the router's own default route: " + e.getMessage());
        }
        org.homerouter.bridge.firewall.LanDns dns = lanDns;
        try {
            if (dns != null) {
                dns.hold(everything);
            }
        } catch (IOException e) {
            LOG.error("the site-to-site default route: the LAN's DNS could not be {}: {}",
                    everything ? "held to the tunnel" : "given back to this router's resolver", e.getMessage());
            store.logEvent("service", "the site-to-site default route: the LAN's DNS could not be "
                    + (everything ? "held to the tunnel" : "given back to this router's resolver") + ": " + e.getMessage());
        }
        // What the next boot holds before this service runs again: the owner's intent, as above,
        // also for a route the kernel refused now (the boot may take it).
        if (!complete) {
            return;
        }
        try {
            org.homerouter.bridge.route.BootHold.write(dataDir, networks, everything);
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
        return dataPlane.linux() || Files.exists(dataDir.resolve(org.homerouter.bridge.route.BootHold.FILE_NAME));
    }

    /**
     * Whether forwarded traffic is held off the router's own default route for the dial-out's
     * "everything else" (its rules are in): LAN hosts reach nothing beyond the LAN while it is down.
     */
    boolean forwardedHeldForTunnel() {
        return forwardedHeldForTunnel;
    }

    private void applyDialOutNow(Map<Setting, String> cfg, boolean itsPage) {
        Map<Setting, String> mine = dialOutSettings(cfg);
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
            dialOut.close();
            dialOut = null;
            // The old tunnel's own word may come late (its stop waits behind a slow step) and is then
            // not taken: its tunnel counts as down from here.
            org.homerouter.bridge.firewall.LanDns dns = lanDns;
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
            config = dialOutConfig(cfg);
        } catch (IllegalArgumentException e) {
            dialOutRefused = e.getMessage();
            dialOutIdle = DialOut.State.disabled("not started: " + e.getMessage());
            LOG.warn("site-to-site dial-out {}", dialOutIdle.lastFailure());
            store.logEvent("dialout", "site-to-site dial-out " + dialOutIdle.lastFailure());
            return;
        }
        // The dial-out's own device is ppp*, the server's pptp*: a server reachable only through either loops.
        // A server's name that points elsewhere now moves the WAN admission of its GRE along, before
        // anything is sent to it: the callback reads this field, so it is set before the first dial.
        java.util.concurrent.atomic.AtomicReference<DialOut> owner = new java.util.concurrent.atomic.AtomicReference<>();
        dialOut = DialOut.create(dataPlane, transport, config, DialOut.Resolver.SYSTEM,
                server -> org.homerouter.bridge.route.HostRoutePin.pin(null, server, dev -> dev.startsWith("ppp")),
                new org.homerouter.bridge.route.EverythingElseRoute(null)::into, moved -> admitFromWan(),
                store::logEvent, DialOut.AUTH_RETRY, dialOutRouter(owner));
        owner.set(dialOut);
        dialOut.begin();
    }

    /**
     * The dial-out's configuration in {@code cfg}, checked as at its start against this router's
     * networks (the LAN's, the VPN's tunnel network): the command line's import checks it so too.
     *
     * @throws IllegalArgumentException why it cannot start with it, in the Site-to-site page's words
     */
    static DialOut.Config dialOutConfig(Map<Setting, String> cfg) {
        DialOut.Config config = DialOut.Config.from(cfg);
        org.homerouter.webui.api.RoutedSubnets.checkAgainstLocal(config.subnets(), ApplianceLan.localNetworksWithLanToBe(cfg),
                tunnelNetwork(cfg));
        return config;
    }

    /**
     * Why the site-to-site tunnel, switched on in the stored settings, was left off for them (a
     * routed network overlapping the LAN, no password): an import that only logged it would pass
     * for "applied" while the tunnel never dials. Empty while it runs, is off, or waits for the
     * Linux data plane (not the settings' doing).
     */
    java.util.Optional<String> dialOutNotStarted() {
        return java.util.Optional.ofNullable(dialOutRefused);
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
    private void dialOutAddress(java.net.Inet4Address address, String device) {
        PptpService server = pptp;
        String a = address.getHostAddress();
        if (server != null) {
            List<String> users = server.disconnectAddress(address, "the site-to-site tunnel was given its address " + a);
            if (!users.isEmpty()) {
                LOG.warn("site-to-site: the office gave this router {}, the address of the VPN session(s) of {}:"
                        + " ended, to dial again for another address", a, users);
                store.logEvent("dialout", "the office gave the site-to-site tunnel " + a + ", the address "
                        + String.join(", ", users) + " had on this router's VPN: that session was ended (a new call"
                        + " gets another address). Both routers hand out the same addresses: give this router's VPN"
                        + " server a tunnel network of its own (VPN page) to avoid this");
            }
        }
        int ip = org.homerouter.webui.api.Ipv4.parse(a);
        for (org.homerouter.webui.api.Subnet n : ApplianceVpnConfig.localNetworks()) {
            // Once for an address and network, not at every redial.
            if (!n.interfaceName().equals(device) && n.contains(ip) && !(a + n).equals(dialOutAddressWarned)) {
                dialOutAddressWarned = a + n;
                LOG.warn("site-to-site: the office gave this router {}, inside its network {}", a, n);
                store.logEvent("dialout", "the office gave the site-to-site tunnel " + a + ", inside this router's"
                        + " network " + n + ": a host there with that address can no longer be reached, and the"
                        + " office may not route that network back; give the office's VPN clients addresses of their own");
            }
        }
    }

    /** The dial-out's own settings alone. */
    private static Map<Setting, String> ownKeys(Map<Setting, String> settings) {
        Map<Setting, String> own = new java.util.EnumMap<>(Setting.class);
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
    private DialOut.Router dialOutRouter(java.util.concurrent.atomic.AtomicReference<DialOut> owner) {
        return new DialOut.Router() {
            @Override
            public void ownAddress(java.net.Inet4Address address, String device) {
                if (owner.get() == dialOut) {
                    dialOutAddress(address, device);
                }
            }

            @Override
            public java.net.Inet4Address lanDnsUp(List<java.net.Inet4Address> officeDns, String device)
                    throws IOException {
                org.homerouter.bridge.firewall.LanDns dns = lanDns;
                if (dns == null || owner.get() != dialOut) {
                    return null;
                }
                // The office's first; then this router's own, which reached through the tunnel
                // (not the modem's on the WAN's subnet) see the queries come from the office.
                List<java.net.Inet4Address> candidates = new ArrayList<>(officeDns);
                candidates.addAll(PptpService.hostNameServers(dataPlane).get());
                dns.tunnelUp(candidates, device);
                return dns.server();
            }

            @Override
            public boolean lanDnsManaged() {
                org.homerouter.bridge.firewall.LanDns dns = lanDns;
                return dns != null && dns.present();
            }

            @Override
            public void lanDnsDown() throws IOException {
                org.homerouter.bridge.firewall.LanDns dns = lanDns;
                if (dns != null && owner.get() == dialOut) {
                    dns.tunnelDown();
                }
            }
        };
    }

    /** The VPN server's tunnel network (its address and pool): routed networks must stay out of it. */
    static org.homerouter.webui.api.Subnet tunnelNetwork(Map<Setting, String> cfg) {
        String local = cfg.get(Setting.PPTP_LOCAL_ADDRESS);
        return org.homerouter.webui.api.Ipv4.valid(local)
                ? new org.homerouter.webui.api.Subnet("the VPN tunnel", org.homerouter.webui.api.Ipv4.parse(local), 24)
                : null;
    }

    /**
     * Whether going from settings {@code from} to {@code to} needs a new control listener, dropping
     * every session: a listener setting, or a tunnel network moved elsewhere (the connected clients'
     * addresses would be left outside it, where the firewall's VPN client set and the routes held
     * unreachable outside their sessions no longer cover them). A new router address within the same
     * network needs no restart.
     */
    static boolean restarts(Map<Setting, String> from, Map<Setting, String> to) {
        return RESTART.stream().anyMatch(s -> !java.util.Objects.equals(from.get(s), to.get(s)))
                || !java.util.Objects.equals(tunnelCidr(from), tunnelCidr(to));
    }

    /** The tunnel network as "192.168.250.0/24" (null when the address is not valid): two addresses in it compare equal. */
    private static String tunnelCidr(Map<Setting, String> cfg) {
        org.homerouter.webui.api.Subnet tunnel = tunnelNetwork(cfg);
        return tunnel == null ? null : org.homerouter.webui.api.RoutedSubnets.cidr(tunnel);
    }

    /** What the site-to-site dial-out is doing, for the dashboard and status. */
    DialOut.State dialOutState() {
        DialOut d = dialOut;
        return d != null ? d.state() : dialOutIdle;
    }

    private synchronized void applyPptp(Map<Setting, String> cfg) throws IOException {
        boolean want = Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED));
        boolean restart = applied == null || restarts(applied, cfg);
        try {
            InetSocketAddress bind = null;
            if (want && (pptp == null || restart)) {
                String address = overrides.pptpAddress() != null ? overrides.pptpAddress() : cfg.get(Setting.PPTP_LISTEN_ADDRESS);
                bind = new InetSocketAddress(InetAddress.getByName(address), pptpPort(cfg));
            }
            if (pptp != null && bind != null) {
                checkCanListen(bind);
            }
            if (pptp != null && (!want || restart)) {
                pptp.close(want ? "The VPN server restarts with new settings" : "The VPN server was switched off");
                pptp = null;
                store.logEvent("service", want ? "PPTP server restarting for the new listen settings" : "PPTP server stopped");
            }
            if (want && pptp == null) {
                pptp = PptpService.start(cfg, store, transport, dataPlane, bind, accounting, vpnLockout,
                        this::everythingThroughTunnel);
                internetReach.listening();
                pptp.control().onConnection(internetReach::seen); // the first moment's connections may go uncounted
                store.logEvent("service", "PPTP server listening on " + pptp.address());
            } else if (want) {
                pptp.reconfigure(cfg);
            } else if (applied == null) {
                LOG.info("PPTP server disabled in the configuration");
            }
            applied = Map.copyOf(cfg);
            pptpFailure = null;
            pptpRetryDelay = PPTP_RETRY_FIRST;
        } catch (IOException e) {
            // "Cannot assign requested address" alone left the owner to guess which address.
            pptpFailure = ApplianceVpnConfig.addressNotHere(e) ? notHere(overrides.pptpAddress() != null
                    ? overrides.pptpAddress() : cfg.get(Setting.PPTP_LISTEN_ADDRESS))
                    : e.getMessage() != null ? e.getMessage() : e.toString();
            throw e;
        } catch (RuntimeException e) {
            pptpFailure = e.getMessage() != null ? e.getMessage() : e.toString();
            throw e;
        } catch (Exception e) {
            pptpFailure = e.getMessage() != null ? e.getMessage() : e.toString();
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Throws, as the new listener's start would, when the server could not listen on {@code bind}:
     * before the running server is closed, which ends every session. Otherwise a save refused for a
     * port another program holds ("nothing was changed") would have dropped every remote worker all
     * the same. Its own endpoint needs no check. Where the two overlap (the same port, on the same
     * address or either on all of them) the running one would be in the way of the check: it stops
     * accepting for that moment, its connections and sessions untouched, and goes on if the new one
     * cannot listen. What the check cannot see (another program binding in between) fails at the
     * start, as before.
     */
    private void checkCanListen(InetSocketAddress bind) throws Exception {
        InetSocketAddress now = pptp.address();
        if (bind.getPort() == 0 || bind.equals(now)) {
            return;
        }
        boolean overlaps = bind.getPort() == now.getPort() && (bind.getAddress().equals(now.getAddress())
                || bind.getAddress().isAnyLocalAddress() || now.getAddress().isAnyLocalAddress());
        if (!overlaps) {
            ControlServer.checkCanListen(transport, bind);
            return;
        }
        pptp.control().pause();
        try {
            ControlServer.checkCanListen(transport, bind);
        } catch (Exception e) {
            try {
                pptp.control().resume();
            } catch (Exception again) {
                // Taken in that instant: no listener now; the retries bring one back.
                LOG.warn("PPTP server cannot listen on {} again: {}", now, again.toString());
                e.addSuppressed(again);
                pptp.close("The VPN server restarts");
                pptp = null;
            }
            throw e;
        }
    }

    /**
     * For stored settings kept although their listener cannot start now (a factory reset whose port
     * is taken, an import whose listen address this router lacks for now): the server of the
     * settings before, left running by the failed check ({@link #checkCanListen}), stops with its
     * sessions rather than serve on with settings no longer stored, and the stored listener is
     * tried again until it starts, the Dashboard saying why the server does not run meanwhile.
     */
    synchronized void waitForStoredListener() {
        try {
            if (pptp != null && pptpFailure != null && restarts(applied, storedSettings())) {
                pptp.close("The VPN server restarts with new settings");
                pptp = null;
                store.logEvent("service", "PPTP server stopped: it cannot listen as its settings say; trying again"
                        + " until it can");
            }
        } catch (IOException e) {
            LOG.warn("PPTP server left as it runs: {}", e.getMessage()); // the retries read them again
        }
        retryPptpLater();
    }

    /**
     * The stored listener could not start: it is tried again (after 2 s, the wait doubling up to
     * 30 s) until it starts, or the server is switched off or started by a change of its settings.
     * At boot a listen address the owner chose (the WAN's, from DHCP) often arrives after the
     * service, and a port may be held by a program about to exit: the VPN must not stay down until
     * someone saves the VPN page or reboots. Only the first failure is an event; the start is one.
     */
    private synchronized void retryPptpLater() {
        if (closed || pptpRetry != null) {
            return;
        }
        if (pptpRetries == null) {
            pptpRetries = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pptp-listen-retry");
                t.setDaemon(true);
                return t;
            });
        }
        pptpRetry = pptpRetries.schedule(this::retryPptp, pptpRetryDelay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        Duration next = pptpRetryDelay.multipliedBy(2);
        pptpRetryDelay = next.compareTo(PPTP_RETRY_MAX) > 0 ? PPTP_RETRY_MAX : next;
    }

    private void retryPptp() {
        int tries;
        synchronized (this) {
            pptpRetry = null;
            if (closed || pptp != null || pptpFailure == null) {
                return; // started by a change of the settings, or stopping
            }
            pptpRetryCount++;
            try {
                Map<Setting, String> cfg = storedSettings();
                if (!Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED))) {
                    pptpFailure = null;
                    return; // switched off meanwhile (an import)
                }
                applyPptp(cfg);
            } catch (IOException | RuntimeException e) {
                LOG.debug("PPTP server still cannot start (try {}): {}", pptpRetryCount, e.toString());
                retryPptpLater();
                return;
            }
            tries = pptpRetryCount;
            pptpRetryCount = 0;
        }
        LOG.info("PPTP server started at try {} after it could not start", tries);
        admitFromWan();
    }

    /**
     * What the service's watchdog checks: the control connections' event loops, the data path's
     * loop, the sessions' timers, the configuration's lock and the database. Not the web UI's
     * threads, which a flood of slow clients may hold for a while: a restart would cost every
     * session for what the UI's own limits handle; nor the dial-out's, whose DNS lookups may wait.
     */
    List<ServiceWatchdog.Probe> watchdogProbes() {
        List<ServiceWatchdog.Probe> probes = new ArrayList<>();
        int i = 0;
        for (io.netty.util.concurrent.EventExecutor loop : transport.group()) {
            probes.add(new ServiceWatchdog.Probe("control event loop " + i++, loop));
        }
        if (dataPlane.loop() != null) {
            probes.add(new ServiceWatchdog.Probe("data path loop", dataPlane.loop()));
        }
        PptpService p = pptp;
        if (p != null) {
            probes.add(new ServiceWatchdog.Probe("session timers", p.timers()));
        }
        probes.add(lockProbe);
        probes.add(databaseProbe);
        return probes;
    }

    /**
     * Why this run started on factory settings (its database could not be read and was set aside,
     * or the image formatted the data partition at boot), until a configuration is imported or the
     * router reset: the dashboard and first-run setup ask for the last export.
     */
    java.util.Optional<String> settingsLost() {
        var aside = store.setAside();
        if (aside.isPresent()) {
            return java.util.Optional.of("The settings database could not be read at the last start and was set aside as "
                    + aside.get().getFileName());
        }
        return java.util.Optional.ofNullable(dataPartitionFormatted);
    }

    /**
     * While first-run setup follows the image's reset of the admin password: why. Once a new one is
     * chosen, or the router was reset to factory settings since, nothing.
     */
    java.util.Optional<String> adminPasswordReset() {
        String why = adminPasswordReset;
        try {
            if (why != null && store.adminPasswordHash().isPresent()) {
                adminPasswordReset = null;
                AdminPasswordReset.dealtWith(dataDir);
                return java.util.Optional.empty();
            }
        } catch (java.sql.SQLException e) {
            throw new StoreFailure(e);
        }
        return java.util.Optional.ofNullable(why);
    }

    /**
     * Why first-run setup is not served to {@code clientAddress} now, else empty. After the reset at
     * the router the VPN users are kept, and the UI is reachable through their tunnels (and a branch
     * office's): whoever reaches setup first chooses the admin password, and it must be someone at
     * the router's own LAN, not anyone with an account. So, meanwhile, setup answers only an
     * address on a LAN link of this router (not a point-to-point tunnel) and outside the VPN's
     * tunnel network (a pool inside the LAN's subnet, proxy-ARPed, is still a tunnel), or this host.
     */
    java.util.Optional<String> setupRefusedFrom(String clientAddress) {
        if (adminPasswordReset().isEmpty()) {
            return java.util.Optional.empty();
        }
        java.net.InetAddress a;
        try {
            a = java.net.InetAddress.ofLiteral(clientAddress);
        } catch (IllegalArgumentException e) {
            a = null;
        }
        if (a != null && (a.isLoopbackAddress() || onLanLink(a) && !inTunnelNetwork(a))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("After the reset at the router, the new admin password is chosen from a computer"
                + " on the router's own LAN (plugged into its LAN port, or on a switch or access point there), not through a VPN connection: every VPN user"
                + " was kept, and none of them should be the one who chooses it");
    }

    private static boolean onLanLink(java.net.InetAddress a) {
        try {
            for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback() || nif.isPointToPoint()) {
                    continue;
                }
                for (java.net.InterfaceAddress ia : nif.getInterfaceAddresses()) {
                    if (sameSubnet(ia.getAddress(), a, ia.getNetworkPrefixLength())) {
                        return true;
                    }
                }
            }
        } catch (java.net.SocketException e) {
            LOG.warn("cannot list this host's interfaces: {}", e.toString());
        }
        return false;
    }

    static boolean sameSubnet(java.net.InetAddress network, java.net.InetAddress a, int prefixLength) {
        byte[] x = network.getAddress();
        byte[] y = a.getAddress();
        if (x.length != y.length || prefixLength <= 0) {
            return false;
        }
        for (int bit = 0; bit < Math.min(prefixLength, x.length * 8); bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((x[bit / 8] & mask) != (y[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private boolean inTunnelNetwork(java.net.InetAddress a) {
        Map<Setting, String> cfg = applied;
        org.homerouter.webui.api.Subnet tunnel = tunnelNetwork(cfg != null ? cfg : startConfig);
        if (a instanceof java.net.Inet4Address v4 && tunnel != null
                && tunnel.contains(java.nio.ByteBuffer.wrap(v4.getAddress()).getInt())) {
            return true;
        }
        return sessions().stream().anyMatch(s -> s.ipConfiguration().flatMap(c -> c.peerAddress())
                .filter(a::equals).isPresent());
    }

    /** A configuration was imported, or the router reset: {@link #settingsLost} is dealt with. */
    void settingsLostDealtWith() {
        store.setAsideDealtWith();
        dataPartitionFormatted = null;
        DataPartitionNote.dealtWith(dataDir);
        // After a factory reset the settings are not kept, as setup would say after the image's reset.
        adminPasswordReset = null;
        AdminPasswordReset.dealtWith(dataDir);
    }

    /** Whether connections from the internet reach the VPN server: for the Dashboard. */
    InternetReach internetReach() {
        return internetReach;
    }

    /** The VPN login lockout the appliance keeps across listener restarts. */
    AuthFailureLockout vpnLockout() {
        return vpnLockout;
    }

    /** Why the enabled PPTP server is not running, when its last start failed; else null. */
    String pptpFailure() {
        return pptp == null ? pptpFailure : null;
    }

    private void startWeb(Map<Setting, String> cfg, Path dataDir) throws IOException {
        int port = overrides.uiPort() != null ? overrides.uiPort() : Integer.parseInt(cfg.get(Setting.UI_PORT));
        String address = overrides.uiAddress() != null ? overrides.uiAddress() : cfg.get(Setting.UI_LISTEN_ADDRESS);
        uiHost = address;
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(address), port);
        ApplianceVpnConfig vpn = new ApplianceVpnConfig(this);
        Backend backend = new Backend(new StoreAdminAccount(store), vpn, new StoreUserAccounts(store, this),
                new ApplianceSessions(this), new StoreEventLog(store), new ApplianceSystem(this, tlsKeyStore(dataDir)),
                new PassthroughView(), new EngineLockouts(vpnLockout, store), new ApplianceSiteToSite(this),
                new ImageFirmware(ImageFirmware.Paths.IMAGE, dataDir.resolve("firmware-update"), store::logEvent)
                        .started(), lan);
        web = new WebServer(new WebServer.Options(bind, tlsKeyStore(dataDir), cfg.get(Setting.HOST_NAME)), backend);
        try {
            uiPort = web.start();
        } catch (Exception e) {
            web.close();
            BindException be = new BindException("cannot serve the web UI on " + bind + ": " + e.getMessage());
            be.initCause(e);
            throw be;
        }
    }

    static Path tlsKeyStore(Path dataDir) {
        return dataDir.resolve("ui-tls.p12");
    }

    /** The port the web UI listens on. */
    public int uiPort() {
        return uiPort;
    }

    /** The address the web UI listens on, as given: "0.0.0.0" for every one. */
    String uiHost() {
        return uiHost;
    }

    WebServer web() {
        return web;
    }

    public ApplianceStore store() {
        return store;
    }

    DataPlane dataPlane() {
        return dataPlane;
    }

    SessionAccounting accounting() {
        return accounting;
    }

    PptpService pptp() {
        return pptp;
    }

    /** Where the PPTP server listens, or null when it is disabled. */
    public InetSocketAddress pptpAddress() {
        PptpService p = pptp;
        return p == null ? null : p.address();
    }

    public ControlServer pptpServer() {
        PptpService p = pptp;
        return p == null ? null : p.control();
    }

    /** The live PPP sessions. */
    public List<PppSession> sessions() {
        PptpService p = pptp;
        return p == null ? List.of() : p.sessions();
    }

    /** Deletes the HTTPS key so a factory-reset router makes a new one. */
    void forgetTlsKey(Path keyStore) {
        try {
            Files.deleteIfExists(keyStore);
            Files.deleteIfExists(keyStore.resolveSibling(keyStore.getFileName() + ".unreadable"));
        } catch (IOException e) {
            LOG.warn("removing {}: {}", keyStore, e.toString());
        }
    }

    /** Orderly stop: Stop-Control-Connection-Request to every peer, then the event loops and the store. */
    @Override
    public void close() {
        if (web != null) {
            web.close();
        }
        synchronized (this) {
            closed = true;
            if (pptpRetries != null) {
                pptpRetries.shutdownNow();
            }
            if (dialOut != null) {
                dialOut.close();
            }
            if (pptp != null) {
                pptp.close();
            }
            if (lanDns != null) {
                lanDns.close(); // held still if the owner wants everything through the tunnel
            }
        }
        synchronized (wanLock) {
            // A dial-out's late callback (a DNS answer after its stop) must not admit again what this empties.
            wanClosed = true;
            if (wan != null) {
                wan.close();
            }
        }
        if (inboundForward != null) {
            inboundForward.close();
        }
        if (passthrough != null) {
            passthrough.close();
        }
        transport.shutdown(Duration.ofSeconds(2));
        dataPlane.close();
        accounting.close(); // the end rows of the sessions just hung up
        clockSteps.close();
        agedRecords.close(); // after a batch that is under way: the store closes below
        housekeeping.shutdownNow();
        store.logEvent("service", "appliance stopped");
        try {
            store.close();
        } catch (SQLException e) {
            LOG.warn("closing the database: {}", e.toString());
        }
    }
}
