package org.homerouter.appliance.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.homerouter.appliance.store.ApplianceStore.EventRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log that the UI's Logs page shows (event_log): its rows written, each of its two pools
 * kept to its limit, and read back newest first. Touched only under its {@link ApplianceStore}'s
 * lock, on the store's writing connection; the store's methods that call these say what each does.
 */
final class EventLog {
    /** The store's: its lines read as they always did. */
    private static final Logger LOG = LoggerFactory.getLogger(ApplianceStore.class);
    /**
     * The events that the VPN's callers, the LAN's passthrough clients and wrong admin passwords
     * cause: anyone who reaches the port or the login makes them. A sustained flood of failed calls
     * (30 recorded a minute, from many addresses) replaced the whole log in about 5.5 hours, the
     * administrator's logins, password changes and configuration changes with it; these rows are
     * trimmed apart from the router's own record, which only the administrator and the router
     * itself write. So are the events the remote ends of the site-to-site tunnels cause, as often
     * as they like: a branch office's routes ("route"), logged at each of its sessions' starts
     * including every renegotiation (8 branches, one every 10 s, is thousands an hour), and the
     * dial-out's ups and drops ("dialout"), every cycle of a flapping office link. In this pool
     * rather than summarised: each one still says when a tunnel came up or dropped, and no rate
     * they come at reaches the administrator's record.
     */
    static final Set<String> CALL_KINDS = Set.of("auth-failure", "disconnect", "connect", "problem",
            "admin-failure", "route", "dialout");

    private final Connection db;
    private int eventsKept = ApplianceStore.EVENTS_KEPT;
    /** When each event-log pool (calls', the rest's) is next counted and trimmed. */
    private final TrimPace callEventsTrim = new TrimPace();
    private final TrimPace otherEventsTrim = new TrimPace();

    EventLog(Connection db) {
        this.db = db;
    }

    /** A smaller limit than {@link ApplianceStore#EVENTS_KEPT}, for tests. */
    void keepAtMost(int events) {
        eventsKept = events;
    }

    /**
     * The kinds of event that are in the event log alone unless {@link #journal} copies them: the
     * administrator's logins, changes and disconnects, wrong admin passwords (summed up by the
     * login's throttle), and the problems found for the owner (passthrough calls refused or whose
     * GRE failed, sessions refused for capacity), each already limited where it is made. The others
     * have their own log lines: a session's start and end, the service's own events (logged where
     * they happen, at their level), a branch's routes, the dial-out.
     */
    static final Set<String> JOURNALED_KINDS = Set.of("config", "admin", "admin-failure", "problem");

    /**
     * {@link #JOURNALED_KINDS} in the journal too, where the log lines around them are: someone
     * reading {@code journalctl} after "the VPN dropped at 14:02" saw every session line and not the
     * configuration change that caused it, nor the passthrough problem the Logs page showed.
     */
    void journal(String kind, String message) {
        if (!JOURNALED_KINDS.contains(kind)) {
            return;
        }
        if (held != null) {
            held.add(new String[] {kind, message});
        } else {
            journal.accept(kind, message);
        }
    }

    /**
     * Rows written inside a transaction reach the journal once it commits ({@link #release}): a
     * change whose commit failed (a full disk) was in the journal as made while the page said it
     * failed. Null outside one.
     */
    private List<String[]> held;

    /** A transaction begins: what it journals waits for its end. */
    void hold() {
        held = new ArrayList<>();
    }

    /** The transaction ended: committed, what it journaled goes to the journal; rolled back, it is dropped. */
    void release(boolean committed) {
        List<String[]> lines = held;
        held = null;
        if (committed && lines != null) {
            lines.forEach(l -> journal.accept(l[0], l[1]));
        }
    }

    /**
     * Where {@link #journal} writes: the process log, but for tests (which log warnings only). The
     * problems and wrong admin passwords at WARN, so that {@code journalctl -p warning} shows them.
     */
    java.util.function.BiConsumer<String, String> journal = (kind, message) -> {
        if (kind.equals("problem") || kind.equals("admin-failure")) {
            LOG.warn("event {}: {}", kind, message);
        } else {
            LOG.info("event {}: {}", kind, message);
        }
    };

    void log(String kind, String message) {
        try {
            insert(kind, message);
        } catch (SQLException e) {
            // The event log must never take the router down; the process log still has the line.
            LOG.warn("could not record event {}: {}", kind, e.toString());
        }
    }

    /** The event row, inside the caller's transaction (so a change and its log line commit together). */
    void insert(String kind, String message) throws SQLException {
        insert(kind, message, System.currentTimeMillis());
    }

    /**
     * As {@link #insert(String, String)}, at {@code atMs}: when it happened, for a record written
     * later (a flood's failed attempts are committed together, up to a minute after).
     */
    void insert(String kind, String message, long atMs) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT INTO event_log(at_ms, kind, message) VALUES (?, ?, ?)")) {
            ps.setLong(1, atMs);
            ps.setString(2, kind);
            ps.setString(3, message);
            ps.executeUpdate();
        }
        journal(kind, message);
        trim(kind);
    }

    /**
     * Keeps the newest {@link #eventsKept} rows of the new event's pool. Counting a pool scans the
     * table, so it is counted once per hundredth of the limit written (the pool may exceed its
     * limit by that much meanwhile), and at the first event after a start; a count, not a number
     * kept in memory, because the command line writes events too and a rolled-back transaction
     * takes its event with it. The oldest rows of the pool go first (ids only grow: AUTOINCREMENT).
     */
    private void trim(String kind) throws SQLException {
        boolean calls = CALL_KINDS.contains(kind);
        if (!(calls ? callEventsTrim : otherEventsTrim).due(eventsKept)) {
            return;
        }
        String pool = pool(calls);
        int excess;
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM event_log WHERE " + pool)) {
            excess = rs.next() ? rs.getInt(1) - eventsKept : 0;
        }
        if (excess > 0) {
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM event_log WHERE id IN "
                    + "(SELECT id FROM event_log WHERE " + pool + " ORDER BY id LIMIT ?)")) {
                ps.setInt(1, excess);
                ps.executeUpdate();
            }
        }
    }

    /** The SQL condition that picks one of event_log's pools: the {@link #CALL_KINDS}, or the router's own record. */
    static String pool(boolean calls) {
        return "kind " + (calls ? "" : "NOT ") + "IN (" + String.join(", ",
                CALL_KINDS.stream().sorted().map(k -> "'" + k + "'").toList()) + ")";
    }

    List<EventRow> events(int limit, String kind) throws SQLException {
        List<EventRow> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(kind == null
                ? "SELECT at_ms, kind, message FROM event_log ORDER BY id DESC LIMIT ?"
                : "SELECT at_ms, kind, message FROM event_log WHERE kind = ? ORDER BY id DESC LIMIT ?")) {
            int i = 1;
            if (kind != null) {
                ps.setString(i++, kind);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new EventRow(rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    List<String> recentEvents(int limit) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT kind, message FROM event_log ORDER BY id DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + ": " + rs.getString(2));
                }
            }
        }
        return out;
    }
}
