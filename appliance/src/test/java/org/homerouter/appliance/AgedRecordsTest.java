package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.homerouter.appliance.store.ApplianceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The records older than they are kept go at start and again later, on the housekeeping thread, by a clock the test moves. */
class AgedRecordsTest {
    @TempDir
    Path dir;
    private ApplianceStore store;
    private final AtomicLong wallMillis = new AtomicLong(Instant.parse("2030-01-01T00:00:00Z").toEpochMilli());
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void open() throws Exception {
        store = ApplianceStore.open(dir.resolve("appliance.db"));
    }

    @AfterEach
    void close() throws Exception {
        housekeeping.shutdownNow();
        store.close();
    }

    /** Events stamped {@code ago} before the wall clock's reading now, written as the service wrote them. */
    private void events(int count, Duration ago, String message) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.file());
             PreparedStatement ps = c.prepareStatement("INSERT INTO event_log(at_ms, kind, message) VALUES (?, 'admin', ?)")) {
            for (int i = 0; i < count; i++) {
                ps.setLong(1, wallMillis.get() - ago.toMillis());
                ps.setString(2, message);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private List<String> messages() throws Exception {
        return store.events(10_000, null).stream().map(ApplianceStore.EventRow::message).toList();
    }

    @Test
    void atStartTheRowsOverAYearOldGoHoweverManyBatchesTheyTake() throws Exception {
        events(2 * AgedRecords.BATCH + 100, Duration.ofDays(400), "admin logged in 400 days ago");
        events(1, Duration.ofDays(1), "admin logged in yesterday");
        try (AgedRecords aged = new AgedRecords(store, wallMillis::get, () -> true, AgedRecords.PERIOD)) {
            aged.start(housekeeping);
            assertEquals(List.of("admin logged in yesterday"), Eventually.value(this::messages, m -> m.size() == 1));
        }
    }

    /**
     * A board whose clock reads years ahead at boot, until its time server answers: nothing is
     * deleted while the clock is not set; once it is (and reads right), only what is really old.
     */
    @Test
    void nothingGoesWhileTheClockIsNotSetByATimeServer() throws Exception {
        events(1, Duration.ofDays(400), "admin logged in 400 days ago");
        events(1, Duration.ofDays(1), "admin logged in yesterday");
        java.util.concurrent.atomic.AtomicBoolean set = new java.util.concurrent.atomic.AtomicBoolean();
        long right = wallMillis.get();
        wallMillis.addAndGet(Duration.ofDays(5 * 365).toMillis()); // the clock five years ahead
        try (AgedRecords aged = new AgedRecords(store, wallMillis::get, set::get, Duration.ofMillis(20))) {
            aged.start(housekeeping);
            Thread.sleep(200); // ten tries
            assertEquals(2, messages().size(), "nothing deleted by a clock no time server has set");
            wallMillis.set(right);
            set.set(true);
            assertEquals(List.of("admin logged in yesterday"), Eventually.value(this::messages, m -> m.size() == 1));
        }
    }

    /**
     * The try right after the time server set the clock deletes nothing: the rows this run wrote
     * before carried the old clock's times until ClockSteps, within 10 s, moved them with the step
     * (ClockStepsTest); deleting then would take them for old ones. The next try deletes.
     */
    @Test
    void theFirstTryAfterTheClockIsSetWaitsForTheNext() throws Exception {
        events(1, Duration.ofDays(400), "admin logged in 400 days ago");
        java.util.concurrent.atomic.AtomicBoolean set = new java.util.concurrent.atomic.AtomicBoolean();
        try (AgedRecords aged = new AgedRecords(store, wallMillis::get, set::get, AgedRecords.PERIOD)) {
            aged.tryDeleteAged();
            set.set(true);
            aged.tryDeleteAged();
            assertEquals(1, messages().size(), "not at the first try after the clock was set");
            aged.tryDeleteAged();
            assertEquals(List.of(), messages(), "at the next");
        }
    }

    /** A file beside the database, last written {@code ago} before the wall clock's reading now. */
    private Path copy(String name, Duration ago) throws Exception {
        Path p = java.nio.file.Files.writeString(dir.resolve(name), "users, sessions, events");
        java.nio.file.Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(wallMillis.get() - ago.toMillis()));
        return p;
    }

    /**
     * The whole copies of the database set aside beside it (a newer firmware's that did not stay, a
     * damaged one, one an update's --discard-settings kept) held the history and deleted users'
     * hashes until a factory reset: they go 90 days after they were set aside, each named in the log.
     */
    @Test
    void copiesOfTheDatabaseSetAsideOverNinetyDaysAgoGoWithTheirSideFiles() throws Exception {
        long now = wallMillis.get();
        Duration old = ApplianceStore.COPIES_KEPT_FOR.plusDays(1);
        Duration recent = ApplianceStore.COPIES_KEPT_FOR.minusDays(1);
        long setAsideOld = (now - old.toMillis()) / 1000;
        copy("appliance.db.schema-99", old);
        copy("appliance.db.damaged-" + (now - old.toMillis()), old);
        copy("appliance.db.schema-10." + setAsideOld, old);
        copy("appliance.db.schema-10." + setAsideOld + "-wal", Duration.ofDays(400));
        copy("appliance.db.schema-10." + setAsideOld + ".lan-address", recent); // goes with its database
        copy("appliance.db.schema-98", recent);
        // Last written long ago, but set aside a week ago (a move keeps the file's time): kept.
        copy("appliance.db.damaged-" + (now - Duration.ofDays(7).toMillis()), Duration.ofDays(400));
        copy("appliance.db.before-upgrade-from-schema-9", Duration.ofDays(400)); // a rollback's
        // homerouter-update's copy where it could not tell the schema, set aside a week ago: kept.
        String unknown = "appliance.db.schema-unknown." + (now - Duration.ofDays(7).toMillis()) / 1000;
        copy(unknown, Duration.ofDays(400));
        copy("other.db.schema-99", Duration.ofDays(400));
        try (AgedRecords aged = new AgedRecords(store, wallMillis::get, () -> true, AgedRecords.PERIOD)) {
            aged.tryDeleteAged();
        }
        try (var left = java.nio.file.Files.list(dir)) {
            assertEquals(List.of("appliance.db", "appliance.db-shm", "appliance.db-wal",
                    "appliance.db.before-upgrade-from-schema-9", "appliance.db.damaged-" + (now - Duration.ofDays(7).toMillis()),
                    "appliance.db.schema-98", unknown, "other.db.schema-99"),
                    left.map(p -> p.getFileName().toString()).sorted().toList());
        }
        List<String> said = messages().stream().filter(m -> m.startsWith("deleted appliance.db.")).toList();
        assertEquals(5, said.size(), said.toString());
        assertEquals(true, said.contains("deleted appliance.db.schema-99, a copy of the settings database set aside more"
                + " than 90 days ago (with the users, sessions and events of then)"), said.toString());
    }

    /** {@code name}'s previous password hash, as a login reads it. */
    private java.util.Optional<byte[]> previous(String name) throws Exception {
        return store.loginAccount(name).orElseThrow().previousNtHash();
    }

    /**
     * The hash of the password from before its last change (as good as that password against
     * MS-CHAPv2) was kept for ever, only to tell a device still using it: it goes 30 days after the
     * change; one of unknown age (from before that was recorded) 30 days after the first run.
     */
    @Test
    void aReplacedPasswordsHashIsForgottenThirtyDaysAfterTheChange() throws Exception {
        byte[] old = new byte[16];
        java.util.Arrays.fill(old, (byte) 0x3C);
        for (String name : List.of("alice", "bob", "carol", "dave")) {
            store.addUser(new org.homerouter.appliance.store.VpnUser(name, old, java.util.Optional.empty(), true,
                    java.util.Optional.empty()));
            store.setUserSecrets(name, new byte[16], null, null);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.file());
             PreparedStatement ps = c.prepareStatement("UPDATE vpn_users SET previous_nt_hash_ms = ? WHERE name = ?")) {
            ps.setLong(1, wallMillis.get() - Duration.ofDays(31).toMillis());
            ps.setString(2, "alice");
            ps.executeUpdate();
            ps.setLong(1, wallMillis.get() - Duration.ofDays(29).toMillis());
            ps.setString(2, "bob");
            ps.executeUpdate();
            ps.setObject(1, null); // changed before this version recorded when
            ps.setString(2, "carol");
            ps.executeUpdate();
        }
        try (AgedRecords aged = new AgedRecords(store, wallMillis::get, () -> true, Duration.ofMillis(1))) {
            aged.tryDeleteAged();
            assertEquals(java.util.Optional.empty(), previous("alice"), "changed 31 days ago: forgotten");
            assertEquals(true, previous("bob").isPresent(), "changed 29 days ago: a device may still have it");
            assertEquals(true, previous("carol").isPresent(), "of unknown age: counted from now");
            // Changed on a clock years behind this run's (a board without a battery clock before
            // its time server answered): not stamped then, so not taken for years old now.
            assertEquals(true, previous("dave").isPresent(), "changed while the clock was wrong: counted from now");
            Path wal = dir.resolve("appliance.db-wal");
            assertEquals(false, java.nio.file.Files.exists(wal) && java.util.HexFormat.of()
                    .formatHex(java.nio.file.Files.readAllBytes(wal)).contains("3c".repeat(16)), "no copy in the WAL");

            wallMillis.addAndGet(Duration.ofDays(30).toMillis());
            Thread.sleep(5);
            aged.tryDeleteAged();
            assertEquals(java.util.Optional.empty(), previous("bob"));
            assertEquals(java.util.Optional.empty(), previous("carol"));
            assertEquals(java.util.Optional.empty(), previous("dave"));
        }
    }

    @Test
    void laterRunsDeleteWhatHasAgedSinceWithoutARestart() throws Exception {
        events(1, Duration.ofDays(400), "admin logged in 400 days ago");
        events(1, Duration.ofDays(1), "admin logged in yesterday");
        try (AgedRecords aged = new AgedRecords(store, wallMillis::get, () -> true, Duration.ofMillis(20))) {
            aged.start(housekeeping);
            assertEquals(List.of("admin logged in yesterday"), Eventually.value(this::messages, m -> m.size() == 1));
            wallMillis.addAndGet(Duration.ofDays(365).toMillis());
            assertEquals(List.of(), Eventually.value(this::messages, List::isEmpty), "a year later it has gone too");
        }
    }
}
