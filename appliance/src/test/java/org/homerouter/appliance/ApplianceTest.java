package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.tcp.ClientConnection;
import org.homerouter.pptp.control.tcp.ControlClient;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.session.SessionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplianceTest {
    /** These tests never touch the machine's network configuration: no raw sockets, TUN or nftables. */
    private static final DataPlane NO_DATA_PLANE = DataPlane.unavailable("test: no data plane");
    private static final java.net.InetAddress SERVER_GRE = java.net.InetAddress.getLoopbackAddress();

    private final org.homerouter.pptp.gre.InMemoryGreNetwork network = new org.homerouter.pptp.gre.InMemoryGreNetwork();
    private final java.util.List<org.homerouter.pptp.tunnel.InMemoryTunnelDevice> serverDevices =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** GRE and tunnel devices in memory: sessions run for real, nothing reaches the kernel. */
    private DataPlane inMemory() {
        return inMemory(SERVER_GRE);
    }

    /** A dial-in account with this password, enabled or not. */
    private static void addUser(ApplianceStore store, String name, String password, boolean enabled) throws Exception {
        store.addUser(new org.homerouter.appliance.store.VpnUser(name, org.homerouter.pptp.auth.NtPasswordHash.of(password),
                java.util.Optional.empty(), enabled, java.util.Optional.empty()));
    }

    /** The same, for a router whose GRE is sent from and received at {@code address}. */
    private DataPlane inMemory(java.net.InetAddress address) {
        return new DataPlane(network.bind(address), config -> {
            var d = new org.homerouter.pptp.tunnel.InMemoryTunnelDevice("pptp" + serverDevices.size(), config);
            serverDevices.add(d);
            return d;
        }, null, () -> { });
    }
    @TempDir
    Path dir;

    @Test
    void firstRunCreatesOwnerOnlyDatabaseWithDefaults() throws Exception {
        Path db = dir.resolve("data/appliance.db");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertTrue(Files.exists(db));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(db)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(db.getParent())));
            Map<Setting, String> s = a.store().settings();
            assertEquals("1723", s.get(Setting.PPTP_PORT));
            assertEquals("true", s.get(Setting.PPTP_ENABLED));
        }
    }

    /**
     * A database from before the VPN page refused a public tunnel network or a loopback DNS server
     * (or an import from then) still starts the server, as before, and the event log says which
     * values the page now refuses, in its words; stored values the page takes say nothing.
     */
    @Test
    void storedAddressesTheVpnPageNowRefusesStillStartTheServerAndAreNamedInTheEventLog() throws Exception {
        Path db = dir.resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.PPTP_LOCAL_ADDRESS, "192.186.250.1", Setting.PPTP_POOL_START, "192.186.250.10",
                    Setting.PPTP_POOL_END, "192.186.250.59", Setting.PPTP_DNS_PRIMARY, "127.0.0.1"));
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertNotNull(a.pptpAddress(), "the server listens");
            String events = a.store().recentEvents(100).toString();
            assertTrue(events.contains("service: the stored VPN server settings hold what the VPN server page refuses,"
                    + " and run as they are until corrected there: \"Router's tunnel address\": 192.186.250.1 is a public"
                    + " internet address"), events);
            assertTrue(events.contains("; \"DNS server\": 127.0.0.1 is a loopback address"), events);
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.PPTP_LOCAL_ADDRESS, "10.9.0.1", Setting.PPTP_POOL_START, "10.9.0.10",
                    Setting.PPTP_POOL_END, "10.9.0.59", Setting.PPTP_DNS_PRIMARY, "8.8.8.8"));
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertNotNull(a.pptpAddress(), "the server listens");
            List<String> events = a.store().recentEvents(100);
            assertEquals(1, events.stream().filter(e -> e.contains("the VPN server page refuses")).count(),
                    "only the first start's: " + events);
        }
    }

    @Test
    void storedSettingsSurviveRestartAndMigrationsRunOnce() throws Exception {
        Path db = dir.resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.PPTP_MAX_SESSIONS, "5", Setting.HOST_NAME, "office"));
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals("5", store.settings().get(Setting.PPTP_MAX_SESSIONS));
            assertEquals("office", store.settings().get(Setting.HOST_NAME));
            assertEquals(12, store.schemaVersion());
        }
    }

    /**
     * The key of the UI's known-device cookies: the owner's browser must stay known across a
     * restart (the point of the cookie), the key must not leave the router in an export (it would
     * let the file's holder make such cookies), and a factory reset, after which the router may
     * change hands, makes a new one.
     */
    @Test
    void theKnownDeviceKeySurvivesARestartStaysOutOfTheExportAndAFactoryResetReplacesIt() throws Exception {
        Path db = dir.resolve("appliance.db");
        byte[] first;
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            first = new StoreAdminAccount(a.store()).knownDeviceKey();
            assertEquals(32, first.length);
            String json = new ApplianceSystem(a, dir.resolve("tls.p12")).exportJson("export");
            assertFalse(json.contains("known_device") || json.contains(java.util.HexFormat.of().formatHex(first)), json);
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            var admin = new StoreAdminAccount(a.store());
            org.junit.jupiter.api.Assertions.assertArrayEquals(first, admin.knownDeviceKey(), "the same after a restart");
            new ApplianceSystem(a, dir.resolve("tls.p12")).factoryReset();
            String stored = a.store().settings().get(Setting.UI_KNOWN_DEVICE_KEY);
            assertEquals(64, stored.length(), "made by the reset itself, not left for the next login to make");
            byte[] after = admin.knownDeviceKey();
            org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.HexFormat.of().parseHex(stored), after);
            assertFalse(java.util.Arrays.equals(first, after), "a new one after a factory reset");
        }
    }

    /**
     * A server listening on one address of the router (the WAN's) went deaf when the address went
     * away, a new DHCP lease: the Dashboard said it ran, no client could connect. It stops now, says
     * why, and starts by itself once the address is back.
     */
    @Test
    void aServerWhoseListenAddressWentAwayStopsSaysWhyAndStartsAgainWhenItIsBack() throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            java.util.concurrent.atomic.AtomicBoolean here = new java.util.concurrent.atomic.AtomicBoolean(true);
            a.addressesHereAre(address -> here.get());
            a.checkListenAddress();
            assertNotNull(a.pptpAddress(), "its address is here: left running");
            here.set(false);
            a.checkListenAddress();
            assertNotNull(a.pptpAddress(), "gone at one check (a carrier lost for seconds): left running");
            here.set(true);
            a.checkListenAddress();
            here.set(false);
            a.checkListenAddress();
            assertNotNull(a.pptpAddress(), "back in between: counted afresh");
            a.checkListenAddress();
            assertNull(a.pptpAddress(), "gone at two checks in a row: no listener on an address the router lacks");
            assertTrue(a.pptpFailure().startsWith("its listen address 127.0.0.1 is not on this router now"), a.pptpFailure());
            assertTrue(a.store().recentEvents(5).stream().anyMatch(e -> e.contains("PPTP server stopped: its listen"
                    + " address 127.0.0.1 is not on this router now")), a.store().recentEvents(5).toString());
            here.set(true);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (a.pptpAddress() == null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertNotNull(a.pptpAddress(), "started again by the retries");
            assertNull(a.pptpFailure());
        }
    }

    /** Backups of two routers, or of one over the years, must be told apart by their names. */
    @Test
    void anExportIsNamedForItsRouterAndDay() throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            a.store().putSettings(java.util.Map.of(Setting.HOST_NAME, "office-gw"));
            assertEquals("homerouter-config-office-gw-2026-12-05.json",
                    new ApplianceSystem(a, dir.resolve("tls.p12")).exportFileName(java.time.LocalDate.of(2026, 12, 5)));
        }
    }

    @Test
    void portInUseIsReportedAsBindFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> Appliance.start(dir.resolve("a.db"), new Appliance.Overrides("127.0.0.1", taken.getLocalPort(), 0)));
            assertTrue(e instanceof BindException, e.toString());
        }
    }

    @Test
    void uiAddressOptionOverridesTheStoredLoopbackAddress() throws Exception {
        // 127.0.0.2 is loopback too (Linux answers the whole 127/8), but not the stored 127.0.0.1.
        try (Appliance a = Appliance.start(dir.resolve("appliance.db"),
                new Appliance.Overrides("127.0.0.1", 0, 0, "127.0.0.2"), NO_DATA_PLANE)) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            // A fresh appliance answers every page with its first-run setup.
            java.net.http.HttpResponse<Void> r = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.2:" + a.uiPort() + "/")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            assertEquals(303, r.statusCode());
            assertEquals("/setup", r.headers().firstValue("Location").orElse(""));
            org.junit.jupiter.api.Assertions.assertThrows(java.net.ConnectException.class, () -> http.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + a.uiPort() + "/")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()));
            assertEquals("127.0.0.1", a.store().settings().get(Setting.UI_LISTEN_ADDRESS), "the option is not stored");
        }
    }

    /**
     * A connected client is told why when the service stops: its session is hung up in order with
     * the words in the LCP Terminate-Request (pppd: "LCP terminated by peer (...)"). The control
     * connection's stop alone said nothing, and the client's owner read "call cleared".
     */
    @Test
    void aConnectedClientIsToldTheServerIsShuttingDown() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn()) {
            Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane());
            InMemoryDialIn.Client alice;
            try {
                alice = net.dial(a.pptpAddress(), "alice", "alice password");
                alice.tunnelAddress();
            } finally {
                a.close();
            }
            assertEquals(SessionEnd.HUNG_UP, alice.ended.get(5, java.util.concurrent.TimeUnit.SECONDS));
            String detail = alice.endDetail.get(1, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(detail.contains("The VPN server is shutting down"), detail);
        }
    }

    /** The Dashboard says where the server listens in words: it read "listening on 0.0.0.0:1723". */
    @Test
    void theDashboardSaysWhereTheServerListensInWords() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("0.0.0.0", 0, 0), NO_DATA_PLANE)) {
            String page = UiClient.setUp(a.uiPort()).get("/").body();
            assertTrue(page.contains("Running — listening on every address of this router, TCP port "
                    + a.pptpAddress().getPort() + ","), page);
        }
    }

    @Test
    void afterADamagedDatabaseWasSetAsideTheDashboardAsksForTheLastExportUntilItIsImported() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        String exported = exportOf(db);
        byte[] garbage = new byte[4096];
        new java.util.Random(3).nextBytes(garbage);
        java.nio.file.Files.write(db, garbage); // what a flash fault leaves
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            UiClient ui = UiClient.setUp(a.uiPort()); // the first-run setup again: the admin password went too
            String notice = "The settings database could not be read at the last start and was set aside as appliance.db.damaged-";
            String page = ui.get("/").body();
            assertTrue(page.contains(notice) && page.contains("Import your last configuration export on the System page"),
                    page);
            assertEquals(303, ui.post("/system/import", "config", exported, "replace", "on").statusCode());
            assertTrue(a.store().users().stream().anyMatch(u -> u.name().equals("alice")), "alice is back");
            assertFalse(ui.get("/").body().contains(notice), "dealt with");
        }
    }

    /**
     * A database a newer firmware made, with no copy of this firmware's own (a formatted data
     * partition, then a newer firmware's failed trial): the start failed for ever, no page to import
     * a backup on. It starts on defaults, and the Dashboard says why and asks for the last export.
     */
    @Test
    void aDatabaseFromNewerFirmwareWithoutItsCopyIsSetAsideAndTheDashboardSaysSo() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        String exported = exportOf(db);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 999");
        }
        // The LAN the image gave the router at this boot, from the lost settings' file.
        Files.writeString(db.resolveSibling(ApplianceLan.FILE_NAME), "10.0.5.1/24\n");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertEquals("10.0.5.1", a.store().settings().get(Setting.LAN_ADDRESS),
                    "the router stays on the LAN where the owner reaches it, not the defaults' at the next restart");
            UiClient ui = UiClient.setUp(a.uiPort());
            String page = ui.get("/").body();
            assertTrue(page.contains("The settings database was written by a newer firmware (its schema 999")
                    && page.contains("set aside as appliance.db.schema-999.")
                    && page.contains("Import your last configuration export on the System page"), page);
            assertEquals(303, ui.post("/system/import", "config", exported, "replace", "on").statusCode());
            assertTrue(a.store().users().stream().anyMatch(u -> u.name().equals("alice")), "alice is back");
        }
    }

    /** The lost settings' LAN on the defaults' VPN tunnel network (they had moved the tunnel away): not kept. */
    @Test
    void aLostSettingsLanOnTheDefaultTunnelNetworkIsNotKept() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        Files.write(db, new byte[4096]); // unreadable: set aside
        Files.writeString(db.resolveSibling(ApplianceLan.FILE_NAME), "192.168.250.1/24\n");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertEquals("192.168.1.1", a.store().settings().get(Setting.LAN_ADDRESS));
            assertTrue(a.store().events(10, "config").stream().anyMatch(e -> e.message().startsWith("the LAN address"
                    + " 192.168.250.1 of the lost settings overlaps the default VPN tunnel network")),
                    a.store().events(10, "config").toString());
        }
    }

    /**
     * A newer firmware migrated the database and did not stay (its trial start failed): this one
     * restores the copy made before that upgrade. The owner, who added a user under the newer
     * firmware, is told on the Dashboard and in the event log that those changes are not in use and
     * where they are kept; before, only the service's journal said so.
     */
    @Test
    void afterANewerFirmwareDidNotStayTheDashboardSaysItsChangesAreNotInUse() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        int latest;
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            UiClient.setUp(a.uiPort());
            latest = a.store().schemaVersion();
        }
        // What the newer firmware did: its copy of this firmware's database, then its own schema,
        // and bob added while it ran.
        Files.copy(db, db.resolveSibling("appliance.db.before-upgrade-from-schema-" + latest));
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement st = c.createStatement()) {
            st.execute("INSERT INTO vpn_users(name, nt_hash, created_ms) VALUES ('bob', zeroblob(16), 1)");
            st.execute("PRAGMA user_version = " + (latest + 1));
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertEquals(List.of("alice"), a.store().users().stream().map(u -> u.name()).toList());
            UiClient ui = UiClient.setUp(a.uiPort());
            String page = ui.get("/").body();
            assertTrue(page.contains("A newer firmware did not stay on this router") && page.contains(
                    "Changes made while the newer firmware ran are not in use; they are kept in appliance.db.schema-"
                            + (latest + 1)), page);
            assertTrue(ui.get("/logs").body().contains("kept in appliance.db.schema-" + (latest + 1)), "in the event log");
        }
        // The next start (a reboot): said again, as long as that file is kept; before, only the run
        // that restored the copy said it.
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            String page = UiClient.setUp(a.uiPort()).get("/").body();
            assertTrue(page.contains("A newer firmware did not stay on this router") && page.contains(
                    "they are kept in appliance.db.schema-" + (latest + 1)), page);
        }
    }

    /** The page a browser lands on at the UI's root (first-run setup on a router without an admin password). */
    private static String firstPage(int port) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * The router image has no login, and the export that would save the settings asks for the
     * admin password: an owner who forgot it resets it at the router (five quick starts; the
     * initramfs leaves a note). The admin password alone goes: setup asks for a new one and says
     * why, also after one more power cycle, and the users are kept; the reset is logged once.
     */
    @Test
    void theImagesResetAtTheRouterDeletesTheAdminPasswordOnlyAndSetupSaysWhy() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            UiClient.setUp(a.uiPort()); // the forgotten password
        }
        Path note = db.resolveSibling(AdminPasswordReset.FILE);
        Files.writeString(note, "five quick starts 6f1c2a9e-1d2b-4c3d-9e8f-0a1b2c3d4e5f\n");
        String why = "The admin password was reset at the router (it was switched on and off five times in a row";
        for (int start = 1; start <= 2; start++) {
            try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
                assertTrue(a.store().adminPasswordHash().isEmpty(), "start " + start + ": the old password is gone");
                String setup = firstPage(a.uiPort());
                assertTrue(setup.contains(why) && setup.contains("VPN users and history are kept"), "start " + start + ": " + setup);
                assertEquals(List.of("alice"), a.store().users().stream().map(u -> u.name()).toList(), "start " + start);
                assertEquals(1, a.store().recentEvents(100).stream().filter(e -> e.contains("was reset at the router")).count(),
                        "start " + start);
            }
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            UiClient ui = UiClient.setUp(a.uiPort());
            assertFalse(ui.get("/").body().contains("was reset at the router"));
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertEquals(303, UiClient.logIn(a.uiPort(), UiClient.ADMIN_PASSWORD).statusCode(), "no second reset");
            assertFalse(Files.exists(note), "a new password was chosen: the note is done");
        }
        // A note the service could not delete (a full disk) is not applied again at every restart:
        // that would delete the password the owner chose since. A new reset has a new token.
        Files.writeString(note, "five quick starts 6f1c2a9e-1d2b-4c3d-9e8f-0a1b2c3d4e5f\n");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertTrue(a.store().adminPasswordHash().isPresent(), "the same reset, not applied twice");
        }
        Files.writeString(note, "five quick starts 0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a\n");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertTrue(a.store().adminPasswordHash().isEmpty(), "a new reset");
        }
        assertFalse(exportOf(db).contains("0d9e8f7a"), "the reset's token is not exported");
    }

    /**
     * After the reset at the router the VPN users are kept, and the UI is reachable through their
     * tunnels: first-run setup answers only this router's LAN links (and this host) meanwhile, never
     * an address of the VPN's tunnel network or one behind a tunnel; with no reset pending, anyone
     * who reaches setup may use it as before.
     */
    @Test
    void afterTheResetAtTheRouterSetupAnswersTheLanOnlyNotTheVpnsTunnels() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertTrue(a.setupRefusedFrom("192.168.250.10").isEmpty(), "no reset pending: as before");
        }
        Files.writeString(db.resolveSibling(AdminPasswordReset.FILE), "five quick starts 1\n");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            String tunnel = a.store().settings().get(Setting.PPTP_POOL_START);
            assertTrue(a.setupRefusedFrom(tunnel).orElse("").contains("from a computer on the router's own LAN"),
                    "a VPN client's address: " + tunnel);
            assertTrue(a.setupRefusedFrom("203.0.113.9").isPresent(), "an address behind a tunnel (a branch LAN, the office)");
            assertTrue(a.setupRefusedFrom("not an address").isPresent());
            assertTrue(a.setupRefusedFrom("127.0.0.1").isEmpty(), "this host");
            java.net.InetAddress lan = lanLinkAddress();
            if (lan != null) {
                assertTrue(a.setupRefusedFrom(lan.getHostAddress()).isEmpty(), "an address on a LAN link: " + lan);
            }
        }
    }

    /** An address of this host on a link that is not point to point (as a LAN's), or null. */
    private static java.net.InetAddress lanLinkAddress() throws Exception {
        for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && !nif.isLoopback() && !nif.isPointToPoint()) {
                for (java.net.InterfaceAddress ia : nif.getInterfaceAddresses()) {
                    if (ia.getAddress() instanceof java.net.Inet4Address) {
                        return ia.getAddress();
                    }
                }
            }
        }
        return null;
    }

    /**
     * The router image formats a data partition no repair can open and leaves a note (its
     * initramfs): the owner, who finds first-run setup instead of the login, is told why there and
     * on the dashboard, until a configuration export is imported; the event log keeps it.
     */
    @Test
    void afterTheImageFormattedTheDataPartitionSetupAndTheDashboardSayWhyUntilAnImport() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        String exported = exportOf(db);
        Files.delete(db); // what the format left: an empty directory, and the initramfs's note
        Path note = db.resolveSibling(DataPartitionNote.FILE);
        Files.writeString(note, "e2fsck exit code 8<script>\nmore\n");
        String why = "The router&#39;s data partition could not be repaired at a boot (e2fsck exit code 8script) and was formatted";
        // Restarted (a power cycle) before the owner looks: still said, logged once.
        for (int start = 1; start <= 2; start++) {
            try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
                String setup = firstPage(a.uiPort());
                assertTrue(setup.contains(why) && setup.contains("Choose a new admin password"), "start " + start + ": " + setup);
                assertEquals(1, a.store().recentEvents(100).stream().filter(e -> e.contains("could not be repaired")).count(),
                        "start " + start);
            }
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            UiClient ui = UiClient.setUp(a.uiPort());
            String page = ui.get("/").body();
            assertTrue(page.contains(why) && page.contains("Import your last configuration export on the System page"), page);
            assertEquals(303, ui.post("/system/import", "config", exported, "replace", "on").statusCode());
            assertTrue(a.store().users().stream().anyMatch(u -> u.name().equals("alice")), "alice is back");
            assertFalse(ui.get("/").body().contains("data partition"), "dealt with");
            assertFalse(Files.exists(note));
            assertTrue(ui.get("/logs").body().contains("could not be repaired at a boot"), "in the event log");
        }
        // Through setup without an import (no export kept): said for that run, gone at the next start.
        Files.writeString(note, "e2fsck exit code 8\n");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            assertTrue(a.settingsLost().isEmpty(), "an admin password exists: the owner has been through setup since");
            assertFalse(Files.exists(note));
        }
    }

    /** The configuration export of the router on {@code db}, as its owner downloads it. */
    private static String exportOf(Path db) throws Exception {
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            return UiClient.setUp(a.uiPort()).export();
        }
    }

    /** The dashboard says where clients dial, from the server's real listener: here one only this machine reaches. */
    @Test
    void theDashboardSaysWhereClientsDialAndThatNobodyCanLogInWithoutUsers() throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0),
                inMemory())) {
            String page = UiClient.setUp(a.uiPort()).get("/").body();
            assertTrue(page.contains("The server listens on 127.0.0.1, on this machine only: no other machine can"
                    + " connect.") && page.contains("Clients must dial TCP port " + a.pptpAddress().getPort()), page);
            assertTrue(page.contains("0 user(s) configured: nobody can log in until you add one"), page);
            assertTrue(page.contains("Setting up a client"), page);
        }
    }

    /** Stored before the pages refused the pair (an old version, by hand): the dashboard says why clients from outside fail. */
    @Test
    void aForwardStoredBesideAServerOpenToOutsideIsNamedOnTheDashboard() throws Exception {
        Path db = dir.resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.PASSTHROUGH_INBOUND_SERVER, "192.168.1.10"));
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), inMemory())) {
            String page = UiClient.setUp(a.uiPort()).get("/").body();
            assertTrue(page.contains("Incoming PPTP from outside is forwarded to 192.168.1.10 (PPTP passthrough page), so"
                    + " this server cannot answer it"), page);
        }
    }

    @Test
    void webUiShowsLiveCallsOnLoopback() throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0), inMemory())) {
            NettyTransport clientTransport = NettyTransport.create(1, "client");
            try {
                ClientConnection client = ControlClient.connect(clientTransport, a.pptpAddress(),
                        ControlSettings.defaults("pns"), Clock.SYSTEM, Duration.ofMillis(50), CallListener.NONE,
                        new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
                org.homerouter.pptp.control.PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
                UiClient ui = UiClient.setUp(a.uiPort());
                java.net.http.HttpResponse<String> page = ui.get("/");
                assertEquals(200, page.statusCode());
                assertTrue(page.body().contains("<td>127.0.0.1</td>"), page.body());
                assertTrue(page.body().contains("link setup (LCP)"), page.body());
                client.stop().get(5, TimeUnit.SECONDS);
            } finally {
                clientTransport.shutdown(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void withoutADataPlaneACallIsClearedSayingWhy() throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
            NettyTransport clientTransport = NettyTransport.create(1, "client");
            try {
                ClientConnection client = ControlClient.connect(clientTransport, a.pptpAddress(),
                        ControlSettings.defaults("pns"), Clock.SYSTEM, Duration.ofMillis(50), CallListener.NONE,
                        new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
                client.placeCall().get(5, TimeUnit.SECONDS);
                // The call is cleared, and as it was the connection's only one, the connection is
                // stopped too (pptp-linux would not hear the clear alone).
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!a.pptpServer().connections().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertTrue(a.pptpServer().connections().isEmpty(), "call cleared and connection stopped");
            } finally {
                clientTransport.shutdown(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void aStoredUserDialsInWithMppeAndGetsAPoolAddress() throws Exception {
        Path db = dir.resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            addUser(store, "alice", "correct horse", true);
        }
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), inMemory());
             DialIn client = dialIn(a, "127.0.0.5", "alice", "correct horse")) {
            var session = client.up().get(10, TimeUnit.SECONDS);
            assertEquals("192.168.250.10", session.ipConfiguration().orElseThrow().localAddress().orElseThrow().getHostAddress(),
                    "address from the stored pool");
            assertTrue(session.encryption().isPresent(), "MPPE from the stored policy (require-128)");
            assertEquals(1, a.sessions().size());
            assertEquals("alice", a.sessions().getFirst().userName().orElseThrow());
            client.control().stop().get(5, TimeUnit.SECONDS);
            var events = Eventually.value(() -> a.store().recentEvents(10),
                    ev -> ev.stream().anyMatch(e -> e.startsWith("connect: alice connected")));
            assertTrue(events.stream().anyMatch(e -> e.startsWith("connect: alice connected")), events.toString());
        }
    }

    /**
     * A remote worker's call to {@code a} from {@code from} (its TCP, and so its GRE as the server
     * sees it): the engine's client side in memory, the GRE network delivering all the while.
     *
     * @param up    completed when IP is up; failed if the session ends first
     * @param ended completed with the reason when the session ends
     */
    private record DialIn(ClientConnection control, java.util.concurrent.CompletableFuture<org.homerouter.pptp.session.PppSession> up,
                          java.util.concurrent.CompletableFuture<org.homerouter.pptp.session.SessionEnd> ended,
                          AutoCloseable resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resources.close();
        }
    }

    private DialIn dialIn(Appliance a, String from, String user, String password) throws Exception {
        var clientGre = network.bind(java.net.InetAddress.getByName(from));
        var demux = new org.homerouter.pptp.gre.GreDemux();
        clientGre.setReceiver(demux);
        var methods = List.of(org.homerouter.pptp.auth.AuthMethod.MSCHAP_V2);
        var settings = new org.homerouter.pptp.session.SessionSettings(org.homerouter.pptp.session.SessionRole.CLIENT,
                "client", org.homerouter.pptp.ppp.lcp.LcpSettings.client(methods), org.homerouter.pptp.auth.AuthPolicy.DEFAULT,
                org.homerouter.pptp.ppp.ipcp.IpcpSettings.client(), java.util.Optional.of(org.homerouter.pptp.mppe.MppePolicy.DEFAULT),
                java.util.Optional.of(new org.homerouter.pptp.auth.PeerCredentials(user, password)), "ppp");
        var up = new java.util.concurrent.CompletableFuture<org.homerouter.pptp.session.PppSession>();
        var ended = new java.util.concurrent.CompletableFuture<org.homerouter.pptp.session.SessionEnd>();
        var sessions = new org.homerouter.pptp.session.PppSessions(settings, new org.homerouter.pptp.session.SessionEnvironment(
                Clock.SYSTEM, new java.security.SecureRandom()::nextBytes, null, null,
                config -> new org.homerouter.pptp.tunnel.InMemoryTunnelDevice("ppp0", config)),
                new org.homerouter.pptp.session.SessionListener() {
                    @Override
                    public void up(org.homerouter.pptp.session.PppSession s) {
                        up.complete(s);
                    }

                    @Override
                    public void ended(org.homerouter.pptp.session.PppSession s, org.homerouter.pptp.session.SessionEnd r, String d) {
                        up.completeExceptionally(new AssertionError(r + " " + d));
                        ended.complete(r);
                    }
                });
        var tunnels = new org.homerouter.pptp.tunnel.CallTunnels(clientGre, demux, Clock.SYSTEM,
                org.homerouter.pptp.gre.GreChannelConfig.DEFAULTS, sessions::sinkFor, sessions);
        NettyTransport clientTransport = NettyTransport.create(1, "client");
        var wire = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        wire.scheduleWithFixedDelay(() -> {
            network.deliverAll();
            sessions.poll();
            tunnels.poll();
        }, 5, 5, TimeUnit.MILLISECONDS);
        AutoCloseable resources = () -> {
            wire.shutdownNow();
            clientTransport.shutdown(Duration.ofSeconds(1));
        };
        try {
            ClientConnection client = connectFrom(from, clientTransport, a.pptpAddress(), tunnels);
            client.placeCall().get(5, TimeUnit.SECONDS);
            return new DialIn(client, up, ended, resources);
        } catch (Exception e) {
            resources.close();
            throw e;
        }
    }

    /** A PPTP client whose TCP (and so its GRE source, as the server sees it) comes from {@code localAddress}. */
    private static ClientConnection connectFrom(String localAddress, NettyTransport transport, InetSocketAddress server,
                                                org.homerouter.pptp.control.CallListener calls) throws Exception {
        return ControlClient.connect(transport, server, java.net.InetAddress.getByName(localAddress),
                ControlSettings.defaults("pns"), Clock.SYSTEM, Duration.ofMillis(50), calls, new CallIdAllocator(4))
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void shutdownStopsEveryConnectedPeerFirst() throws Exception {
        Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0), inMemory());
        InetSocketAddress addr = a.pptpAddress();
        NettyTransport clientTransport = NettyTransport.create(1, "client");
        try {
            ClientConnection client = ControlClient.connect(clientTransport, addr, ControlSettings.defaults("pns"),
                    Clock.SYSTEM, Duration.ofMillis(50), CallListener.NONE, new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
            client.placeCall().get(5, TimeUnit.SECONDS);
            // The client hears the call's reply before the server's session for it is in place:
            // a stop in between meets a call and no session (its end then says the call was cleared).
            Eventually.until("the server's session for the call in place", a::sessions, ss -> ss.size() == 1);
            a.close();
            client.closed().get(5, TimeUnit.SECONDS);
            assertEquals("stopped by peer", client.state().closeReason());
            assertEquals(ControlConnection.Phase.CLOSED, client.state().phase());
        } finally {
            clientTransport.shutdown(Duration.ofSeconds(1));
        }
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("appliance.db"))) {
            List<String> events = store.recentEvents(10);
            assertTrue(events.stream().anyMatch(e -> e.contains("the VPN server is shutting down")), events.toString());
            assertTrue(events.getFirst().contains("appliance stopped"), events.toString());
        }
    }

    /**
     * The remote server refuses the dial-out's account (disabled there, Windows error 647): the
     * dial-out stops, since every login it tries counts towards the account's lockout at the remote.
     * Saving another page (the VPN page here) leaves it stopped; saving its own page dials again.
     * The dial-out always dials TCP port 1723: the remote listens there on 127.0.0.2.
     */
    @Test
    void aStoppedDialOutIsDialledAgainByASaveOfItsOwnPageOnly() throws Exception {
        Path remoteDb = dir.resolve("remote/appliance.db");
        try (ApplianceStore store = ApplianceStore.open(remoteDb)) {
            addUser(store, "branch", "branch secret", false);
        }
        Path db = dir.resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.PPTP_ENABLED, "false", Setting.DIALOUT_ENABLED, "true",
                    Setting.DIALOUT_SERVER, "127.0.0.2", Setting.DIALOUT_USER, "branch",
                    Setting.DIALOUT_NT_HASH, java.util.HexFormat.of().formatHex(
                            org.homerouter.pptp.auth.NtPasswordHash.of("branch secret")),
                    Setting.DIALOUT_SUBNETS, "10.2.0.0/24"));
        }
        java.net.InetAddress remoteAddress = java.net.InetAddress.getByName("127.0.0.2");
        // The in-memory GRE network delivers when told to: here all the time, as a wire would.
        java.util.concurrent.ScheduledExecutorService wire = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        wire.scheduleWithFixedDelay(network::deliverAll, 5, 5, TimeUnit.MILLISECONDS);
        try (AutoCloseable stopWire = wire::shutdownNow;
             Appliance remote = Appliance.start(remoteDb, new Appliance.Overrides("127.0.0.2", 1723, 0),
                     inMemory(remoteAddress));
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), inMemory())) {
            String stop = "not dialing again until the Site-to-site page is saved";
            java.util.function.Supplier<Long> stops = () -> {
                try {
                    return a.store().events(50, "dialout").stream().filter(e -> e.message().endsWith(stop)).count();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            };
            assertEquals(1L, Eventually.value(stops::get, n -> n == 1), a.dialOutState().describe() + a.store().recentEvents(10));
            assertTrue(remote.pptpAddress().getPort() == 1723, "the remote listens where the dial-out dials");
            assertEquals(DialOut.Phase.STOPPED, a.dialOutState().phase());
            assertTrue(a.dialOutState().lastFailure().contains("disabled"), a.dialOutState().describe());

            a.reconfigure(); // what the VPN page's save, or an import of the same settings, does
            // A new host name (System page), which the dial-out's own settings include, likewise.
            a.store().putSettings(Map.of(Setting.HOST_NAME, "branch-router"), "test: a new host name");
            a.reconfigure();
            Thread.sleep(2000); // a dial to 127.0.0.2 is refused within a few hundred milliseconds
            assertEquals(1L, stops.get(), "another page's save dialled the stopped dial-out again: "
                    + a.store().recentEvents(10));
            assertEquals(DialOut.Phase.STOPPED, a.dialOutState().phase());

            a.reconfigureDialOut(); // the Site-to-site page's save
            assertEquals(2L, Eventually.value(stops::get, n -> n == 2), a.store().recentEvents(10).toString());
        }
    }

    /**
     * The dial-out's routes are checked against the VPN's tunnel network, so moving that network
     * dials again; a new router address within the same network (VPN page) leaves the up tunnel,
     * and the LAN's traffic through it, alone.
     */
    @Test
    void aNewRouterAddressInTheSameTunnelNetworkDoesNotRedialTheSiteToSiteTunnel() throws Exception {
        Path remoteDb = dir.resolve("remote/appliance.db");
        try (ApplianceStore store = ApplianceStore.open(remoteDb)) {
            addUser(store, "branch", "branch secret", true);
        }
        Path db = dir.resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.DIALOUT_ENABLED, "true", Setting.DIALOUT_SERVER, "127.0.0.2",
                    Setting.DIALOUT_USER, "branch", Setting.DIALOUT_NT_HASH, java.util.HexFormat.of().formatHex(
                            org.homerouter.pptp.auth.NtPasswordHash.of("branch secret")),
                    Setting.DIALOUT_SUBNETS, "10.2.0.0/24"));
        }
        java.util.concurrent.ScheduledExecutorService wire = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        wire.scheduleWithFixedDelay(network::deliverAll, 5, 5, TimeUnit.MILLISECONDS);
        try (AutoCloseable stopWire = wire::shutdownNow;
             Appliance remote = Appliance.start(remoteDb, new Appliance.Overrides("127.0.0.2", 1723, 0),
                     inMemory(java.net.InetAddress.getByName("127.0.0.2")));
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), inMemory())) {
            DialOut.State up = Eventually.value(a::dialOutState, st -> st.phase() == DialOut.Phase.UP);
            assertEquals(1723, remote.pptpAddress().getPort(), "the remote listens where the dial-out dials");
            var first = remote.sessions().getFirst();

            a.store().putSettings(Map.of(Setting.PPTP_LOCAL_ADDRESS, "192.168.250.2"), "test: a new router address");
            a.reconfigure();
            Thread.sleep(1000); // a redial over loopback takes well under a second
            assertEquals(DialOut.Phase.UP, a.dialOutState().phase(), a.store().recentEvents(10).toString());
            assertEquals(List.of(first), remote.sessions(), "the same session at the office: no redial");

            a.store().putSettings(Map.of(Setting.PPTP_LOCAL_ADDRESS, "10.9.0.1", Setting.PPTP_POOL_START, "10.9.0.10",
                    Setting.PPTP_POOL_END, "10.9.0.20"), "test: the tunnel network moved");
            a.reconfigure();
            var redialled = Eventually.value(remote::sessions, ss -> ss.size() == 1 && ss.getFirst() != first);
            assertEquals(1, redialled.size(), up.describe());
        }
    }

    /**
     * Two of our routers on factory settings share the pool 192.168.250.10-59: a remote worker
     * dialled in here holds .10 when the office (its first client being this router's dial-out)
     * hands the dial-out .10 too, after a restart of its own. Both would then reach nothing: the
     * worker's session is ended (its next call gets another address) and the event log says why.
     */
    @Test
    void theDialOutGivenTheAddressAWorkerHoldsHereEndsTheWorkersSessionAndSaysWhy() throws Exception {
        byte[] branchHash = org.homerouter.pptp.auth.NtPasswordHash.of("branch secret");
        Path remoteDb = dir.resolve("remote/appliance.db");
        try (ApplianceStore store = ApplianceStore.open(remoteDb)) {
            addUser(store, "branch", "branch secret", true);
        }
        Path db = dir.resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            addUser(store, "alice", "alice secret", true);
            store.putSettings(Map.of(Setting.DIALOUT_SERVER, "127.0.0.2", Setting.DIALOUT_USER, "branch",
                    Setting.DIALOUT_NT_HASH, java.util.HexFormat.of().formatHex(branchHash),
                    Setting.DIALOUT_SUBNETS, "10.2.0.0/24"));
        }
        try (Appliance remote = Appliance.start(remoteDb, new Appliance.Overrides("127.0.0.2", 1723, 0),
                     inMemory(java.net.InetAddress.getByName("127.0.0.2")));
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), inMemory());
             DialIn worker = dialIn(a, "127.0.0.5", "alice", "alice secret")) {
            var session = worker.up().get(10, TimeUnit.SECONDS);
            assertEquals("192.168.250.10", session.ipConfiguration().orElseThrow().localAddress().orElseThrow()
                    .getHostAddress());
            assertEquals(1723, remote.pptpAddress().getPort(), "the remote listens where the dial-out dials");

            a.store().putSettings(Map.of(Setting.DIALOUT_ENABLED, "true"), "test: the dial-out switched on");
            a.reconfigureDialOut();
            DialOut.State up = Eventually.value(a::dialOutState, s -> s.phase() == DialOut.Phase.UP);
            assertEquals("192.168.250.10", up.localAddress(), up.describe());
            worker.ended().get(10, TimeUnit.SECONDS); // the worker's session ended
            assertEquals(List.of(), Eventually.value(a::sessions, List::isEmpty), "alice's session is gone here too");
            String expected = "the office gave the site-to-site tunnel 192.168.250.10, the address alice had";
            List<String> events = Eventually.value(() -> a.store().recentEvents(20),
                    ev -> ev.stream().anyMatch(e -> e.contains(expected)));
            assertTrue(events.stream().anyMatch(e -> e.contains(expected)), events.toString());
        }
    }
}
