package org.homerouter.appliance.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database on storage gone read-only (worn flash), opened with {@link ApplianceStore#openReadOnly}:
 * as root these tests cannot make a directory read-only, so they copy a database into one of
 * their own and take the read-only open as the service does once it found the storage so.
 */
class ReadOnlyStoreTest {
    @TempDir
    Path dir;

    @Test
    void aCopiedDatabaseIsReadWithItsAccountsAndEveryWriteIsRefusedWithNothingWritten() throws Exception {
        Path written = Files.createDirectories(dir.resolve("written")).resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(written)) {
            store.addUser(user("alice"));
            store.putSettings(Map.of(Setting.PPTP_DNS_PRIMARY, "192.168.1.53"));
        }
        Path copy = Files.createDirectories(dir.resolve("read-only")).resolve("appliance.db");
        Files.copy(written, copy);
        byte[] before = Files.readAllBytes(copy);
        try (ApplianceStore store = ApplianceStore.openReadOnly(copy)) {
            assertTrue(store.readOnly());
            assertEquals("192.168.1.53", store.settings().get(Setting.PPTP_DNS_PRIMARY));
            assertTrue(store.user("alice").isPresent(), "a login's lookup (the reader) finds the account");
            assertEquals(List.of("alice"), store.users().stream().map(VpnUser::name).toList());

            SQLException save = assertThrows(SQLException.class,
                    () -> store.putSettings(Map.of(Setting.PPTP_DNS_PRIMARY, "192.168.1.54"), "DNS changed"));
            assertTrue(save instanceof ReadOnlyStorage.Refused, save.toString());
            assertEquals(ReadOnlyStorage.SENTENCE, save.getMessage());
            SQLException add = assertThrows(SQLException.class, () -> store.addUser(user("bob")));
            assertEquals(8, add.getErrorCode() & 0xff, "SQLITE_READONLY: " + add);
            assertThrows(SQLException.class, () -> store.sessionStarted(1000, "alice", "192.0.2.7", "192.168.250.10",
                    "alice connected"));
            store.logEvent("service", "not recorded, and no exception to whoever logs");
            assertTrue(store.events(10, null).stream().noneMatch(e -> e.message().startsWith("not recorded")));
            assertEquals("192.168.1.53", store.settings().get(Setting.PPTP_DNS_PRIMARY), "nothing half-saved");
        }
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(copy)), "the file is as it was");
        try (var files = Files.list(copy.getParent())) {
            assertEquals(List.of(copy), files.toList(), "no side file made (the storage could hold none)");
        }
    }

    /**
     * A crash (or a power cut) leaves the last commits in the -wal file beside the database; they
     * are the owner's last changes, and the export must hold them.
     */
    @Test
    void commitsACrashLeftInTheWalAreRead() throws Exception {
        Path written = Files.createDirectories(dir.resolve("written")).resolve("appliance.db");
        Path copy = Files.createDirectories(dir.resolve("crashed")).resolve("appliance.db");
        ApplianceStore.open(written).close(); // the schema in the database file
        try (ApplianceStore store = ApplianceStore.open(written)) {
            store.addUser(user("alice"));
            // Copied while open, as a crash leaves them: the database and its side files.
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.copy(written.resolveSibling("appliance.db" + suffix), copy.resolveSibling("appliance.db" + suffix));
            }
        }
        try (Connection fileAlone = DriverManager.getConnection("jdbc:sqlite:file:" + copy + "?immutable=1");
             ResultSet rs = fileAlone.createStatement().executeQuery("SELECT count(*) FROM vpn_users")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the test's premise: alice is in the WAL only");
        }
        try (ApplianceStore store = ApplianceStore.openReadOnly(copy)) {
            assertTrue(store.user("alice").isPresent());
            assertEquals(1, store.users().size());
        }
    }

    @Test
    void noDatabaseOnReadOnlyStorageIsSaidSo() {
        Path missing = dir.resolve("appliance.db");
        var e = assertThrows(java.io.IOException.class, () -> ApplianceStore.openReadOnly(missing));
        assertTrue(e.getMessage().contains("read-only storage cannot hold a new one"), e.getMessage());
        assertFalse(Files.exists(missing));
    }

    private static VpnUser user(String name) {
        return new VpnUser(name, org.homerouter.pptp.auth.NtPasswordHash.of(name + " password"), Optional.empty(), true,
                Optional.empty());
    }
}
