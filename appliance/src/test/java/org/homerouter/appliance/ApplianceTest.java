package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplianceTest {
    /** These tests never touch the machine's network configuration: no raw sockets, TUN or nftables. */
    private static final DataPlane NO_DATA_PLANE = DataPlane.unavailable("test: no data plane");
    @TempDir
    Path dir;

    @Test
    void firstRunCreatesOwnerOnlyDatabaseWithDefaults() throws Exception {
        Path db = dir.resolve("data/appliance.db");
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE, null)) {
            assertTrue(Files.exists(db));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(db)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(db.getParent())));
            Map<Setting, String> s = a.store().settings();
            assertEquals("1723", s.get(Setting.PPTP_PORT));
            assertEquals("true", s.get(Setting.PPTP_ENABLED));
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
            assertEquals(2, store.schemaVersion());
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
    void webUiShowsLiveCallsOnLoopback() throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE, null)) {
            NettyTransport clientTransport = NettyTransport.create(1, "client");
            try {
                ClientConnection client = ControlClient.connect(clientTransport, a.pptpAddress(),
                        ControlSettings.defaults("pns"), Clock.SYSTEM, Duration.ofMillis(50), CallListener.NONE,
                        new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
                org.homerouter.pptp.control.PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
                java.net.http.HttpResponse<String> page = java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + a.uiPort() + "/")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode());
                assertTrue(page.body().contains(" / " + call.localCallId() + " ESTABLISHED"), page.body());
                client.stop().get(5, TimeUnit.SECONDS);
            } finally {
                clientTransport.shutdown(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void shutdownStopsEveryConnectedPeerFirst() throws Exception {
        Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE, null);
        InetSocketAddress addr = a.pptpAddress();
        NettyTransport clientTransport = NettyTransport.create(1, "client");
        try {
            ClientConnection client = ControlClient.connect(clientTransport, addr, ControlSettings.defaults("pns"),
                    Clock.SYSTEM, Duration.ofMillis(50), CallListener.NONE, new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
            client.placeCall().get(5, TimeUnit.SECONDS);
            a.close();
            client.closed().get(5, TimeUnit.SECONDS);
            assertEquals("stopped by peer", client.state().closeReason());
            assertEquals(ControlConnection.Phase.CLOSED, client.state().phase());
        } finally {
            clientTransport.shutdown(Duration.ofSeconds(1));
        }
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("appliance.db"))) {
            List<String> events = store.recentEvents(10);
            assertTrue(events.stream().anyMatch(e -> e.contains("cleared")), events.toString());
            assertTrue(events.getFirst().contains("appliance stopped"), events.toString());
        }
    }
}
