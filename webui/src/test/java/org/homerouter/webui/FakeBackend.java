package org.homerouter.webui;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.homerouter.webui.api.AdminAccount;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.EventLog;
import org.homerouter.webui.api.LiveSessions;
import org.homerouter.webui.api.PassthroughCalls;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.SiteToSite;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.SystemAdmin;
import org.homerouter.webui.api.UserAccounts;
import org.homerouter.webui.api.VpnConfig;
import org.homerouter.webui.api.VpnLockouts;
import org.homerouter.webui.api.VpnSettings;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.SettingRefused;

/** The appliance's side of the UI, in memory: records what the pages changed. */
final class FakeBackend implements AdminAccount, VpnConfig, UserAccounts, LiveSessions, EventLog, SystemAdmin,
        VpnLockouts {
    volatile String hash;
    volatile VpnSettings vpn = new VpnSettings(true, "0.0.0.0", 1723, "192.168.250.1", "192.168.250.10",
            "192.168.250.59", "", "", "", "", new LinkedHashSet<>(List.of("mschapv2")), "require-128", 50, 0);
    final Map<String, UserRow> users = new TreeMap<>();
    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<ActiveSession> active = new CopyOnWriteArrayList<>();
    final List<SessionRecord> history = new CopyOnWriteArrayList<>();
    final List<Integer> disconnected = new CopyOnWriteArrayList<>();
    volatile int applied;
    volatile boolean passthrough;
    volatile boolean https;
    volatile int resets;
    volatile String imported;
    List<Subnet> lans = List.of(new Subnet("eth0", Ipv4.parse("192.168.1.0"), 24, Subnet.Side.LAN));

    volatile SiteToSite.Settings siteToSiteSettings = SiteToSite.NONE.settings();
    volatile String siteToSitePassword;
    volatile SiteToSite.Status siteToSiteStatus = SiteToSite.NONE.status();
    /** Why an enabled dial-out cannot start, as the appliance says it; "" when it dials. */
    volatile String siteToSiteRefusal = "";
    /** The dial-out as the appliance checks it: the LANs and the tunnel network are its own. */
    final SiteToSite siteToSite = new SiteToSite() {
        @Override public Settings settings() { return siteToSiteSettings; }
        @Override public Status status() { return siteToSiteStatus; }
        @Override public String checkSubnets(String server, String subnets) {
            List<Subnet> parsed = RoutedSubnets.parse(subnets, "the remote site");
            RoutedSubnets.checkAgainstLocal(parsed, lans, new Subnet("tunnel", Ipv4.parse(vpn.localAddress()), 24));
            if (!server.isEmpty()) {
                RoutedSubnets.checkServerOutside(parsed, Ipv4.parse(server));
            }
            return RoutedSubnets.format(parsed);
        }
        @Override public void apply(Settings settings, String password, String event) {
            siteToSiteSettings = new Settings(settings.enabled(), settings.server(), settings.user(), settings.mppe(),
                    settings.subnets(), settings.defaultRoute(), settings.passwordSet() || password != null);
            if (password != null) {
                siteToSitePassword = password;
            }
            siteToSiteStatus = !settings.enabled() ? SiteToSite.NONE.status() : siteToSiteRefusal.isEmpty()
                    ? new SiteToSite.Status("connecting", "dialling " + settings.server(), "")
                    : new SiteToSite.Status("off", "off (" + siteToSiteRefusal + ")", siteToSiteRefusal);
            log("config", event);
        }
    };

    Backend backend() {
        return new Backend(this, this, this, this, this, this, PassthroughCalls.NONE, this, siteToSite, firmware, lan);
    }

    /** The LAN as the appliance keeps it: the address saved, the one the LAN has, what refuses a new one. */
    volatile String lanSaved = org.homerouter.webui.api.LanSettings.DEFAULT_ADDRESS;
    volatile String lanNow = org.homerouter.webui.api.LanSettings.DEFAULT_ADDRESS;
    volatile String lanNotSettable = "";
    /** The appliance's refusal of the next address saved (an overlap it found), or null. */
    volatile SettingRefused lanRefusal;
    final org.homerouter.webui.api.LanSettings lan = new org.homerouter.webui.api.LanSettings() {
        @Override public java.util.Optional<String> notSettable() {
            return lanNotSettable.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(lanNotSettable);
        }
        @Override public String address() { return lanSaved; }
        @Override public boolean inEffect() { return lanSaved.equals(lanNow); }
        @Override public void set(String address, String from) {
            if (lanRefusal != null) {
                throw lanRefusal;
            }
            lanSaved = address;
            log("config", "LAN address set to " + address + "/24 from " + from);
        }
    };

    /** The update file as the installer received it, the installer's answer, the restarts asked for. */
    final java.io.ByteArrayOutputStream firmwareReceived = new java.io.ByteArrayOutputStream();
    volatile org.homerouter.webui.api.Firmware.Outcome firmwareAnswer =
            new org.homerouter.webui.api.Firmware.Outcome(true, "homerouter-update: slot b written and verified; reboot"
                    + " to start 0.1.0+202612061015.def5678 (tried once, kept when it comes up)");
    volatile boolean firmwareUpdatable = true;
    /** The processor the router runs on, as Java's os.arch names it. */
    volatile String machineArch = "aarch64";
    volatile String firmwareWaiting;
    volatile String firmwareFailed;
    volatile int firmwareAborted;
    volatile int restarts;
    /** Why the next restart cannot be scheduled (the installer's answer), or null. */
    volatile String restartFailure;
    final org.homerouter.webui.api.Firmware firmware = new org.homerouter.webui.api.Firmware() {
        @Override public String version() { return "0.1.0+202612011200.abc1234"; }
        @Override public Optional<String> notUpdatable() {
            return firmwareUpdatable ? Optional.empty() : Optional.of("Not on the router image.");
        }
        @Override public String machineArchitecture() { return machineArch; }
        @Override public Optional<String> waitingForRestart() { return Optional.ofNullable(firmwareWaiting); }
        @Override public Optional<String> lastUpdateFailed() { return Optional.ofNullable(firmwareFailed); }
        @Override public Upload begin(String from) {
            synchronized (firmwareReceived) {
                firmwareReceived.reset();
            }
            return new Upload() {
                @Override public void write(java.nio.ByteBuffer bytes) {
                    byte[] b = new byte[bytes.remaining()];
                    bytes.get(b);
                    synchronized (firmwareReceived) {
                        firmwareReceived.writeBytes(b);
                    }
                }
                @Override public Outcome finish() {
                    if (firmwareAnswer.installed()) {
                        firmwareWaiting = "0.1.0+202612061015.def5678";
                    }
                    return firmwareAnswer;
                }
                @Override public void abort() { firmwareAborted++; }
            };
        }
        @Override public void restart(String from) {
            if (restartFailure != null) {
                throw new IllegalStateException(restartFailure);
            }
            restarts++;
        }
    };

    final List<VpnLockouts.Lockout> vpnLocked = new CopyOnWriteArrayList<>();
    @Override public List<VpnLockouts.Lockout> current() { return List.copyOf(vpnLocked); }
    @Override public boolean unlock(String key, String event) {
        boolean done = vpnLocked.removeIf(l -> l.key().equals(key));
        if (done) {
            log("admin", event);
        }
        return done;
    }

    /** When set, each admin password store waits here first (tests make two stores meet). */
    volatile java.util.concurrent.CyclicBarrier adminStoreGate;

    private void adminStoreGate() {
        java.util.concurrent.CyclicBarrier gate = adminStoreGate;
        if (gate != null) {
            try {
                gate.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the other store did not come", e);
            }
        }
    }

    /** As the appliance keeps it: made once, kept across restarts of the UI, replaced at a factory reset. */
    volatile byte[] knownDeviceKey = newKey();
    private static byte[] newKey() {
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        return k;
    }
    @Override public byte[] knownDeviceKey() { return knownDeviceKey.clone(); }

    /** How long each read of the password hash takes: a slow SD card under the store. */
    volatile long passwordHashReadMs;
    @Override public Optional<String> passwordHash() {
        if (passwordHashReadMs > 0) {
            try {
                Thread.sleep(passwordHashReadMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Optional.ofNullable(hash);
    }
    @Override public boolean changePasswordHash(String previous, String h, String event) {
        adminStoreGate();
        synchronized (this) {
            if (!java.util.Objects.equals(hash, previous)) {
                return false;
            }
            hash = h;
        }
        log("admin", event);
        return true;
    }
    @Override public boolean setFirstPasswordHash(String h, String event) {
        adminStoreGate();
        synchronized (this) {
            if (hash != null) {
                return false;
            }
            hash = h;
        }
        log("admin", event);
        return true;
    }

    @Override public VpnSettings vpn() { return vpn; }
    @Override public int apply(VpnSettings s, String event) {
        vpnApplyGate();
        vpn = s;
        applied++;
        log("config", event);
        return 0;
    }
    /** When set, each VPN settings save says it has begun, then waits to be let through (tests make two saves meet). */
    volatile java.util.concurrent.Semaphore vpnApplyEntered;
    volatile java.util.concurrent.CountDownLatch vpnApplyRelease;

    private void vpnApplyGate() {
        java.util.concurrent.CountDownLatch release = vpnApplyRelease;
        if (release != null) {
            vpnApplyEntered.release();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
    @Override public List<Subnet> lanNetworks() { return lans; }
    @Override public synchronized List<Subnet> routedNetworks() {
        return RoutedSubnets.routed(routed, siteToSiteSettings.subnets());
    }
    List<String> hostDns = List.of();
    boolean hostDnsIpv6Only;
    @Override public List<String> hostNameServers() { return hostDns; }
    @Override public boolean hostNameServersIpv6Only() { return hostDnsIpv6Only; }
    /** As the appliance decides it: these fields need a new listener. */
    @Override public boolean restartsServer(VpnSettings a, VpnSettings c) {
        return a.enabled() != c.enabled() || !a.listenAddress().equals(c.listenAddress()) || a.port() != c.port();
    }
    @Override public boolean passthroughEnabled() { return passthrough; }
    volatile String inboundServer = "";
    volatile String clientsDial = "";
    volatile org.homerouter.webui.api.WanSide wanSide;
    @Override public Optional<org.homerouter.webui.api.WanSide> wanSide() { return Optional.ofNullable(wanSide); }
    @Override public String inboundServer() { return inboundServer; }
    @Override public void setPassthrough(boolean on, String inbound, String event) {
        passthrough = on;
        inboundServer = inbound;
        log("config", event);
    }

    /** Thrown by the user accounts' reads and writes while set, as the appliance's store does when its disk fails. */
    volatile RuntimeException storageFailure;

    /** Calls of {@link #users()}: every row with its last connection, read from the whole history. */
    final java.util.concurrent.atomic.AtomicInteger userListings = new java.util.concurrent.atomic.AtomicInteger();

    @Override public synchronized List<UserRow> users() {
        userListings.incrementAndGet();
        if (storageFailure != null) {
            throw storageFailure;
        }
        return new ArrayList<>(users.values());
    }
    @Override public synchronized int count() {
        if (storageFailure != null) {
            throw storageFailure;
        }
        return users.size();
    }
    @Override public synchronized Optional<UserRow> user(String name) { return Optional.ofNullable(users.get(name)); }
    @Override public synchronized boolean add(String name, String pw, boolean enabled, String addr, String event) {
        if (storageFailure != null) {
            throw storageFailure;
        }
        if (users.containsKey(name)) {
            return false;
        }
        users.put(name, new UserRow(name, enabled, addr, false, UserAccounts.LastConnection.NEVER));
        log("config", event);
        return true;
    }
    @Override public synchronized boolean update(String name, boolean enabled, String addr, String event) {
        if (!users.containsKey(name)) {
            return false;
        }
        // An edit leaves the account's history as it was.
        users.put(name, new UserRow(name, enabled, addr, false, users.get(name).lastConnection()));
        log("config", event);
        return true;
    }
    @Override public synchronized boolean setPassword(String name, String pw, String event) {
        log("config", event);
        return users.containsKey(name);
    }
    final Map<String, String> routed = new TreeMap<>();
    @Override public synchronized String routedSubnets(String name) { return routed.getOrDefault(name, ""); }
    @Override public synchronized String checkRoutedSubnets(String name, String subnets) {
        List<Subnet> parsed = RoutedSubnets.parse(subnets, name);
        RoutedSubnets.checkAgainstLocal(parsed, lans, new Subnet("tunnel", Ipv4.parse(vpn.localAddress()), 24));
        return RoutedSubnets.format(parsed);
    }
    @Override public synchronized boolean setRoutedSubnets(String name, String subnets, String event) {
        if (!users.containsKey(name)) {
            return false;
        }
        routed.put(name, subnets);
        log("config", event);
        return true;
    }
    @Override public synchronized boolean delete(String name, String event) {
        log("config", event);
        return users.remove(name) != null;
    }

    @Override public ServerState state() { return new ServerState("test", vpn.enabled(), vpn.enabled(), "every address of this router, TCP port 1723", 64, "", clientsDial); }
    @Override public List<ActiveSession> active() { return active; }
    @Override public boolean disconnect(int callId, String event) {
        disconnected.add(callId);
        log("admin", event);
        return active.removeIf(s -> s.callId() == callId);
    }
    @Override public Totals totals() { return new Totals(1000, 2000, active.size(), 3, 7); }
    @Override public List<SessionRecord> history(int limit) { return history.stream().limit(limit).toList(); }

    @Override public void log(String kind, String message) { events.addFirst(new Event(System.currentTimeMillis(), kind, message)); }
    @Override public List<Event> recent(int limit, String kind) {
        return events.stream().filter(e -> kind == null || e.kind().equals(kind)).limit(limit).toList();
    }

    /** An account's NT hash in the export: MS-CHAPv2 takes it for the password. */
    static final String EXPORTED_NT_HASH = "8846f7eaee8fb117ad06bdd830b7586c";
    /** The dial-out's, in the export too. */
    static final String EXPORTED_DIALOUT_NT_HASH = "32ed87bdb5fdc5e9cba88547376818d4";
    static final String EXPORTED = "{\"settings\":{\"dialout.nt_hash\":\"" + EXPORTED_DIALOUT_NT_HASH + "\"},"
            + "\"users\":[{\"name\":\"alice\",\"nt_hash\":\"" + EXPORTED_NT_HASH + "\"}]}";

    @Override public String exportFileName(java.time.LocalDate day) {
        return "homerouter-config-fake-" + day + ".json";
    }
    @Override public String exportJson(String event) {
        log("admin", event);
        return EXPORTED;
    }
    /** What the next import reports: whom it hung up, and whether the VPN server waits for its address. */
    volatile Imported importResult = new Imported(List.of(), java.util.Optional.empty(), List.of());
    @Override public Imported importJson(String json, String event) {
        if (!json.startsWith("{")) {
            throw new IllegalArgumentException("not JSON");
        }
        imported = json;
        return importResult;
    }
    @Override public void factoryReset() { hash = null; users.clear(); knownDeviceKey = newKey(); resets++; }
    @Override public boolean httpsEnabled() { return https; }
    volatile int httpsPort;
    @Override public int httpsPort() { return httpsPort; }
    @Override public void setHttps(boolean on, int port, String event) {
        https = on;
        httpsPort = port;
        log("config", event);
    }
    @Override public String metricsToken() { return "s3cret-token"; }
    volatile boolean clockNotSynchronized;
    @Override public boolean clockNotSynchronized() { return clockNotSynchronized; }
    volatile String storageFull;
    @Override public java.util.Optional<String> storageFull() { return java.util.Optional.ofNullable(storageFull); }
    volatile String settingsLost = "";
    @Override public java.util.Optional<String> settingsLost() { return java.util.Optional.of(settingsLost).filter(s -> !s.isEmpty()); }
    /** The command line's way back in that the login page names; empty as on the router image. */
    volatile String adminPasswordCommand = "";
    @Override public java.util.Optional<String> adminPasswordCommand() { return java.util.Optional.of(adminPasswordCommand).filter(s -> !s.isEmpty()); }
    volatile String adminPasswordReset = "";
    @Override public java.util.Optional<String> adminPasswordReset() { return java.util.Optional.of(adminPasswordReset).filter(s -> !s.isEmpty()); }
    /** Addresses first-run setup refuses, and why. */
    final Map<String, String> setupRefused = new java.util.concurrent.ConcurrentHashMap<>();
    @Override public java.util.Optional<String> setupRefusedFrom(String clientAddress) { return java.util.Optional.ofNullable(setupRefused.get(clientAddress)); }

    static Set<String> set(String... s) {
        return new LinkedHashSet<>(List.of(s));
    }
}
