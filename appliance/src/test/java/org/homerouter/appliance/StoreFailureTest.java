package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The errors SQLite really raises when the router's storage fails are named in the owner's words on the page. */
class StoreFailureTest {
    @TempDir
    Path dir;

    @Test
    void aFullDiskAndAReadOnlyDiskAreToldApart() throws Exception {
        org.homerouter.appliance.store.ApplianceStore.open(dir.resolve("router.db")).close();
        Path file = dir.resolve("config.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (b BLOB)");
            // The database may not grow beyond its present size: what a full file system does to it.
            st.execute("PRAGMA max_page_count = 3");
            SQLException full = assertThrows(SQLException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    st.execute("INSERT INTO t VALUES (zeroblob(4000))");
                }
            });
            String words = new StoreFailure(full).getMessage();
            assertTrue(words.startsWith("the router's storage is full"), words + " for " + full);
        }
        Properties readOnly = new Properties();
        readOnly.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY, as a file system remounted read-only
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, readOnly);
             Statement st = c.createStatement()) {
            SQLException ro = assertThrows(SQLException.class, () -> st.execute("INSERT INTO t VALUES (1)"));
            String words = new StoreFailure(ro).getMessage();
            // Not necessarily worn flash (a file of the database made by root answers so too).
            assertTrue(words.startsWith("the router's storage cannot be written (read-only, missing or failing)"),
                    words + " for " + ro);
        }
        // A store opened on read-only storage refuses a save: what every page says then too, what
        // to do while the configuration can still be read.
        try (org.homerouter.appliance.store.ApplianceStore store = org.homerouter.appliance.store.ApplianceStore
                .openReadOnly(dir.resolve("router.db"))) {
            SQLException refused = assertThrows(SQLException.class, () -> store.putSettings(java.util.Map.of(
                    org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY, "192.168.1.1")));
            String words = new StoreFailure(refused).getMessage();
            assertTrue(words.equals(org.homerouter.appliance.store.ReadOnlyStorage.SENTENCE), words + " for " + refused);
        }
    }
}
