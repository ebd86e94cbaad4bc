package org.homerouter.appliance.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event log and the session history age out: rows written by a router whose wall clock read
 * what each test says, then deleted as the store does at start and once a day.
 */
class AgedRowsTest {
    /** The wall clock as a router that has run for a few years reads it: times here are relative to it. */
    private static final long NOW = AgedRows.FIRST_PLAUSIBLE.toEpochMilli() + days(1200);

    @TempDir
    Path dir;
    private ApplianceStore store;
    /** Writes rows as the service did when its clock read what it read: another connection, as the CLI's. */
    private Connection writer;

    @BeforeEach
    void open() throws Exception {
        Path db = dir.resolve("appliance.db");
        store = ApplianceStore.open(db);
        writer = DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    @AfterEach
    void close() throws Exception {
        writer.close();
        store.close();
    }

    private static long days(long n) {
        return Duration.ofDays(n).toMillis();
    }

    private void event(long atMs, String kind, String message) throws Exception {
        try (PreparedStatement ps = writer.prepareStatement("INSERT INTO event_log(at_ms, kind, message) VALUES (?, ?, ?)")) {
            ps.setLong(1, atMs);
            ps.setString(2, kind);
            ps.setString(3, message);
            ps.executeUpdate();
        }
    }

    /** A session that came up (or a failed attempt, {@code up} false) ended at {@code endedMs}; 0: still up. */
    private void session(long startedMs, long endedMs, boolean up, String user) throws Exception {
        try (PreparedStatement ps = writer.prepareStatement("INSERT INTO vpn_sessions(started_ms, ended_ms, user_name, "
                + "client, was_up) VALUES (?, ?, ?, '198.51.100.7', ?)")) {
            ps.setLong(1, startedMs);
            if (endedMs == 0) {
                ps.setNull(2, java.sql.Types.INTEGER);
            } else {
                ps.setLong(2, endedMs);
            }
            ps.setString(3, user);
            ps.setInt(4, up ? 1 : 0);
            ps.executeUpdate();
        }
    }

    /** Deletes as the store's daily run does, in batches until none is left; returns how many went. */
    private int deleteAged(long nowMs) throws Exception {
        int deleted = 0;
        int batch;
        do {
            batch = store.deleteAgedRows(nowMs, 3);
            deleted += batch;
        } while (batch == 3);
        return deleted;
    }

    /** The event log's messages, oldest first. */
    private List<String> events() throws Exception {
        return store.events(1000, null).stream().map(ApplianceStore.EventRow::message).toList().reversed();
    }

    /** The session history's users (finished rows, then the ones up), oldest first. */
    private List<String> history() throws Exception {
        List<String> finished = store.sessionHistory(1000, false).stream().map(ApplianceStore.SessionRow::user)
                .toList().reversed();
        List<String> up = store.sessionHistory(1000, true).stream().map(r -> r.user() + " (up)").toList();
        return java.util.stream.Stream.concat(finished.stream(), up.stream()).toList();
    }

    /**
     * A session's row is written as it starts: a branch office's tunnel that was up 500 days and
     * ended yesterday is not a row written yesterday, and keeps none of the rows written after it
     * (before, the sessions and failed attempts of those 500 days stayed until it aged out).
     */
    @Test
    void aLongSessionThatEndedLatelyKeepsNoOlderRowWrittenAfterIt() throws Exception {
        session(NOW - days(500), NOW - days(1), true, "branch1");
        session(NOW - days(401), NOW - days(400), true, "carol");
        session(NOW - days(150), NOW - days(150), false, "guess150");
        session(NOW - days(20), NOW - days(20), true, "alice");

        assertEquals(2, deleteAged(NOW));
        assertEquals(List.of("branch1", "alice"), history());
    }

    @Test
    void rowsOlderThanAYearGoAndWhatStrangersFillGoesAfter90Days() throws Exception {
        // alice's account exists before her logins: the lockout learns an account's logins only.
        store.addUser(new VpnUser("alice", new byte[16], java.util.Optional.empty(), true, java.util.Optional.empty()));
        event(NOW - days(400), "config", "maximum sessions set to 7, 400 days ago");
        event(NOW - days(300), "admin", "admin logged in, 300 days ago");
        event(NOW - days(100), "auth-failure", "guess refused, 100 days ago");
        event(NOW - days(100), "connect", "alice connected, 100 days ago");
        event(NOW - days(80), "auth-failure", "guess refused, 80 days ago");
        event(NOW - days(1), "service", "appliance started yesterday");
        session(NOW - days(500), 0, true, "branch1"); // a site-to-site tunnel, up for 500 days
        session(NOW - days(401), NOW - days(400), true, "carol");
        session(NOW - days(366), NOW - days(300), true, "branch2"); // began over a year ago, ended 300 days ago
        session(NOW - days(300), NOW - days(300), true, "bob");
        session(NOW - days(100), NOW - days(100), false, "guess100");
        session(NOW - days(80), NOW - days(80), false, "guess80");
        session(NOW - days(20), NOW - days(20), true, "alice");

        assertEquals(5, deleteAged(NOW));
        assertEquals(List.of("admin logged in, 300 days ago", "guess refused, 80 days ago", "appliance started yesterday"),
                events(), "the router's own record a year, the calls' 90 days");
        assertEquals(List.of("branch2", "bob", "guess80", "alice", "branch1 (up)"), history(),
                "sessions a year after they ended, failed attempts 90 days; a session still up stays");
        assertEquals(List.of("alice"), store.loginsSince(NOW - days(30)).stream().map(ApplianceStore.Login::user).toList(),
                "the VPN lockout still learns where alice logged in from");
        assertEquals(0, deleteAged(NOW), "nothing more at the next run");
    }

    /**
     * A board's clock set back behind every row (by hand, or a board without a battery clock
     * restarted with its time server unreachable): against it the whole history is stamped in the
     * future. None of it may go; once the clock is right, the rows over a year old do, and what was
     * written while the clock was behind is not taken for old.
     */
    @Test
    void aClockSetBackBehindTheWholeHistoryDeletesNoneOfItAndOnceRightOnlyTheRowsOverAYearOldGo() throws Exception {
        event(NOW - days(400), "config", "a change 400 days ago");
        event(NOW - days(200), "admin", "admin logged in 200 days ago");
        event(NOW - days(10), "config", "a change 10 days ago");
        session(NOW - days(400), NOW - days(400), true, "carol");
        session(NOW - days(10), NOW - days(10), true, "alice");
        long behind = NOW - days(700);
        event(behind, "service", "appliance started, its clock 700 days behind");
        session(behind, behind + 60_000, true, "bob");

        assertEquals(0, deleteAged(behind + 120_000), "a clock behind deletes nothing it cannot tell is old");
        assertEquals(0, deleteAged(Duration.ofMinutes(5).toMillis()), "nor one that reads 1970");
        assertEquals(7, events().size() + history().size());

        assertEquals(2, deleteAged(NOW));
        assertEquals(List.of("admin logged in 200 days ago", "a change 10 days ago",
                "appliance started, its clock 700 days behind"), events());
        assertEquals(List.of("alice", "bob"), history());
    }

    /**
     * Off the router image a board may start in 1970 and stay there until its time server answers:
     * what it wrote meanwhile (first-run setup, say) is no older than what followed, and goes when
     * that does, a year later, not as soon as the clock is right.
     */
    @Test
    void rowsWrittenWhileTheClockReadThe1970sGoAYearAfterTheRowsWrittenAfterThem() throws Exception {
        long boot = Duration.ofMinutes(3).toMillis();
        event(boot, "admin", "admin password set at first-run setup");
        session(boot, boot + 60_000, true, "alice");
        event(NOW - days(1), "service", "the clock jumped forward by 56 years");
        session(NOW - days(1), NOW - days(1), true, "bob");

        assertEquals(0, deleteAged(NOW));
        assertEquals(List.of("admin password set at first-run setup", "the clock jumped forward by 56 years"), events());
        assertEquals(List.of("alice", "bob"), history());

        event(NOW + days(399), "admin", "admin logged in");
        assertEquals(4, deleteAged(NOW + days(400)));
        assertEquals(List.of("admin logged in"), events());
    }

    /**
     * A clock set five years ahead and back stamped its rows five years ahead. They stay while the
     * rows written after them are young (it may be the clock that is wrong now), then go with them,
     * not five years later; nor does a row stamped ahead hold back the deletion of the others.
     */
    @Test
    void rowsStampedAheadByAClockSetAheadAndBackGoWithTheRowsWrittenAfterThem() throws Exception {
        long t0 = NOW - days(400);
        event(t0, "config", "a change before the clock was set ahead");
        event(t0 + days(5 * 365), "admin", "admin logged in while the clock was 5 years ahead");
        session(t0 + days(5 * 365), t0 + days(5 * 365) + 60_000, true, "ahead");
        event(t0 + days(1), "config", "the clock set right again");
        session(t0 + days(1), t0 + days(1) + 60_000, true, "carol");

        assertEquals(0, deleteAged(t0 + days(100)));
        assertEquals(3, events().size());

        event(NOW - days(10), "admin", "admin logged in 10 days ago");
        session(NOW - days(10), NOW - days(10), true, "alice");
        assertEquals(5, deleteAged(NOW));
        assertEquals(List.of("admin logged in 10 days ago"), events());
        assertEquals(List.of("alice"), history());
    }
}
