package org.homerouter.appliance.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.ApplianceStore.LastConnection;
import org.homerouter.appliance.store.ApplianceStore.Login;
import org.homerouter.appliance.store.ApplianceStore.SessionRow;
import org.homerouter.appliance.store.ApplianceStore.SessionSeen;
import org.homerouter.appliance.store.ApplianceStore.UnknownUserFailures;

/**
 * The VPN's session history (vpn_sessions): each session's row from its start to its end, the
 * failed attempts, their pools kept to their limits, and what the pages and the lockout read back.
 * Touched only under its {@link ApplianceStore}'s lock, on the store's writing connection, each
 * change with its event line in one of the store's transactions; the store's methods that call
 * these say what each does.
 */
final class SessionRecords {
    private final ApplianceStore store;
    private final Connection db;
    private final EventLog eventLog;
    private int sessionsKept = ApplianceStore.SESSIONS_KEPT;
    /** When the session history's sessions that came up, and its failed attempts, are next trimmed. */
    private final TrimPace upSessionsTrim = new TrimPace();
    private final TrimPace failedAttemptsTrim = new TrimPace();
    /**
     * And of the failed logins under unknown user names (strangers' guesses), apart from the other
     * failed attempts: in one pool a long guessing flood deleted a user's own failure (no GRE, a
     * wrong password on an account) in hours, while the Dashboard lists that kind for a week.
     */
    private final TrimPace guessesTrim = new TrimPace();

    SessionRecords(ApplianceStore store, Connection db, EventLog eventLog) {
        this.store = store;
        this.db = db;
        this.eventLog = eventLog;
    }

    /** A smaller limit than {@link ApplianceStore#SESSIONS_KEPT}, for tests. */
    void keepAtMost(int sessions) {
        sessionsKept = sessions;
    }

