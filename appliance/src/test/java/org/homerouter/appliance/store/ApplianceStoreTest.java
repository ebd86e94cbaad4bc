package org.homerouter.appliance.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplianceStoreTest {
    @TempDir
    Path dir;

    private static VpnUser user(String name) {
        return new VpnUser(name, new byte[16], Optional.empty(), true, Optional.empty());
    }

    /** A new database with these users, as this firmware makes it: returns its (the latest) schema version. */
    private static int createdWith(Path db, String... users) throws Exception {
        try (ApplianceStore store = ApplianceStore.open(db)) {
            for (String u : users) {
                store.addUser(user(u));
            }
            return store.schemaVersion();
        }
    }

    private static long count(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aVersion2DatabaseIsMigratedKeepingItsUsersAndSettings() throws Exception {
        Path db = dir.resolve("old.db");
        // A router that ran the previous firmware: schema 2, one user, one changed setting.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            for (Migration m : Migrations.ALL.subList(0, 2)) {
                for (String sql : m.statements()) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = 2");
            st.execute("INSERT INTO settings VALUES ('pptp.max_sessions', '7')");
            st.execute("INSERT INTO vpn_users(name, nt_hash, created_ms) VALUES ('alice', zeroblob(16), 1)");
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(Migrations.latest(), store.schemaVersion());
            assertEquals("7", store.settings().get(Setting.PPTP_MAX_SESSIONS));
            assertEquals("", store.settings().get(Setting.PPTP_WINS_PRIMARY), "new settings get their defaults");
            assertTrue(store.user("alice").isPresent());
            assertEquals("", store.routedSubnets("alice"), "an existing account routes no networks");
            assertTrue(store.adminPasswordHash().isEmpty(), "no admin yet: the UI forces first-run setup");
            assertTrue(store.sessionHistory(10, false).isEmpty());
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(Migrations.latest(), store.schemaVersion(), "migrations run once");
        }
    }

    /**
     * Whether an account's password was changed before the upgrade is not known: its logins from
     * before do not make their addresses familiar at the next start (they might be a leaked
     * password's), those after the upgrade do.
     */
    @Test
    void anUpgradeCountsTheLoginsOfExistingAccountsForTheLockoutOnlyFromThenOn() throws Exception {
        Path db = dir.resolve("v5.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            for (Migration m : Migrations.ALL.subList(0, 5)) {
                for (String sql : m.statements()) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = 5");
            st.execute("INSERT INTO vpn_users(name, nt_hash, created_ms) VALUES ('alice', zeroblob(16), 1)");
            st.execute("INSERT INTO vpn_sessions(started_ms, ended_ms, user_name, client, was_up) "
                    + "VALUES (" + (System.currentTimeMillis() - 60_000) + ", " + System.currentTimeMillis() + ", 'alice', '192.0.2.7', 1)");
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(List.of(), store.loginsSince(0), "the login from before the upgrade");
            long now = System.currentTimeMillis();
            store.sessionStarted(now, "alice", "198.51.100.9", "192.168.250.10", "alice connected");
            assertEquals(List.of(new ApplianceStore.Login("alice", "198.51.100.9", now)), store.loginsSince(0));
        }
    }

    /** A database as a firmware of schema {@code version} made it, with user alice. */
    private static void databaseOfSchema(Path db, int version) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            for (Migration m : Migrations.ALL.subList(0, version)) {
                for (String sql : m.statements()) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = " + version);
            st.execute("INSERT INTO vpn_users(name, nt_hash, created_ms) VALUES ('alice', zeroblob(16), 1)");
        }
    }

    /**
     * An upgrade from schema 5 whose step 7 fails (here a column it adds is there already; as well a
     * full disk or a power cut) after step 6: the database stays at 5, and the copy of 5 stays
     * through the service's restarts during the trial. Step by step, the first start left version
     * 6 and the second replaced the copy of 5 by one of 6: the previous firmware, back after the
     * failed trial, found no copy of its own schema and refused to start, for ever.
     */
    @Test
    void anUpgradeThatFailsPartWayLeavesTheDatabaseAndItsCopyForThePreviousFirmware() throws Exception {
        Path db = dir.resolve("v5.db");
        databaseOfSchema(db, 5);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE vpn_sessions ADD COLUMN seen_ms INTEGER");
        }
        for (int start = 1; start <= 2; start++) { // systemd restarts the service that failed
            SQLException e = assertThrows(SQLException.class, () -> ApplianceStore.open(db));
            assertTrue(e.getMessage().contains("duplicate column"), e.getMessage());
            assertEquals(5, count(db, "PRAGMA user_version"), "start " + start + ": the version from before the upgrade");
            Path copy = ApplianceStore.backupBeforeMigration(db, 5);
            assertTrue(java.nio.file.Files.exists(copy), "start " + start + ": the previous firmware's copy");
            assertEquals(5, count(copy, "PRAGMA user_version"));
            assertEquals(1, count(copy, "SELECT count(*) FROM vpn_users WHERE name = 'alice'"));
        }
        assertFalse(java.nio.file.Files.exists(ApplianceStore.backupBeforeMigration(db, 6)));
    }

    /**
     * The service and a CLI command opening the database at the same moment after an update: both
     * start, and the schema is migrated once. Before, both read the old version before either
     * migrated, and the second failed (a duplicate column, or the first's copy in its way).
     */
    @Test
    void twoProgramsOpeningAnOldDatabaseAtOnceBothStart() throws Exception {
        // Enough rounds that the two meet in the switch to WAL (it failed in about one run in ten
        // at 5 rounds).
        for (int round = 0; round < 60; round++) {
            Path db = dir.resolve("race" + round + ".db");
            databaseOfSchema(db, 5);
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Integer>> opened = new ArrayList<>();
                for (int p = 0; p < 2; p++) {
                    opened.add(pool.submit(() -> {
                        together.await();
                        try (ApplianceStore store = ApplianceStore.open(db)) {
                            return store.schemaVersion();
                        }
                    }));
                }
                for (Future<Integer> f : opened) {
                    assertEquals(Migrations.latest(), f.get(60, TimeUnit.SECONDS), "round " + round);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(5, count(ApplianceStore.backupBeforeMigration(db, 5), "PRAGMA user_version"));
            assertEquals(1, count(db, "SELECT count(*) FROM vpn_users WHERE name = 'alice'"));
        }
    }

    /**
     * A setting a firmware adds (a new limit) reaches an upgraded router at its default, which may
     * change what the router did before: the event log names it. A new router's settings are all
     * defaults, and nothing is said.
     */
    @Test
    void settingsNewInThisFirmwareAreNamedInTheEventLogOfAnUpgradedRouter() throws Exception {
        Path db = dir.resolve("upgraded.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertFalse(store.events(10, "config").stream().anyMatch(e -> e.message().startsWith("settings new")),
                    "a new router");
        }
        // As the firmware before pptp.max_sessions_per_user left it.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("DELETE FROM settings WHERE key = 'pptp.max_sessions_per_user'");
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(List.of("settings new in this firmware, at their defaults: pptp.max_sessions_per_user = "
                    + Setting.PPTP_MAX_SESSIONS_PER_USER.defaultValue()), store.events(10, "config").stream()
                    .map(e -> e.message()).filter(m -> m.startsWith("settings new")).toList());
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(1, store.events(10, "config").stream().filter(e -> e.message().startsWith("settings new"))
                    .count(), "said once");
        }
    }

    @Test
    void aDatabaseFromNewerFirmwareIsLeftAlone() throws Exception {
        Path db = dir.resolve("new.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 99");
        }
        SQLException e = assertThrows(SQLException.class, () -> ApplianceStore.open(db));
        assertTrue(e.getMessage().contains("newer than this firmware knows"), e.getMessage());
    }

    /**
     * The service's start on a database a newer firmware made, with no copy of this firmware's own
     * (the image formatted the data partition, then a newer firmware's trial made a new database
     * and failed): refused, the router could never start again, with no page to import a backup
     * on, until reflashed. The file is kept for that firmware, and the router starts on defaults,
     * saying why.
     */
    @Test
    void theServiceStartsOnDefaultsBesideADatabaseFromNewerFirmwareWithoutItsCopy() throws Exception {
        Path db = dir.resolve("appliance.db");
        int latest = createdWith(db, "alice");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = " + (latest + 1));
        }
        try (ApplianceStore store = ApplianceStore.openOrSetAside(db)) {
            assertEquals(latest, store.schemaVersion());
            assertEquals(List.of(), store.users(), "defaults");
            Path aside = store.setAside().orElseThrow();
            assertTrue(aside.getFileName().toString().startsWith("appliance.db.schema-" + (latest + 1) + "."), aside.toString());
            assertEquals(Optional.empty(), store.newerFirmwareDatabase(), "not the copy a failed trial leaves");
            String why = store.setAsideWhy().orElseThrow();
            assertTrue(why.startsWith("The settings database was written by a newer firmware (its schema " + (latest + 1)
                    + ", this firmware's " + latest + "), and this firmware has no usable copy of its own from before that"
                    + " update: it was set aside as " + aside.getFileName()), why);
            assertTrue(store.events(10, "service").stream().anyMatch(e -> e.message().startsWith(why)
                    && e.message().endsWith("restore a configuration export on the System page")), "in the event log");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + aside); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT name FROM vpn_users")) {
                assertTrue(rs.next() && rs.getString(1).equals("alice"), "the newer firmware's database is kept whole");
            }
        }
    }

    @Test
    void anUpgradeKeepsACopyThatThePreviousFirmwareRestoresIfTheNewOneDoesNotStay() throws Exception {
        Path db = dir.resolve("ab.db");
        int latest = createdWith(db);
        // The database as the previous firmware (one schema version back) left it.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE vpn_users DROP COLUMN previous_nt_hash_ms"); // the last migration's
            st.execute("PRAGMA user_version = " + (latest - 1));
        }
        // This firmware's first start migrates it, keeping a copy first.
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(latest, store.schemaVersion());
            store.putSettings(Map.of(Setting.HOST_NAME, "mine"));
        }
        Path copy = ApplianceStore.backupBeforeMigration(db, latest - 1);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            assertEquals(latest - 1, rs.getInt(1), "the copy is the database from before the upgrade");
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(copy)));

        // A newer firmware does the same (copy, migrate, change a setting), then its trial boot fails
        // and this firmware is back.
        java.nio.file.Files.copy(db, ApplianceStore.backupBeforeMigration(db, latest));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("UPDATE settings SET value = 'newer' WHERE key = 'system.host_name'");
            st.execute("PRAGMA user_version = " + (latest + 1));
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(latest, store.schemaVersion());
            assertEquals("mine", store.settings().get(Setting.HOST_NAME), "the configuration from before that upgrade");
            // Said, not only undone: the Dashboard's note (Appliance) and the event log name the kept file.
            assertTrue(java.nio.file.Files.exists(dir.resolve("ab.db.schema-" + (latest + 1))), "the newer database kept aside");
            assertEquals(Optional.of(dir.resolve("ab.db.schema-" + (latest + 1))), store.newerFirmwareDatabase());
            assertTrue(store.events(10, "service").stream().anyMatch(e -> e.message().contains("did not stay")
                    && e.message().contains("kept in ab.db.schema-" + (latest + 1))), "in the event log");
        }
        // Opened again (the service after a CLI command restored it, or after a restart): still said,
        // as long as the file is kept. A database that an update's --discard-settings set aside is not that.
        java.nio.file.Files.writeString(dir.resolve("ab.db.schema-" + (latest + 1) + ".1700000000"), "");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(Optional.of(dir.resolve("ab.db.schema-" + (latest + 1))), store.newerFirmwareDatabase());
            assertTrue(store.newerFirmwareNote().orElseThrow().contains("kept in ab.db.schema-" + (latest + 1)));
            // Not for ever: the page has nothing to dismiss it with, and the file stays until a reset.
            Path kept = dir.resolve("ab.db.schema-" + (latest + 1));
            java.nio.file.attribute.FileTime written = java.nio.file.Files.getLastModifiedTime(kept);
            java.nio.file.Files.setLastModifiedTime(kept, java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() - ApplianceStore.NEWER_FIRMWARE_NOTED.toMillis() - 60_000));
            assertEquals(Optional.empty(), store.newerFirmwareNote(), "no longer said two weeks after");
            java.nio.file.Files.setLastModifiedTime(kept, written);
            store.factoryReset();
            assertEquals(Optional.empty(), store.newerFirmwareDatabase(), "the reset deleted it");
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(Optional.empty(), store.newerFirmwareDatabase(), "gone for good");
        }
    }

    @Test
    void aCopyThatAPowerCutLeftEmptyDoesNotReplaceTheNewerDatabase() throws Exception {
        Path db = dir.resolve("torn.db");
        int latest = createdWith(db, "alice");
        // A newer firmware migrated it; the power went before its copy reached the disk.
        java.nio.file.Files.createFile(ApplianceStore.backupBeforeMigration(db, latest));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = " + (latest + 1));
        }
        // A command refuses it, as any database from newer firmware without its copy (the
        // service's start sets it aside: see above).
        SQLException e = assertThrows(SQLException.class, () -> ApplianceStore.open(db));
        assertTrue(e.getMessage().contains("newer than this firmware knows"), e.getMessage());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM vpn_users")) {
            assertTrue(rs.next() && rs.getString(1).equals("alice"), "the accounts are still there");
        }
    }

    /** A hash no other bytes of the files would match by chance: {@code fill} sixteen times. */
    private static byte[] hash(int fill) {
        byte[] h = new byte[16];
        java.util.Arrays.fill(h, (byte) fill);
        h[0] = 0x5A;
        return h;
    }

    /** Whether the file (if there is one) holds {@code bytes} anywhere. */
    private static boolean holds(Path file, byte[] bytes) throws Exception {
        if (!java.nio.file.Files.exists(file)) {
            return false;
        }
        byte[] all = java.nio.file.Files.readAllBytes(file);
        for (int i = 0; i + bytes.length <= all.length; i++) {
            if (java.util.Arrays.equals(all, i, i + bytes.length, bytes, 0, bytes.length)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aRemovedUsersAndAReplacedPasswordsHashesLeaveNoCopyInTheWalOrTheFile() throws Exception {
        Path db = dir.resolve("wiped.db");
        Path wal = dir.resolve("wiped.db-wal");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.addUser(new VpnUser("alice", hash(0xA1), Optional.empty(), true, Optional.empty()));
            store.addUser(new VpnUser("bob", hash(0xB2), Optional.empty(), true, Optional.empty()));
            assertTrue(holds(wal, hash(0xA1)) || holds(db, hash(0xA1)), "the test sees a stored hash");

            assertTrue(store.removeUser("alice", "user alice removed"));
            // bob's password changed twice: the one before the last is no longer kept anywhere.
            assertTrue(store.setUserSecrets("bob", hash(0xB3), null, null, "password of bob changed"));
            assertTrue(store.setUserSecrets("bob", hash(0xB4), null, null, "password of bob changed"));

            // While the service runs (its connection open, which would checkpoint at its close).
            for (Path f : List.of(wal, db)) {
                assertFalse(holds(f, hash(0xA1)), "the removed alice's NT hash in " + f.getFileName());
                assertFalse(holds(f, hash(0xB2)), "bob's replaced NT hash in " + f.getFileName());
            }
            assertTrue(store.user("bob").isPresent());
        }
    }

    @Test
    void changesAreSyncedToDiskAtEachCommit() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("sync.db"))) {
            assertEquals(2, store.pragma("synchronous"), "FULL: a saved change survives a power cut");
        }
    }

    @Test
    void theAdminPasswordHashMustBeArgon2id() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("a.db"))) {
            assertThrows(SQLException.class, () -> store.setAdminPasswordHash("plaintext", "x"));
            assertTrue(store.adminPasswordHash().isEmpty());
            assertFalse(store.events(10, "admin").stream().anyMatch(e -> e.message().equals("x")),
                    "the event of a refused change is rolled back with it");
        }
    }

    @Test
    void firstRunSetupStoresTheAdminPasswordOnlyIfNoneIsSet() throws Exception {
        String first = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$Zmlyc3RmaXJzdA";
        String second = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$c2Vjb25kc2Vjb25k";
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("setup.db"));
             ApplianceStore cli = ApplianceStore.open(dir.resolve("setup.db"))) {
            assertTrue(store.setFirstAdminPasswordHash(first, "set first"));
            assertFalse(cli.setFirstAdminPasswordHash(second, "set second"), "another process's setup, just after");
            assertFalse(store.setFirstAdminPasswordHash(second, "set second"));
            assertEquals(first, store.adminPasswordHash().orElseThrow(), "the first password stands");
            assertEquals(List.of("set first"), store.events(10, "admin").stream().map(e -> e.message()).toList(),
                    "no event for what was not stored");
        }
    }

    /** A change from the web UI replaces the hash its current password was checked against, or nothing. */
    @Test
    void anAdminPasswordChangeReplacesOnlyTheHashItWasCheckedAgainst() throws Exception {
        String first = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$Zmlyc3RmaXJzdA";
        String second = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$c2Vjb25kc2Vjb25k";
        String third = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$dGhpcmR0aGlyZA";
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("change.db"));
             ApplianceStore cli = ApplianceStore.open(dir.resolve("change.db"))) {
            store.setAdminPasswordHash(first, "set");
            cli.setAdminPasswordHash(second, "set from the command line"); // while the page checked the first
            assertFalse(store.changeAdminPasswordHash(first, third, "changed"));
            assertEquals(second, store.adminPasswordHash().orElseThrow(), "the command line's stands");
            assertTrue(store.changeAdminPasswordHash(second, third, "changed"));
            assertEquals(third, store.adminPasswordHash().orElseThrow());
            assertEquals(List.of("changed", "set from the command line", "set"),
                    store.events(10, "admin").stream().map(e -> e.message()).toList(), "one event per change stored");
        }
    }

    @Test
    void twoProcessesWritingAtOnceLoseNothing() throws Exception {
        // Two stores on one file stand for the running service and a CLI command.
        Path db = dir.resolve("busy.db");
        try (ApplianceStore a = ApplianceStore.open(db); ApplianceStore b = ApplianceStore.open(db)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                ApplianceStore s = t % 2 == 0 ? a : b;
                int thread = t;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 150; i++) {
                        if (!s.addUser(user("t" + thread + "u" + i), "added t" + thread + "u" + i)) {
                            throw new AssertionError("duplicate?");
                        }
                        s.putSettings(Map.of(Setting.HOST_NAME, "h" + thread), "renamed");
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(600, a.users().size());
            assertEquals(600, b.users().size());
            assertEquals(1200, a.events(5000, "config").size(), "every change logged with it");
        }
    }

    @Test
    void anImportThatFailsHalfwayChangesNothing() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("a.db"))) {
            store.addUser(user("keep"), "added");
            aFailedImportChangesNothing(store);
        }
    }

    /** An import naming user "x" twice fails at the second, after deleting the users: all of it must be undone. */
    private static void aFailedImportChangesNothing(ApplianceStore store) throws SQLException {
        assertThrows(SQLException.class, () -> store.replaceConfiguration(Map.of(Setting.PPTP_MAX_SESSIONS, "3"),
                List.of(user("x"), user("x")), "import"));
        assertEquals(List.of("keep"), store.users().stream().map(VpnUser::name).toList());
        assertEquals(Setting.PPTP_MAX_SESSIONS.defaultValue(), store.settings().get(Setting.PPTP_MAX_SESSIONS));
    }

    /**
     * A write refused because another program held the database past busy_timeout must not cost
     * the store its transactions: sqlite-jdbc records manual-commit mode before its BEGIN runs, so
     * a BEGIN that failed left the connection with no transaction open, and every later "all or
     * nothing" change committed statement by statement (a failed import then lost the users).
     */
    @Test
    void aWriteRefusedAsBusyLeavesLaterChangesAllOrNothing() throws Exception {
        Path db = dir.resolve("b.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.addUser(user("keep"), "added");
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = other.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                assertThrows(SQLException.class, () -> store.putSettings(Map.of(Setting.PPTP_MAX_SESSIONS, "5"), "busy"));
                st.execute("ROLLBACK");
            }
            aFailedImportChangesNothing(store);
        }
    }

    @Test
    void aWriterKilledMidTransactionLeavesAConsistentDatabase() throws Exception {
        Path db = dir.resolve("killed.db");
        ApplianceStore.open(db).close();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process writer = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), ConfigImportWriter.class.getName(), db.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (count(db, "SELECT count(*) FROM vpn_users") < 100 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(writer.isAlive(), "the writer is still writing");
        } finally {
            writer.destroyForcibly(); // SIGKILL: no chance to finish a transaction or close the file
            writer.waitFor(10, TimeUnit.SECONDS);
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1));
            }
            int users = store.users().size();
            assertTrue(users >= 100, "users: " + users);
            assertEquals(String.valueOf(users), store.settings().get(Setting.PPTP_MAX_SESSIONS),
                    "users and settings from the same last committed import");
            assertEquals("import " + users, store.events(1, "config").getFirst().message());
        }
    }

    @Test
    void theEventLogAndSessionHistoryKeepOnlyTheNewestRowsAndNeverASessionThatIsUp() throws Exception {
        Path db = dir.resolve("router.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.keepAtMost(5, 3);
            long up = store.sessionStarted(1, "alice", "198.51.100.7", "192.168.250.10", "alice connected");
            // A flood of refused calls: each one a history row and an event.
            for (int i = 0; i < 50; i++) {
                store.sessionEnded(0, 2 + i, 3 + i, null, "203.0.113.9", null, 0, 0, "REFUSED",
                        "attempt " + i, "refused", "call " + i + " refused");
            }
            store.logEvent("config", "the newest event");

            List<ApplianceStore.EventRow> events = store.events(100, null);
            assertEquals(6, events.size(), "5 and, kept apart, the connect: " + events);
            assertEquals("the newest event", events.get(0).message());
            assertEquals("call 46 refused", events.get(4).message());
            assertEquals("alice connected", events.get(5).message());

            List<ApplianceStore.SessionRow> ended = store.sessionHistory(100, false);
            assertEquals(List.of("attempt 49", "attempt 48", "attempt 47"),
                    ended.stream().map(ApplianceStore.SessionRow::endDetail).toList());
            List<ApplianceStore.SessionRow> open = store.sessionHistory(100, true);
            assertEquals(List.of(up), open.stream().map(ApplianceStore.SessionRow::id).toList(),
                    "the session that is up keeps its row, however old");

            store.sessionEnded(up, 1, 100, "alice", "198.51.100.7", "192.168.250.10", 10, 20, "USER_REQUEST",
                    "hung up", "disconnect", "alice disconnected");
            assertEquals(List.of("USER_REQUEST"), store.sessionHistory(100, false).stream()
                    .filter(r -> r.id() == up).map(ApplianceStore.SessionRow::endReason).toList(),
                    "its end is recorded on the kept row");
        }
    }

    /**
     * Strangers' guesses under unknown names are kept apart from the other failed attempts: in one
     * pool, a long guessing flood deleted a user's own failure (here no GRE) in hours, while the
     * Dashboard lists that kind for a week.
     */
    @Test
    void aGuessingFloodCannotPushAUsersFailureOutOfTheHistory() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            store.keepAtMost(5, 3);
            store.sessionEnded(0, 1, 2, null, "198.51.100.9", null, 0, 0, "NO_GRE", "", "disconnect", "no GRE");
            for (int i = 0; i < 40; i++) {
                store.sessionEnded(0, 3 + i, 4 + i, "guess" + i, "203.0.113." + i, null, 0, 0, "AUTH_FAILED",
                        "wrong password", true, "auth-failure", "guess" + i + " refused");
            }
            assertEquals(List.of("198.51.100.9"), store.sessionFailures(10, 0).stream().map(ApplianceStore.SessionRow::client).toList());
            assertTrue(store.sessionHistory(100, false).stream().filter(ApplianceStore.SessionRow::unknownUser).count() <= 6,
                    "the guesses trimmed in their own pool");
        }
    }

    /**
     * Under a sustained guessing flood the kept guesses (the newest 10,000) reach back only hours,
     * and the Dashboard counted them as the last 24 hours': the count now says from when it is whole.
     */
    @Test
    void theGuessesCountSaysFromWhenItIsWholeOnceTheTrimHasTakenSomeOfTheDay() throws Exception {
        long day = 86_400_000L;
        long now = 10 * day;
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            store.keepAtMost(5, 3);
            store.sessionEnded(0, now - 2 * day, now - 2 * day, "old", "203.0.113.1", null, 0, 0, "AUTH_FAILED",
                    "", true, "auth-failure", "an old guess");
            store.sessionEnded(0, now - 3_600_000, now - 3_600_000, "guess", "203.0.113.2", null, 0, 0, "AUTH_FAILED",
                    "", true, "auth-failure", "a guess");
            assertEquals(now - day, store.unknownUserFailures(now - day, 5).countedFromMs(),
                    "below the pool's limit: nothing of the day was trimmed");
            for (int i = 0; i < 40; i++) {
                long at = now - 20 * 3_600_000L + i * 60_000L;
                store.sessionEnded(0, at, at, "guess" + i, "203.0.113." + (i + 3), null, 0, 0, "AUTH_FAILED",
                        "", true, "auth-failure", "guess" + i + " refused");
            }
            var u = store.unknownUserFailures(now - day, 5);
            long oldestKept = store.sessionHistory(100, false).stream().filter(ApplianceStore.SessionRow::unknownUser)
                    .mapToLong(ApplianceStore.SessionRow::endedMs).min().orElseThrow();
            assertTrue(oldestKept > now - 20 * 3_600_000L, "the day's first guesses were trimmed");
            assertEquals(oldestKept, u.countedFromMs(), "whole only from the oldest kept: " + u);
        }
    }

    /**
     * A flood of failed calls from many addresses (30 recorded a minute) replaced the whole event
     * log in hours, and with it the administrator's logins and the configuration's changes: the
     * calls' events are now kept apart from the router's own record.
     */
    @Test
    void aFloodOfFailedCallsCannotPushTheAdministratorsRecordOutOfTheEventLog() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            store.keepAtMost(5, 3);
            store.logEvent("admin", "admin logged in from 192.168.1.20");
            store.putSettings(Map.of(Setting.PPTP_MAX_SESSIONS, "7"), "maximum sessions set to 7");
            for (int i = 0; i < 40; i++) {
                store.sessionEnded(0, 2 + i, 3 + i, "guess" + i, "203.0.113." + i, null, 0, 0, "AUTH_FAILED",
                        "wrong password", i % 2 == 0 ? "auth-failure" : "disconnect", "guess" + i + " refused");
                store.logEvent("admin-failure", "wrong admin password from 192.168.1." + i);
            }
            store.logEvent("problem", "the newest call event");

            List<String> all = store.events(100, null).stream().map(ApplianceStore.EventRow::message).toList();
            assertEquals(List.of("the newest call event", "wrong admin password from 192.168.1.39", "guess39 refused",
                    "wrong admin password from 192.168.1.38", "guess38 refused", "maximum sessions set to 7",
                    "admin logged in from 192.168.1.20"), all,
                    "the newest 5 events of calls and wrong passwords, and the router's own record before them");

            // The router's own record is trimmed too, apart: its newest 5.
            for (int i = 0; i < 6; i++) {
                store.logEvent(i % 2 == 0 ? "service" : "admin", "own " + i);
            }
            assertEquals(List.of("own 5", "own 4", "own 3", "own 2", "own 1"),
                    store.events(100, null).stream().filter(e -> !EventLog.CALL_KINDS.contains(e.kind()))
                            .map(ApplianceStore.EventRow::message).toList());
            assertEquals(5, store.events(100, "auth-failure").size() + store.events(100, "disconnect").size()
                    + store.events(100, "problem").size() + store.events(100, "admin-failure").size());
        }
    }

    /**
     * The history kept its newest 10,000 rows of both kinds together: a flood of strangers' failed
     * calls (30 recorded a minute) replaced it in about 5.5 hours, and with it who logged in, each
     * user's Last connection on the Users page and, after a restart, the logins the lockout reads
     * back for its familiar addresses (owners were then locked out from their everyday networks).
     * Failed attempts are now kept apart from the sessions that came up.
     */
    @Test
    void aFloodOfFailedCallsCannotPushWhoLoggedInOutOfTheSessionHistory() throws Exception {
        Path db = dir.resolve("router.db");
        long login;
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.addUser(user("alice"));
            login = store.sessionStarted(1_000, "alice", "198.51.100.7", "192.168.250.10", "alice connected");
            store.sessionEnded(login, 1_000, 2_000, "alice", "198.51.100.7", "192.168.250.10", 10, 20, "USER_REQUEST",
                    "hung up", "disconnect", "alice disconnected");
            // One more than the kept rows and their hundredth (counted once per hundredth written),
            // the last of them alice's own typo.
            int flood = ApplianceStore.SESSIONS_KEPT + ApplianceStore.SESSIONS_KEPT / 100 + 1;
            for (int i = 0; i < flood; i++) {
                boolean last = i == flood - 1;
                store.sessionEnded(0, 3_000 + i, 3_001 + i, last ? "alice" : "guess" + i % 50,
                        last ? "198.51.100.7" : "203.0.113." + i % 250, null, 0, 0, "AUTH_FAILED", "wrong password",
                        "auth-failure", "refused");
            }
        }
        try (ApplianceStore store = ApplianceStore.open(db)) { // as after a restart
            List<ApplianceStore.SessionRow> history = store.sessionHistory(3 * ApplianceStore.SESSIONS_KEPT, false);
            assertTrue(history.stream().anyMatch(r -> r.id() == login && r.wasUp()), "alice's session is in the history");
            assertEquals(ApplianceStore.SESSIONS_KEPT, history.stream().filter(r -> !r.wasUp()).count(),
                    "the newest failed attempts, trimmed apart");
            assertEquals(List.of(new ApplianceStore.Login("alice", "198.51.100.7", 1_000)), store.loginsSince(0),
                    "the login the lockout reads back at start");
            assertEquals(new ApplianceStore.LastConnection(1_000, "198.51.100.7", false,
                    3_000 + ApplianceStore.SESSIONS_KEPT + ApplianceStore.SESSIONS_KEPT / 100 + 1, "AUTH_FAILED"),
                    store.lastConnections().get("alice"), "the Users page: her session, and her typo after it");
        }
    }

    /**
     * A branch office's routes are logged at each of its sessions' starts, renegotiations too, and a
     * flapping office link logs the dial-out's ups and drops every cycle: in the router's own pool,
     * either pushed the administrator's logins and configuration changes out of the event log.
     * Twice a pool's rows, with the pools made smaller: 20,000 synced writes took a minute here.
     */
    @Test
    void theSiteToSiteTunnelsFarEndsCannotPushTheAdministratorsRecordOutOfTheEventLog() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            int kept = 500;
            store.keepAtMost(kept, 3);
            store.logEvent("admin", "admin logged in from 192.168.1.20");
            store.putSettings(Map.of(Setting.PPTP_MAX_SESSIONS, "7"), "maximum sessions set to 7");
            for (int i = 0; i < 2 * kept; i++) {
                if (i % 2 == 0) {
                    store.logEvent("route", "10.2.0.0/24 routed into pptp" + i % 8 + " for branch-" + i % 8);
                } else {
                    store.logEvent("dialout", "site-to-site tunnel to 203.0.113.7 dropped: no echo reply; next attempt"
                            + " in 5 s");
                }
            }
            assertEquals(List.of("admin logged in from 192.168.1.20"),
                    store.events(10, "admin").stream().map(ApplianceStore.EventRow::message).toList());
            assertEquals(List.of("maximum sessions set to 7"),
                    store.events(10, "config").stream().map(ApplianceStore.EventRow::message).toList());
            int tunnels = store.events(3 * kept, "route").size() + store.events(3 * kept, "dialout").size();
            assertTrue(tunnels >= kept && tunnels <= kept * 101 / 100,
                    "the tunnels' newest events, in the pool of what others cause: " + tunnels);
        }
    }

    /** A pool is counted once per hundredth of its limit: it never grows past the limit by more. */
    @Test
    void theEventLogGrowsPastItsLimitByAHundredthAtMost() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            store.keepAtMost(300, 3);
            int most = 0;
            for (int i = 0; i < 340; i++) {
                store.logEvent("connect", "alice connected " + i);
                most = Math.max(most, store.events(1000, "connect").size());
            }
            assertTrue(most > 300 && most <= 303, "the most rows kept at once: " + most);
            assertEquals("alice connected 339", store.events(1, null).getFirst().message());
        }
    }

    /**
     * A board without a battery clock steps its clock by months when its time server first answers:
     * a session up across the step ends with its start reckoned back from the end by the time it
     * lasted, and the row takes that start, not the one written before the step.
     */
    @Test
    void aSessionsEndBringsItsStartSoAClockStepDoesNotStretchItsRowOverMonths() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            long beforeStep = 1_000_000;
            long id = store.sessionStarted(beforeStep, "alice", "198.51.100.7", "192.168.250.10", "alice connected");
            long ended = beforeStep + java.time.Duration.ofDays(90).toMillis();
            long started = ended - java.time.Duration.ofMinutes(10).toMillis();
            store.sessionEnded(id, started, ended, "alice", "198.51.100.7", "192.168.250.10", 10, 20, "USER_REQUEST",
                    "hung up", "disconnect", "alice disconnected");
            ApplianceStore.SessionRow row = store.sessionHistory(1, false).getFirst();
            assertEquals(id, row.id());
            assertEquals(started, row.startedMs(), "ten minutes before its end, not 90 days");
            assertEquals(ended, row.endedMs());
        }
    }

    /**
     * The rows of the sessions that are up are brought up to date every 10 minutes. One such write
     * that reaches a row after its session's end was written (it ended at that moment) leaves the
     * end and its bytes as they are, and the row is not taken for one a crash left open.
     */
    @Test
    void aSessionsProgressWrittenAfterItsEndLeavesTheEnd() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            long started = 1_000_000;
            long ended = started + java.time.Duration.ofHours(5).toMillis();
            long id = store.sessionStarted(started, "alice", "198.51.100.7", "192.168.250.10", "alice connected");
            store.sessionEnded(id, started, ended, "alice", "198.51.100.7", "192.168.250.10", 500, 700, "USER_REQUEST",
                    "hung up", "disconnect", "alice disconnected");
            store.sessionsSeen(ended - 1, List.of(new ApplianceStore.SessionSeen(id, started, 300, 400)));
            assertEquals(0, store.closeInterruptedSessions(ended + java.time.Duration.ofDays(1).toMillis()));
            ApplianceStore.SessionRow row = store.sessionHistory(1, false).getFirst();
            assertEquals(500, row.bytesIn());
            assertEquals(700, row.bytesOut());
            assertEquals(ended, row.endedMs());
            assertEquals("USER_REQUEST", row.endReason());
        }
    }

    /**
     * The Users page's "Last connection": each account's latest session that got in, and a failed
     * attempt only when it came after that session (an old typo the user has since got past does
     * not worry the owner). Nothing in the history: no entry, which the page shows as "never".
     */
    @Test
    void eachUsersLastConnectionIsItsLatestSessionAndAFailureOnlyWhenItCameAfter() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            for (String name : List.of("alice", "bob", "carol", "dave", "erin")) {
                store.addUser(user(name));
            }
            // alice: failed, got in, got in again later, then failed: the later session, then the failure.
            store.sessionEnded(0, 100, 101, "alice", "198.51.100.1", null, 0, 0, "LOCKED_OUT", "", "auth-failure", "x");
            long first = store.sessionStarted(200, "alice", "198.51.100.2", "192.168.250.10", "alice connected");
            store.sessionEnded(first, 200, 300, "alice", "198.51.100.2", null, 1, 1, "HUNG_UP", "", "disconnect", "x");
            long second = store.sessionStarted(400, "alice", "198.51.100.3", "192.168.250.10", "alice connected");
            store.sessionEnded(second, 400, 500, "alice", "198.51.100.3", null, 1, 1, "PEER_DEAD", "", "disconnect", "x");
            store.sessionEnded(0, 600, 601, "alice", "203.0.113.4", null, 0, 0, "AUTH_FAILED", "", "auth-failure", "x");
            // bob: failed once, then got in and is still connected: no failure shown.
            store.sessionEnded(0, 700, 701, "bob", "198.51.100.5", null, 0, 0, "AUTH_FAILED", "", "auth-failure", "x");
            store.sessionStarted(800, "bob", "198.51.100.6", "192.168.250.11", "bob connected");
            // carol: only failures, never in.
            store.sessionEnded(0, 900, 901, "carol", "198.51.100.7", null, 0, 0, "ACCOUNT_DISABLED", "", "auth-failure", "x");
            // erin: the laptop connected, then the phone, which hung up: the laptop is still up.
            store.sessionStarted(1000, "erin", "198.51.100.20", "192.168.250.12", "erin connected");
            long phone = store.sessionStarted(1100, "erin", "198.51.100.21", "192.168.250.13", "erin connected");
            store.sessionEnded(phone, 1100, 1200, "erin", "198.51.100.21", null, 1, 1, "HUNG_UP", "", "disconnect", "x");
            // A caller that never gave a name is nobody's.
            store.sessionEnded(0, 950, 951, null, "203.0.113.9", null, 0, 0, "NO_GRE", "", "disconnect", "x");

            Map<String, ApplianceStore.LastConnection> last = store.lastConnections();
            assertEquals(new ApplianceStore.LastConnection(400, "198.51.100.3", false, 601, "AUTH_FAILED"),
                    last.get("alice"), "its latest session, and the failure after it");
            assertEquals(new ApplianceStore.LastConnection(800, "198.51.100.6", true, 0, null), last.get("bob"),
                    "connected now; its failure before that is not shown");
            assertEquals(new ApplianceStore.LastConnection(0, "", false, 901, "ACCOUNT_DISABLED"), last.get("carol"));
            assertEquals(new ApplianceStore.LastConnection(1000, "198.51.100.20", true, 0, null), last.get("erin"),
                    "connected now, from the laptop");
            assertEquals(java.util.Set.of("alice", "bob", "carol", "erin"), last.keySet(), "dave, with no history: none (never)");
        }
    }

    /**
     * A deleted person's sessions stay in the history, but are not the next account of that name's:
     * a new "alice" showed the old alice's login time and client address as her "Last connection".
     * An import that keeps a name keeps its person, and an account from before this version its history.
     */
    @Test
    void aNewAccountNamedAsADeletedOneHasNoneOfItsLastConnection() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("router.db"))) {
            store.addUser(user("alice"));
            store.addUser(user("bob"));
            long old = store.sessionStarted(1_000, "alice", "198.51.100.7", "192.168.250.10", "alice connected");
            store.sessionEnded(old, 1_000, 2_000, "alice", "198.51.100.7", null, 1, 1, "HUNG_UP", "", "disconnect", "x");
            store.sessionEnded(0, 2_500, 2_501, "alice", "198.51.100.7", null, 0, 0, "AUTH_FAILED", "", "auth-failure", "x");
            long bobs = store.sessionStarted(1_500, "bob", "198.51.100.8", "192.168.250.11", "bob connected");
            store.sessionEnded(bobs, 1_500, 2_000, "bob", "198.51.100.8", null, 1, 1, "HUNG_UP", "", "disconnect", "x");
            assertEquals("198.51.100.7", store.lastConnections().get("alice").client());

            assertTrue(store.removeUser("alice", "user alice removed"));
            assertTrue(store.addUser(user("alice"), "user alice added"), "someone else, given the name");
            assertNull(store.lastConnections().get("alice"), "never, on the Users page: " + store.lastConnections());
            assertEquals(1, store.sessionHistory(10, false).stream().filter(r -> "alice".equals(r.user()) && r.wasUp()).count(),
                    "the history still holds the old alice's session");

            long hers = store.sessionStarted(3_000, "alice", "203.0.113.20", "192.168.250.10", "alice connected");
            assertEquals(new ApplianceStore.LastConnection(3_000, "203.0.113.20", true, 0, null),
                    store.lastConnections().get("alice"), "her own");

            // The router's own accounts imported again: the same people, the same last connections.
            store.replaceConfiguration(Map.of(), store.users(), "configuration imported");
            assertEquals(3_000, store.lastConnections().get("alice").connectedMs());
            assertEquals(1_500, store.lastConnections().get("bob").connectedMs(), "bob, kept by the import");
            assertTrue(hers > old);
        }
    }

    /** The page reads every account's last connection at once: fast with the history full (10,000 rows). */
    @Test
    void theLastConnectionsOfAllUsersComeQuicklyFromAFullHistory() throws Exception {
        Path db = dir.resolve("router.db");
        ApplianceStore.open(db).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.setAutoCommit(false);
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO vpn_users(name, nt_hash, created_ms)"
                    + " VALUES (?, zeroblob(16), 1)")) {
                for (int i = 0; i < 200; i++) {
                    ps.setString(1, "user" + i);
                    ps.executeUpdate();
                }
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO vpn_sessions(started_ms, ended_ms, "
                    + "user_name, client, was_up, end_reason) VALUES (?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < ApplianceStore.SESSIONS_KEPT; i++) {
                    ps.setLong(1, 1000L * i);
                    ps.setLong(2, 1000L * i + 500);
                    ps.setString(3, "user" + (i % 200));
                    ps.setString(4, "198.51.100." + (i % 250));
                    ps.setInt(5, i % 3 == 0 ? 0 : 1);
                    ps.setString(6, i % 3 == 0 ? "AUTH_FAILED" : "HUNG_UP");
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.lastConnections(); // warm: the page's first read after start loads the pages
            long best = Long.MAX_VALUE;
            Map<String, ApplianceStore.LastConnection> last = null;
            for (int i = 0; i < 5; i++) {
                long t = System.nanoTime();
                last = store.lastConnections();
                best = Math.min(best, System.nanoTime() - t);
            }
            System.out.printf("lastConnections over %d rows: %.1f ms%n", ApplianceStore.SESSIONS_KEPT, best / 1e6);
            assertEquals(200, last.size());
            // user1's last two rows: 9601 got in, 9801 (a multiple of 3) failed after it.
            assertEquals(new ApplianceStore.LastConnection(9_601_000, "198.51.100.101", false, 9_801_500, "AUTH_FAILED"),
                    last.get("user1"));
            assertTrue(best < 200_000_000L, "took " + best / 1e6 + " ms");
        }
    }

    @Test
    void aFactoryResetLeavesNoSecretInTheFilesAMachineGivenAwayKeeps() throws Exception {
        Path db = dir.resolve("appliance.db");
        byte[] ntHash = java.util.HexFormat.of().parseHex("8846f7eaee8fb117ad06bdd830b7586c"); // MD4 of "password"
        String dialOutHash = "a4f49c406510bdcab6824ee7c30fd852";
        // Copies a firmware upgrade and a rollback left beside the database, with the secrets in them.
        java.nio.file.Files.writeString(dir.resolve("appliance.db.before-upgrade-from-schema-3"), dialOutHash);
        java.nio.file.Files.writeString(dir.resolve("appliance.db.schema-9"), dialOutHash);
        try (ApplianceStore store = ApplianceStore.open(db)) {
            for (int i = 0; i < 50; i++) { // enough rows to spread over several pages
                store.addUser(new VpnUser("user" + i, ntHash, Optional.empty(), true, Optional.empty()));
            }
            store.putSettings(Map.of(Setting.DIALOUT_NT_HASH, dialOutHash));
            store.setAdminPasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$secretadminhash", "set");
            // A CLI command ('status', say) is reading at that moment: its snapshot keeps the old
            // pages in the WAL until it ends, and the wipe must wait for it, not give up.
            var reading = new java.util.concurrent.CountDownLatch(1);
            Thread reader = Thread.ofPlatform().start(() -> {
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM vpn_users")) {
                        rs.next();
                    }
                    reading.countDown();
                    Thread.sleep(700);
                    c.commit();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            reading.await();
            store.factoryReset();
            reader.join();

            assertTrue(store.users().isEmpty());
            for (String name : List.of("appliance.db", "appliance.db-wal")) {
                Path f = dir.resolve(name);
                if (!java.nio.file.Files.exists(f)) {
                    continue;
                }
                byte[] bytes = java.nio.file.Files.readAllBytes(f);
                String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
                assertFalse(text.contains(new String(ntHash, java.nio.charset.StandardCharsets.ISO_8859_1)), name + ": NT hash");
                assertFalse(text.contains(dialOutHash), name + ": the dial-out's hash");
                assertFalse(text.contains("secretadminhash"), name + ": the admin's hash");
            }
        }
        assertFalse(java.nio.file.Files.exists(dir.resolve("appliance.db.before-upgrade-from-schema-3")));
        assertFalse(java.nio.file.Files.exists(dir.resolve("appliance.db.schema-9")));
    }

    /**
     * A password beyond ASCII keeps its octet-wise NT hash (what pppd-based clients prove) beside
     * the NT hash, and a login reads both with the previous hash in one go; a change replaces it,
     * a password of plain ASCII has none. An account from before the upgrade has none either.
     */
    @Test
    void theOctetWiseHashIsKeptReplacedAndClearedWithThePassword() throws Exception {
        Path db = dir.resolve("v8.db");
        databaseOfSchema(db, 8);
        byte[] first = NtPasswordHash.octetWiseOf("Grüße-2024!").orElseThrow();
        byte[] second = NtPasswordHash.octetWiseOf("Åsa-ørn-2025").orElseThrow();
        try (ApplianceStore store = ApplianceStore.open(db)) {
            assertEquals(Optional.empty(), store.user("alice").orElseThrow().octetWiseNtHash(), "from before the upgrade");
            assertTrue(store.addUser(new VpnUser("carol", NtPasswordHash.of("Grüße-2024!"), Optional.empty(), true,
                    Optional.empty(), Optional.of(first))));
            assertArrayEquals(first, store.user("carol").orElseThrow().octetWiseNtHash().orElseThrow());
            ApplianceStore.LoginAccount login = store.loginAccount("Carol").orElseThrow();
            assertArrayEquals(first, login.user().octetWiseNtHash().orElseThrow());
            assertEquals(Optional.empty(), login.previousNtHash());

            assertTrue(store.setUserSecrets("carol", NtPasswordHash.of("Åsa-ørn-2025"), second, null, "changed"));
            login = store.loginAccount("carol").orElseThrow();
            assertArrayEquals(second, login.user().octetWiseNtHash().orElseThrow(), "the new password's");
            assertArrayEquals(NtPasswordHash.of("Grüße-2024!"), login.previousNtHash().orElseThrow(),
                    "the previous password still told apart");

            assertTrue(store.setUserSecrets("carol", NtPasswordHash.of("plain ascii now"), null, null, "changed"));
            assertEquals(Optional.empty(), store.loginAccount("carol").orElseThrow().user().octetWiseNtHash(),
                    "a password of plain ASCII has none: the old one's would still let pppd clients in");
        }
    }

    /** CHAP-MD5 switched off: its secrets (the passwords, in effect) leave the files, not only the table. */
    @Test
    void chapSecretsDroppedAreGoneFromTheFilesToo() throws Exception {
        Path db = dir.resolve("appliance.db");
        String secret = "carols-chap-password-1234";
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.addUser(new VpnUser("carol", new byte[16], Optional.of(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    true, Optional.empty()));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                st.execute("PRAGMA wal_checkpoint(TRUNCATE)"); // on disk in the file, as after any checkpoint
            }
            assertEquals(1, store.dropChapSecrets());
            assertTrue(store.user("carol").orElseThrow().chapSecret().isEmpty());
            for (String name : List.of("appliance.db", "appliance.db-wal")) {
                Path f = dir.resolve(name);
                if (java.nio.file.Files.exists(f)) {
                    String text = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertFalse(text.contains(secret), name + " still holds the secret");
                }
            }
        }
    }

    @Test
    void aFileThatIsNoDatabaseIsSetAsideAndTheServiceStartsWithDefaults() throws Exception {
        Path db = dir.resolve("appliance.db");
        byte[] garbage = new byte[8192];
        new java.util.Random(7).nextBytes(garbage); // what a flash fault or a bad write leaves
        java.nio.file.Files.write(db, garbage);
        assertThrows(SQLException.class, () -> ApplianceStore.open(db), "a CLI command does not touch it");
        try (ApplianceStore store = ApplianceStore.openOrSetAside(db)) {
            assertTrue(store.users().isEmpty());
            assertTrue(store.adminPasswordHash().isEmpty(), "the first-run setup opens");
            assertTrue(store.recentEvents(5).getFirst().startsWith("service: the settings database could not be read"),
                    store.recentEvents(5).toString());
        }
        try (var kept = java.nio.file.Files.list(dir)) {
            Path aside = kept.filter(p -> p.getFileName().toString().startsWith("appliance.db.damaged-")).findFirst()
                    .orElseThrow(() -> new AssertionError("the damaged file is kept"));
            assertArrayEquals(garbage, java.nio.file.Files.readAllBytes(aside));
        }
    }

    /**
     * A bug that throws an Error (not an exception) in the middle of a change: the change is undone
     * as a whole, and the store goes on; left open, its transaction took in the next writes and was
     * committed by the next change, half-done.
     */
    @Test
    void aChangeCutShortByAnErrorIsUndoneAndTheNextOneStandsAlone() throws Exception {
        Path db = dir.resolve("error.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.addUser(user("alice"));
            AssertionError bug = assertThrows(AssertionError.class, () -> store.inTransaction(() -> {
                store.addUser(user("half-done"));
                throw new AssertionError("a bug");
            }));
            assertEquals("a bug", bug.getMessage());
            store.addUser(user("bob"));
            assertEquals(List.of("alice", "bob"), store.users().stream().map(VpnUser::name).toList());
        }
        assertEquals(0, count(db, "SELECT count(*) FROM vpn_users WHERE name = 'half-done'"));
        assertEquals(2, count(db, "SELECT count(*) FROM vpn_users"));
    }

    /**
     * The administrator's changes and the problems found for the owner reach the journal too,
     * beside the log lines around them: the configuration change before "the VPN dropped at 14:02"
     * was in the database alone. Events with lines of their own (a call's connect, the service's
     * events) are not repeated there.
     */
    @Test
    void theAdministratorsChangesAndTheOwnersProblemsAreInTheJournalToo() throws Exception {
        List<String> journal = new java.util.ArrayList<>();
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("journal.db"))) {
            store.journalEventsTo((kind, message) -> journal.add(kind + ": " + message));
            store.logEvent("config", "VPN settings changed: max sessions 50 -> 20");
            store.logEvent("connect", "alice connected from 198.51.100.7");
            store.logEvent("service", "PPTP server listening on 0.0.0.0:1723"); // logged where it happens
            store.logEvent("problem", "passthrough: 192.168.1.20's VPN call to 203.0.113.5 ended with no GRE back");
            store.factoryReset(); // a change and its event in one transaction
            // A change whose transaction fails (a full disk, a bug) was not made: nor is it in the journal.
            assertThrows(AssertionError.class, () -> store.inTransaction(() -> {
                store.logEvent("config", "a change that never happened");
                throw new AssertionError("the commit failed");
            }));
        }
        assertEquals(List.of("config: VPN settings changed: max sessions 50 -> 20",
                "problem: passthrough: 192.168.1.20's VPN call to 203.0.113.5 ended with no GRE back",
                "config: factory reset: default settings, no users, no admin password"), journal);
    }
}
