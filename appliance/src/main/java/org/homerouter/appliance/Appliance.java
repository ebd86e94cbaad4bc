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
import org.homerouter.appliance.store.ReadOnlyStorage;
import org.homerouter.appliance.store.Setting;
import org.homerouter.bridge.alg.InboundPptpForward;
import org.homerouter.bridge.firewall.WanAdmission;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.webui.WebServer;
import org.homerouter.webui.api.Backend;
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
    /** The PPTP passthrough ALG and inbound forward, as the Passthrough page sets them. */
    private final AppliancePassthrough passthrough;
    private WebServer web;
    private int uiPort;
    /** The address the web UI listens on, as given (the settings', or the command line's). */
    private String uiHost;
    /** The site-to-site dial-out for the stored settings. */
    private final ApplianceDialOut dialOut;
    /** The networks kept unreachable while their tunnel is down, and the LAN's DNS held for the dial-out. */
    private final TunnelOnlyNetworks tunnelOnly;
    /** The WAN's address, watched by the housekeeping (its thread only). */
    private final WanWatch wanWatch;
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
    private final Path dataDir;
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
                      Overrides overrides, Path dataDir) {
        this.store = store;
        this.transport = transport;
        this.dataPlane = dataPlane;
        this.dataDir = dataDir;
        this.accounting = new SessionAccounting(store);
        this.startConfig = Map.copyOf(cfg);
        this.overrides = overrides;
        this.clockSteps = ClockSteps.system(line -> store.logEvent("service", line), (upTo, step) -> {
            accounting.flush(); // the records still waiting to be written carry the old clock's times too
            return store.restampThisRun(upTo, step);
        });
        this.agedRecords = AgedRecords.system(store);
        this.wanRetry = new KernelRetry(line -> store.logEvent("service", line));
        this.passthrough = new AppliancePassthrough(store, dataPlane, this::admitFromWan);
        this.tunnelOnly = new TunnelOnlyNetworks(store, dataPlane, dataDir, this::serverPort);
        if (store.setAside().isPresent()) {
            tunnelOnly.settingsLost(); // before the first keep, which would lift what the lost settings held
        }
        this.wanWatch = new WanWatch(event -> {
            LOG.info("{}", event);
            store.logEvent("service", event);
        });
        this.dialOut = new ApplianceDialOut(store, dataPlane, transport, tunnelOnly::lanDns, this::admitFromWan,
                this::pptp);
        this.lockProbe = new ServiceWatchdog.Probe("configuration lock",
                task -> Thread.ofVirtual().name("watchdog-lock").start(() -> {
                    synchronized (this) {
                        task.run();
                    }
                }));
        this.databaseProbe = new ServiceWatchdog.Probe("database", task -> Thread.ofVirtual().name("watchdog-db").start(() -> {
            try {
                store.settings();
            } catch (java.sql.SQLException | RuntimeException e) {
                // It answered: an error is the pages' to show, not a hang (a restart every two
                // minutes, cutting every session, would not mend it).
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
        return start(dbFile, overrides, dataPlane, ReadOnlyStorage::of);
    }

    /**
     * As above; {@code readOnlyStorage} tells whether the data directory is on read-only storage
     * (tests, as root, cannot make one without a mount).
     */
    static Appliance start(Path dbFile, Overrides overrides, DataPlane dataPlane,
            java.util.function.Predicate<Path> readOnlyStorage) throws SQLException, IOException, InterruptedException {
        Path dataDir = dbFile.toAbsolutePath().getParent();
        ApplianceStore store;
        if (java.nio.file.Files.isDirectory(dataDir) && readOnlyStorage.test(dataDir)) {
            // Worn flash: the service used to exit at every start here, leaving the owner without
            // the VPN, the pages and the export they need to move to a new router. It starts on
            // the stored configuration and writes nothing.
            LOG.error("{} is on read-only storage: {}", dataDir, ReadOnlyStorage.SENTENCE);
            store = ApplianceStore.openReadOnly(dbFile);
            LOG.info("configuration: {} (schema version {}, read-only)", dbFile.toAbsolutePath(), store.schemaVersion());
        } else {
            boolean reserveUsed = StorageReserve.releaseIfFull(dataDir);
            store = ApplianceStore.openOrSetAside(dbFile);
            LOG.info("configuration: {} (schema version {})", dbFile.toAbsolutePath(), store.schemaVersion());
            if (store.setAside().isPresent()) {
                keepLanOfLostSettings(store, dataDir);
            }
            if (reserveUsed) {
                store.logEvent("service", "the router's storage was full: it started on the room it keeps for that. "
                        + StorageReserve.HOW_TO_FREE);
            }
            StorageReserve.keep(dataDir);
            ApplianceStore opened = store;
            LastRun.start(dataDir, LastRun.bootId(), System.currentTimeMillis()).ifPresent(unclean -> {
                LOG.warn("{}", unclean);
                opened.logEvent("service", unclean);
            });
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
        }
        Map<Setting, String> cfg = store.settings();
        NettyTransport transport = NettyTransport.create(2, "pptp-io");
        if (NettyTransport.epollUnavailableReason() != null) {
            LOG.info("native epoll unavailable ({}); using NIO", NettyTransport.epollUnavailableReason());
        }
        Appliance appliance = new Appliance(store, transport, dataPlane, cfg, overrides, dataDir);
        KnownLogins.seed(store, appliance.vpnLockout, System.currentTimeMillis());
        if (!dataPlane.available()) {
            LOG.warn("{}", dataPlane.unavailableReason()); // the journal says why no session can start
        }
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
        noteStoredAddressProblems(store, cfg);
        appliance.clockSteps.start(appliance.housekeeping);
        appliance.agedRecords.start(appliance.housekeeping);
        appliance.accounting.start(appliance.housekeeping);
        appliance.housekeeping.scheduleWithFixedDelay(Guarded.task("trying kernel changes again", () -> {
            appliance.retryKernelChanges();
            appliance.checkListenAddress();
            appliance.wanWatch.look(RouterNetworks.now().wans());
        }), KernelRetry.PERIOD.toMillis(), KernelRetry.PERIOD.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        appliance.applyPassthrough(cfg, true);
        appliance.tunnelOnly.findLanDns();
        appliance.applyDialOut(cfg, false);
        if (dataPlane.linux()) {
            appliance.wan = WanAdmission.find((String) null); // this namespace
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

    /** The Passthrough page's two settings, applied now ({@link AppliancePassthrough#apply}). */
    synchronized void applyPassthrough(Map<Setting, String> cfg, boolean atStart) {
        passthrough.apply(cfg, atStart);
    }

    /**
     * The settings were set aside (unreadable, or a newer firmware's), and the router starts on
     * defaults: but on the LAN the image gave it at this boot, from the lost settings' file. The
     * defaults' 192.168.1.1 went into that file, and the LAN moved at the next restart, away from
     * where the owner reached the router, often before they had imported their export.
     */
    private static void keepLanOfLostSettings(ApplianceStore store, Path dataDir) {
        ApplianceLan.read(dataDir).ifPresent(lan -> {
            try {
                // Not onto the defaults' VPN tunnel network (the lost settings had moved it away).
                org.homerouter.webui.api.Subnet tunnel = tunnelNetwork(store.settings());
                if (tunnel != null && org.homerouter.webui.api.RoutedSubnets.overlap(
                        org.homerouter.webui.api.LanSettings.network(lan), tunnel)) {
                    store.logEvent("config", "the LAN address " + lan + " of the lost settings overlaps the default VPN"
                            + " tunnel network: the LAN takes the default address at the next restart");
                    return;
                }
                store.putSettings(Map.of(Setting.LAN_ADDRESS, lan), "LAN address " + lan + "/" + ApplianceLan.PREFIX
                        + " kept from the lost settings, where the router is now");
            } catch (SQLException e) {
                LOG.warn("keeping the LAN address {} of the lost settings: {}", lan, e.getMessage());
            }
        });
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
        return dialOut.everythingThroughTunnel();
    }

    /** The site-to-site tunnel's server as its last dial found it; empty without a dial-out. */
    java.util.Optional<java.net.Inet4Address> dialOutServer() {
        return dialOut.server();
    }

    /** What {@link #admitFromWan} sets, each part on its own: one that fails must not keep the others out. */
    private void setWanNow() throws IOException {
        PptpService p = pptp;
        java.net.Inet4Address server = dialOut.server().orElse(null);
        InboundPptpForward inboundForward = passthrough.inboundForward();
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
        if (passthrough.leftoversFailing()) {
            synchronized (this) {
                if (!closed) {
                    passthrough.retryLeftovers();
                }
            }
        }
        if (tunnelOnly.failing() || tunnelOnly.changedOutside()) {
            synchronized (this) {
                if (!closed) {
                    keepTunnelOnlyNetworks(); // with the networks as they are now, not as they were when it failed
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
     * Starts, stops or redials the site-to-site tunnel for the stored settings ({@link
     * ApplianceDialOut#apply}), then keeps the networks reached through tunnels as they now are.
     */
    private synchronized void applyDialOut(Map<Setting, String> cfg, boolean itsPage) {
        try {
            dialOut.apply(cfg, itsPage);
        } finally {
            keepTunnelOnlyNetworks();
        }
    }

    /**
     * Keeps the networks reached only through a tunnel unreachable while it is down ({@link
     * TunnelOnlyNetworks#keep}): at start and after every change to them.
     */
    synchronized void keepTunnelOnlyNetworks() {
        // The owner's intent, not whether the dial-out could start: a configuration it refuses
        // (an overlap found only now) must not send the LAN out in clear either.
        tunnelOnly.keep(dialOut.networks(), dialOut.everythingThroughTunnel());
    }

    /**
     * Whether forwarded traffic is held off the router's own default route for the dial-out's
     * "everything else" (its rules are in): LAN hosts reach nothing beyond the LAN while it is down.
     */
    boolean forwardedHeldForTunnel() {
        return tunnelOnly.forwardedHeldForTunnel();
    }

    /**
     * The dial-out's configuration in {@code cfg}, checked as at its start against this router's
     * networks ({@link ApplianceDialOut#config}): the command line's import checks it so too.
     *
     * @throws IllegalArgumentException why it cannot start with it, in the Site-to-site page's words
     */
    static DialOut.Config dialOutConfig(Map<Setting, String> cfg) {
        return ApplianceDialOut.config(cfg);
    }

    /**
     * Why the site-to-site tunnel, switched on in the stored settings, was left off for them ({@link
     * ApplianceDialOut#notStarted}).
     */
    java.util.Optional<String> dialOutNotStarted() {
        return dialOut.notStarted();
    }

    /**
     * Says, in the event log and the journal, which stored VPN server addresses the VPN server page
     * now refuses (a public tunnel network, a loopback DNS server, ...: {@link
     * org.homerouter.webui.api.VpnAddresses}), from an older database or an import made before the
     * rule. The server runs with them all the same, as before: refusing to start would leave the
     * clients that work with them, a mistyped WINS server say, without their VPN, and the page where
     * they are corrected shows the same words at its next save.
     */
    static void noteStoredAddressProblems(ApplianceStore store, Map<Setting, String> cfg) {
        storedAddressProblems(cfg).ifPresent(line -> {
            LOG.warn("{}", line);
            store.logEvent("service", line);
        });
    }

    /** What {@link #noteStoredAddressProblems} says about {@code cfg}, if anything (an import's warning too). */
    static java.util.Optional<String> storedAddressProblems(Map<Setting, String> cfg) {
        List<String> problems = addressProblems(cfg);
        return problems.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of("the stored VPN server settings"
                + " hold what the VPN server page refuses, and run as they are until corrected there: "
                + String.join("; ", problems));
    }

    /** What the VPN server page would refuse among {@code cfg}'s addresses, in its words: none when it takes them all. */
    static List<String> addressProblems(Map<Setting, String> cfg) {
        return org.homerouter.webui.VpnSettingsCheck.addressProblems(cfg.get(Setting.PPTP_LOCAL_ADDRESS),
                cfg.get(Setting.PPTP_DNS_PRIMARY), cfg.get(Setting.PPTP_DNS_SECONDARY), cfg.get(Setting.PPTP_WINS_PRIMARY),
                cfg.get(Setting.PPTP_WINS_SECONDARY));
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
    static String tunnelCidr(Map<Setting, String> cfg) {
        org.homerouter.webui.api.Subnet tunnel = tunnelNetwork(cfg);
        return tunnel == null ? null : org.homerouter.webui.api.RoutedSubnets.cidr(tunnel);
    }

    /** What the site-to-site dial-out is doing, for the dashboard and status. */
    DialOut.State dialOutState() {
        return dialOut.state();
    }

    /**
     * The address pool of the VPN server last stopped, until the next one starts: the addresses its
     * sessions gave back stay their accounts' there for a while ({@link PptpService#start}).
     */
    private org.homerouter.pptp.session.AddressPool retiredPool;

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
                retiredPool = pptp.pool();
                pptp.close(want ? "The VPN server restarts with new settings" : "The VPN server was switched off");
                pptp = null;
                store.logEvent("service", want ? "PPTP server restarting for the new listen settings" : "PPTP server stopped");
            }
            if (want && pptp == null) {
                // Taken before the start: a start that fails (its port taken) has handed it over
                // already, and a later try with it would be refused ("already handed over") for good.
                var previous = retiredPool;
                retiredPool = null;
                pptp = PptpService.start(cfg, store, transport, dataPlane, bind, accounting, vpnLockout,
                        this::everythingThroughTunnel, previous);
                internetReach.listening();
                pptp.control().onCallPlaced(internetReach::callPlaced); // the first moment's calls may go uncounted
                pptp.control().onRefused(internetReach::refused);
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
        var aside = store.setAsideWhy();
        if (aside.isPresent()) {
            return aside;
        }
        if (dataPartitionFormatted == null && !tunnelOnly.heldForLostSettings().isEmpty()) {
            // Restarted since: the holds kept for the lost settings still stand, and need the same answer.
            return java.util.Optional.of("The settings database could not be read at an earlier start");
        }
        return java.util.Optional.ofNullable(dataPartitionFormatted);
    }

    /** What the router keeps held for its lost settings ({@link TunnelOnlyNetworks#settingsLost}); nothing once dealt with. */
    org.homerouter.bridge.route.BootHold.Held lostSettingsHeld() {
        return tunnelOnly.heldForLostSettings();
    }

    /**
     * While {@link #settingsLost}: what the router kept to its tunnels before, which stays held
     * until the settings are imported or reset ({@link TunnelOnlyNetworks#settingsLost}), in words; else empty.
     */
    java.util.Optional<String> heldForLostSettings() {
        var held = tunnelOnly.heldForLostSettings();
        if (held.isEmpty()) {
            return java.util.Optional.empty();
        }
        List<String> what = new java.util.ArrayList<>();
        if (held.defaultRouteHeld()) {
            what.add("the LAN reaches nothing beyond this router, nor its DNS (all its traffic went through the"
                    + " site-to-site tunnel)");
        }
        if (!held.unreachable().isEmpty()) {
            what.add("the LAN does not reach " + String.join(", ", held.unreachable()) + " (reached only through"
                    + " tunnels)");
        }
        return java.util.Optional.of("Until then, what the router kept to its tunnels stays held, so that nothing goes"
                + " out in clear: " + String.join("; ", what) + ". A factory reset on the System page lifts it.");
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
        tunnelOnly.settingsLostDealtWith();
        keepTunnelOnlyNetworks(); // the imported settings' holds alone now, or none after a reset
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
                passthrough, new EngineLockouts(vpnLockout, store), new ApplianceSiteToSite(this),
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

    /** Whether the router image's base firewall is here for us to admit PPTP from the WAN ({@link WanAdmission#present}). */
    boolean wanFirewallPresent() {
        WanAdmission w = wan;
        return w != null && w.present();
    }

    /** Whether admitting PPTP from the WAN failed and is being tried again. */
    boolean wanFirewallFailing() {
        return wanRetry.failing();
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
        try {
            closeAll();
        } finally {
            // Also when something above threw: it was a stop, not a crash, for the next start to say.
            if (!store.readOnly()) {
                LastRun.stopped(dataDir);
            }
        }
    }

    private void closeAll() {
        if (web != null) {
            web.close();
        }
        synchronized (this) {
            closed = true;
            if (pptpRetries != null) {
                pptpRetries.shutdownNow();
            }
            dialOut.close();
            if (pptp != null) {
                pptp.close();
            }
            tunnelOnly.close();
        }
        synchronized (wanLock) {
            // A dial-out's late callback (a DNS answer after its stop) must not admit again what this empties.
            wanClosed = true;
            if (wan != null) {
                wan.close();
            }
        }
        passthrough.close();
        transport.shutdown(Duration.ofSeconds(2));
        dataPlane.close();
        // The clock's check first: a restamp under way waits for the records' writer (its flush).
        clockSteps.close();
        accounting.close(); // the end rows of the sessions just hung up
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