    /**
     * Keeps the newest {@link #sessionsKept} rows of the new row's kind: sessions that came up, and,
     * apart, failed attempts. One count for both let a flood of strangers' failed calls (30 recorded
     * a minute) replace the whole history in about 5.5 hours: who logged in, each user's Last
     * connection on the Users page, and the logins a start reads back for the lockout's familiar
     * addresses ({@link #loginsSince}), so that after a restart owners were locked out from their
     * everyday networks. Paced as the event log's pools ({@link TrimPace}).
     */
    private void trim(boolean wasUp, boolean unknownUser) throws SQLException {
        if (!(wasUp ? upSessionsTrim : unknownUser ? guessesTrim : failedAttemptsTrim).due(sessionsKept)) {
            return;
        }
        // Older than the kind's sessionsKept-th newest row (none: fewer rows, nothing goes); a
        // session still up (ended_ms NULL) stays, and counts among the kept. (A session that came
        // up is never an unknown name's.)
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM vpn_sessions WHERE was_up = ? AND unknown_user = ?"
                + " AND ended_ms IS NOT NULL AND id < (SELECT id FROM vpn_sessions WHERE was_up = ? AND unknown_user = ?"
                + " ORDER BY id DESC LIMIT 1 OFFSET ?)")) {
            ps.setInt(1, wasUp ? 1 : 0);
            ps.setInt(2, unknownUser ? 1 : 0);
            ps.setInt(3, wasUp ? 1 : 0);
            ps.setInt(4, unknownUser ? 1 : 0);
            ps.setInt(5, sessionsKept - 1);
            ps.executeUpdate();
        }
    }

    void problem(long rowId, String problem, String detail, String event) throws SQLException {
        store.inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_sessions SET problem = ?, problem_detail = ? "
                    + "WHERE id = ?")) {
                ps.setString(1, problem);
                ps.setString(2, detail);
                ps.setLong(3, rowId);
                ps.executeUpdate();
            }
            eventLog.insert("problem", event);
        });
    }

    long started(long startedMs, String user, String client, String tunnelAddress, String event) throws SQLException {
        long[] id = new long[1];
        store.inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO vpn_sessions(started_ms, seen_ms, user_name, "
                    + "client, tunnel_address, was_up) VALUES (?, ?, ?, ?, ?, 1)", Statement.RETURN_GENERATED_KEYS)) {
                ps.setLong(1, startedMs);
                ps.setLong(2, startedMs);
                ps.setString(3, user);
                ps.setString(4, client);
                ps.setString(5, tunnelAddress);
                ps.executeUpdate();
                try (ResultSet k = ps.getGeneratedKeys()) {
                    k.next();
                    id[0] = k.getLong(1);
                }
            }
            trim(true, false);
            eventLog.insert("connect", event);
        });
        return id[0];
    }

    void addressChanged(long rowId, String tunnelAddress, String event) throws SQLException {
        store.inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "UPDATE vpn_sessions SET tunnel_address = ? WHERE id = ?")) {
                ps.setString(1, tunnelAddress);
                ps.setLong(2, rowId);
                ps.executeUpdate();
            }
            eventLog.insert("connect", event);
        });
    }

    void ended(long rowId, long startedMs, long endedMs, String user, String client, String tunnelAddress,
               long bytesIn, long bytesOut, String reason, String detail, boolean unknownUser, String eventKind,
               String event) throws SQLException {
        store.inTransaction(() -> {
            if (rowId > 0) {
                // The address too: the last the session had, should a change not have been written.
                try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_sessions SET started_ms = ?, ended_ms = ?, "
                        + "bytes_in = ?, bytes_out = ?, end_reason = ?, end_detail = ?, "
                        + "tunnel_address = coalesce(?, tunnel_address) WHERE id = ?")) {
                    ps.setLong(1, startedMs);
                    ps.setLong(2, endedMs);
                    ps.setLong(3, bytesIn);
                    ps.setLong(4, bytesOut);
                    ps.setString(5, reason);
                    ps.setString(6, detail);
                    ps.setString(7, tunnelAddress);
                    ps.setLong(8, rowId);
                    ps.executeUpdate();
                }
            } else {
                try (PreparedStatement ps = db.prepareStatement("INSERT INTO vpn_sessions(started_ms, ended_ms, "
                        + "user_name, client, tunnel_address, bytes_in, bytes_out, was_up, end_reason, end_detail, "
                        + "unknown_user) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)")) {
                    ps.setLong(1, startedMs);
                    ps.setLong(2, endedMs);
                    ps.setString(3, user);
                    ps.setString(4, client);
                    ps.setString(5, tunnelAddress);
                    ps.setLong(6, bytesIn);
                    ps.setLong(7, bytesOut);
                    ps.setString(8, reason);
                    ps.setString(9, detail);
                    ps.setInt(10, unknownUser ? 1 : 0);
                    ps.executeUpdate();
                }
                trim(false, unknownUser);
            }
            // An attempt's at its own time (a flood's are written together, up to a minute later);
            // a session's end at the writing, as before: endedMs of a silent session is when it
            // was last heard, a minute before the Logs page's lines around it.
            eventLog.insert(eventKind, event, rowId > 0 ? System.currentTimeMillis() : endedMs);
        });
    }

    void seen(long seenMs, List<SessionSeen> sessions) throws SQLException {
        store.inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_sessions SET started_ms = ?, seen_ms = ?, "
                    + "bytes_in = ?, bytes_out = ? WHERE id = ? AND ended_ms IS NULL")) {
                for (SessionSeen s : sessions) {
                    ps.setLong(1, s.startedMs());
                    ps.setLong(2, seenMs);
                    ps.setLong(3, s.bytesIn());
                    ps.setLong(4, s.bytesOut());
                    ps.setLong(5, s.rowId());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    int closeInterrupted(long nowMs) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_sessions SET ended_ms = coalesce(seen_ms, ?), "
                + "end_reason = 'INTERRUPTED', end_detail = CASE WHEN seen_ms IS NULL "
                + "THEN 'the appliance stopped while the session was up' "
                // Shown after Diagnosis's "the router stopped or restarted while the session was up".
                + "ELSE 'its end and bytes are as last recorded while it was up (every 10 minutes)' END "
                + "WHERE ended_ms IS NULL")) {
            ps.setLong(1, nowMs);
            return ps.executeUpdate();
        }
    }

    private static final String ROW_COLUMNS = "SELECT id, started_ms, ended_ms, user_name, client, tunnel_address, "
            + "bytes_in, bytes_out, was_up, end_reason, end_detail, problem, problem_detail, unknown_user FROM vpn_sessions ";

    List<SessionRow> history(int limit, boolean openOnly) throws SQLException {
        return rows(ROW_COLUMNS + (openOnly ? "WHERE ended_ms IS NULL " : "WHERE ended_ms IS NOT NULL ")
                + "ORDER BY id DESC LIMIT ?", limit);
    }

    /**
     * The newest ended rows that failed (as Diagnosis.failed tells them, or with a problem while
     * up), leaving out failed logins under unknown user names: what the owner looks through when a
     * user says the VPN does not connect, however many strangers' guesses came after it.
     */
    List<SessionRow> failures(int limit, long sinceMs) throws SQLException {
        // Since a time: a failure ten months old is no recent problem, and stayed on the Dashboard
        // while nothing newer failed. FAILED is the partial index's condition (Migrations, 10), word
        // for word, so that SQLite walks that index and not every row of the year on each refresh.
        return rows(ROW_COLUMNS + "WHERE " + FAILED + " AND ended_ms >= ? ORDER BY id DESC LIMIT ?", sinceMs, limit);
    }

    /** A failed row that is not an unknown name's guess: as Migrations' index vpn_sessions_failed says it. */
    static final String FAILED = "ended_ms IS NOT NULL AND unknown_user = 0 AND (problem IS NOT NULL OR "
            + "end_reason IS NOT NULL AND (was_up = 0 OR end_reason NOT IN ('HUNG_UP', 'CALL_CLEARED')))";

    private List<SessionRow> rows(String sql, long... parameters) throws SQLException {
        List<SessionRow> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setLong(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SessionRow(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getLong(7), rs.getLong(8), rs.getInt(9) == 1,
                            rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13),
                            rs.getInt(14) == 1));
                }
            }
        }
        return out;
    }

    UnknownUserFailures unknownUserFailures(long sinceMs, int names) throws SQLException {
        int logins;
        int addresses;
        int namesTried;
        try (PreparedStatement ps = db.prepareStatement("SELECT count(*), count(DISTINCT client), "
                + "count(DISTINCT user_name) FROM vpn_sessions "
                + "WHERE unknown_user = 1 AND ended_ms >= ?")) {
            ps.setLong(1, sinceMs);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                logins = rs.getInt(1);
                addresses = rs.getInt(2);
                namesTried = rs.getInt(3);
            }
        }
        List<String> tried = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT user_name FROM vpn_sessions WHERE unknown_user = 1 "
                + "AND ended_ms >= ? AND user_name IS NOT NULL GROUP BY user_name ORDER BY max(id) DESC LIMIT ?")) {
            ps.setLong(1, sinceMs);
            ps.setInt(2, names);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tried.add(rs.getString(1));
                }
            }
        }
        return new UnknownUserFailures(logins, addresses, namesTried, tried, unknownUsersWholeFrom(sinceMs, logins));
    }

    /**
     * From when the failed logins under unknown names since {@code sinceMs} ({@code logins} of them)
     * are all still kept: {@code sinceMs}, unless their pool is at its limit and none of its rows
     * ended before then, so that the trim ({@link #trim}) may have deleted some that did not: then
     * its oldest row's end. A pool below its limit has lost none since it last was at it (only the
     * trim deletes these), and one that still holds an older row has lost none newer (the trim
     * deletes the oldest first). Read from the partial index, without the rows.
     */
    private long unknownUsersWholeFrom(long sinceMs, int logins) throws SQLException {
        if (logins < sessionsKept) {
            return sinceMs;
        }
        try (PreparedStatement ps = db.prepareStatement("SELECT min(ended_ms) FROM vpn_sessions WHERE unknown_user = 1");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return Math.max(sinceMs, rs.getLong(1));
        }
    }

    List<Login> loginsSince(long sinceMs) throws SQLException {
        List<Login> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT s.user_name, s.client, max(s.started_ms) AS last "
                + "FROM vpn_sessions s JOIN vpn_users u ON u.name = s.user_name WHERE s.was_up = 1 "
                + "AND s.started_ms >= ? AND s.id > u.logins_after_session "
                + "GROUP BY s.user_name, s.client ORDER BY last")) {
            ps.setLong(1, sinceMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Login(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return out;
    }

    Map<String, LastConnection> lastConnections() throws SQLException {
        Map<String, LastConnection> out = new HashMap<>();
        try (PreparedStatement ps = db.prepareStatement("""
                WITH latest AS (
                    SELECT s.user_name, coalesce(max(CASE WHEN s.was_up = 1 AND s.ended_ms IS NULL THEN s.id END),
                                                 max(CASE WHEN s.was_up = 1 THEN s.id END)) AS ok,
                           max(CASE WHEN s.was_up = 0 THEN s.id END) AS bad
                    FROM vpn_sessions s JOIN vpn_users u ON u.name = s.user_name
                    WHERE s.id > u.history_after_session GROUP BY s.user_name)
                SELECT l.user_name, s.started_ms, s.client, s.id IS NOT NULL AND s.ended_ms IS NULL,
                       coalesce(f.ended_ms, f.started_ms), f.end_reason
                FROM latest l LEFT JOIN vpn_sessions s ON s.id = l.ok
                LEFT JOIN vpn_sessions f ON f.id = l.bad AND (l.ok IS NULL OR l.bad > l.ok)""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), new LastConnection(rs.getLong(2),
                        rs.getString(3) == null ? "" : rs.getString(3), rs.getInt(4) == 1, rs.getLong(5),
                        rs.getString(6)));
            }
        }
        return out;
    }
}
