package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ReadOnlyStorage;
import org.homerouter.appliance.store.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router whose flash wore out and went write-protected: its data directory is mounted read-only,
 * and the service failed at every start (the instance lock, then the database), restarted by
 * systemd for ever, with no VPN, no pages and no way to export the configuration to a new router.
 * As root, a test cannot make a directory read-only without a mount (ReadOnlyStorageRootTest has
 * one): this one tells the start that the storage is read-only.
 */
class ReadOnlyStartTest {
    @TempDir
    Path dir;

    @Test
    void onReadOnlyStorageTheRouterStartsServesLoginsAndExportsRefusesSavesAndWritesNothing() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        Appliance.Overrides loopback = new Appliance.Overrides("127.0.0.1", 0, 0);
        try (Appliance a = Appliance.start(db, loopback, DataPlane.unavailable("test: no data plane"))) {
            a.store().putSettings(Map.of(Setting.PPTP_DNS_PRIMARY, "192.168.1.53")); // it ran before the flash wore out
        }
        Map<String, Long> before = files();
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, loopback, net.dataPlane(), data -> true)) {
            ApplianceSystem system = new ApplianceSystem(a, dir.resolve("tls.p12"));
            assertEquals(Optional.of(ReadOnlyStorage.SENTENCE), system.storageFull(), "every page says it");

            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS); // its session record is not written, and the session stays up

            StoreFailure save = assertThrows(StoreFailure.class, () -> system.setHttps(true, 8443, "HTTPS switched on"));
            assertEquals(ReadOnlyStorage.SENTENCE, save.getMessage());
            assertEquals("false", a.store().settings().get(Setting.UI_HTTPS));
            String export = system.exportJson("configuration exported");
            assertTrue(export.contains("\"alice\"") && export.contains("192.168.1.53"), export);
        }
        assertEquals(before, files(), "nothing written in the data directory (a reserve, a WAL, a lock)");
    }

    /** Each file of the data directory and its last change. */
    private Map<String, Long> files() throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (var list = Files.list(dir)) {
            for (Path p : list.toList()) {
                out.put(p.getFileName().toString(), Files.getLastModifiedTime(p).toMillis() ^ Files.size(p));
            }
        }
        return out;
    }
}
