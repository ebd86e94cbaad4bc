package org.homerouter.appliance.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.homerouter.appliance.store.ApplianceStore.LoginAccount;
import org.homerouter.appliance.store.ApplianceStore.SavedAccounts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VPN's user accounts (vpn_users): added, changed, removed, each change with its config event
 * in one of the store's transactions, replaced by an import, and read. Touched under its {@link
 * ApplianceStore}'s lock on the store's writing connection, except for the lookups a login makes,
 * which the store gives its reading connection; the store's methods that call these say what each
 * does.
 */
record UserAccounts(ApplianceStore store, Connection db, EventLog eventLog) {
    /** The store's: its lines read as they always did. */
    private static final Logger LOG = LoggerFactory.getLogger(ApplianceStore.class);
    /**
     * The newest session row: a user's logins up to it no longer make their addresses familiar
     * ({@link ApplianceStore#loginsSince}) once its password is set, it is created or enabled or
     * disabled. Rows are trimmed from the oldest and ids never reused (AUTOINCREMENT), so later
     * logins lie above.
     */
    private static final String LAST_SESSION = "(SELECT coalesce(max(id), 0) FROM vpn_sessions)";
    /** What {@link #userRow} reads, in its order. */
    private static final String USER_COLUMNS = "name, nt_hash, chap_secret, enabled, static_address, "
            + "octet_wise_nt_hash";

    boolean add(VpnUser u, String event) throws SQLException {
        return changeLogged(event, () -> add(u));
    }

    boolean add(VpnUser u, String routedSubnets, String event) throws SQLException {
        return changeLogged(event, () -> add(u) && updateRoutedSubnets(u.name(), routedSubnets));
    }

    boolean update(String name, boolean enabled, String staticAddress, String event) throws SQLException {
        return changeLogged(event, () -> {
            // SQLite's SET sees the row as it was: a change of the flag moves where logins count.
            try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_users SET logins_after_session = CASE WHEN "
                    + "enabled <> ? THEN " + LAST_SESSION + " ELSE logins_after_session END, enabled = ?, "
                    + "static_address = ? WHERE name = ?")) {
                ps.setInt(1, enabled ? 1 : 0);
                ps.setInt(2, enabled ? 1 : 0);
                ps.setString(3, staticAddress);
                ps.setString(4, name);
                return ps.executeUpdate() == 1;
            }
        });
    }

    String routedSubnets(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT routed_subnets FROM vpn_users WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    Map<String, String> allRoutedSubnets() throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT name, routed_subnets FROM vpn_users WHERE routed_subnets != ''");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    boolean setRoutedSubnets(String name, String subnets, String event) throws SQLException {
        return changeLogged(event, () -> updateRoutedSubnets(name, subnets));
    }

    private boolean updateRoutedSubnets(String name, String subnets) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_users SET routed_subnets = ? WHERE name = ?")) {
            ps.setString(1, subnets);
            ps.setString(2, name);
            return ps.executeUpdate() == 1;
        }
    }

    boolean setSecrets(String name, byte[] ntHash, byte[] octetWiseNtHash, byte[] chapSecret, String event)
            throws SQLException {
        return changeLogged(event, () -> setSecrets(name, ntHash, octetWiseNtHash, chapSecret));
    }

    boolean remove(String name, String event) throws SQLException {
        return changeLogged(event, () -> remove(name));
    }

    /**
     * A change that may find nothing to change: when it does change something, its config event goes
     * in the same transaction.
     */
    private boolean changeLogged(String event, SqlChange change) throws SQLException {
        boolean[] done = new boolean[1];
        store.inTransaction(() -> {
            done[0] = change.apply();
            if (done[0]) {
                eventLog.insert("config", event);
            }
        });
        return done[0];
    }

    boolean add(VpnUser u) throws SQLException {
        if (takenName(u.name()).isPresent()) {
            return false;
        }
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR IGNORE INTO vpn_users(name, nt_hash, chap_secret, enabled, static_address, created_ms, "
                        + "octet_wise_nt_hash, logins_after_session, history_after_session) VALUES (?, ?, ?, ?, ?, ?, ?, "
                        + LAST_SESSION + ", " + LAST_SESSION + ")")) {
            ps.setString(1, u.name());
            ps.setBytes(2, u.ntHash());
            ps.setBytes(3, u.chapSecret().orElse(null));
            ps.setInt(4, u.enabled() ? 1 : 0);
            ps.setString(5, u.staticAddress().orElse(null));
            ps.setLong(6, System.currentTimeMillis());
            ps.setBytes(7, u.octetWiseNtHash().orElse(null));
            return ps.executeUpdate() == 1;
        }
    }

    Optional<String> takenName(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT name FROM vpn_users WHERE name = ? COLLATE NOCASE ORDER BY name = ? DESC LIMIT 1")) {
            ps.setString(1, name);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    boolean setSecrets(String name, byte[] ntHash, byte[] octetWiseNtHash, byte[] chapSecret) throws SQLException {
        // SET reads the row as it was: the previous hash is the one being replaced. Its time is left
        // for the next aged run to write (forgetPreviousHashes), which runs once a time server set the
        // clock (or where the system cannot say whether one did, AgedRecords):
        // stamped now, on a board without a battery clock before its time server answered, a step
        // to the real time made it look months old, and it was forgotten at once.
        try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_users SET previous_nt_hash = CASE WHEN"
                + " nt_hash = ?1 THEN previous_nt_hash ELSE nt_hash END, previous_nt_hash_ms = CASE WHEN"
                + " nt_hash = ?1 THEN previous_nt_hash_ms ELSE NULL END, nt_hash = ?1, chap_secret = ?2, "
                + "octet_wise_nt_hash = ?4, logins_after_session = " + LAST_SESSION + " WHERE name = ?3")) {
            ps.setBytes(1, ntHash);
            ps.setBytes(2, chapSecret);
            ps.setString(3, name);
            ps.setBytes(4, octetWiseNtHash);
            return ps.executeUpdate() == 1;
        }
    }

    boolean remove(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM vpn_users WHERE name = ?")) {
            ps.setString(1, name);
            return ps.executeUpdate() == 1;
        }
    }

    /** Under the reading connection's monitor, not the store's lock. */
    Optional<VpnUser> user(Connection reader, String name) throws SQLException {
        synchronized (reader) {
            try (PreparedStatement ps = reader.prepareStatement(
                    "SELECT " + USER_COLUMNS + " FROM vpn_users WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(userRow(rs)) : Optional.empty();
                }
            }
        }
    }

    /** Under the reading connection's monitor, not the store's lock. */
    Optional<LoginAccount> loginAccount(Connection reader, String name) throws SQLException {
        synchronized (reader) {
            try (PreparedStatement ps = reader.prepareStatement("SELECT " + USER_COLUMNS + ", previous_nt_hash"
                    + " FROM vpn_users WHERE name = ? COLLATE NOCASE ORDER BY name = ? DESC, name LIMIT 1")) {
                ps.setString(1, name);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new LoginAccount(userRow(rs), Optional.ofNullable(rs.getBytes(7))))
                            : Optional.empty();
                }
            }
        }
    }

    /** Under the reading connection's monitor, not the store's lock. */
    List<String> enabledStaticAddresses(Connection reader) throws SQLException {
        synchronized (reader) {
            try (Statement st = reader.createStatement(); ResultSet rs = st.executeQuery("SELECT static_address"
                    + " FROM vpn_users WHERE enabled = 1 AND static_address IS NOT NULL AND static_address <> ''")) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }

    List<VpnUser> all() throws SQLException {
        List<VpnUser> out = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT " + USER_COLUMNS + " FROM vpn_users ORDER BY name")) {
            while (rs.next()) {
                out.add(userRow(rs));
            }
        }
        return out;
    }

    private static VpnUser userRow(ResultSet rs) throws SQLException {
        return new VpnUser(rs.getString(1), rs.getBytes(2), Optional.ofNullable(rs.getBytes(3)),
                rs.getInt(4) == 1, Optional.ofNullable(rs.getString(5)),
                Optional.ofNullable(rs.getBytes(6)));
    }

    int count() throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM vpn_users")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Forgets each previous password's hash set {@code keptForMs} or more before {@code nowMs}, and
     * returns how many. One whose time is unknown (set before that was recorded) or ahead of the
     * clock (set while the clock read wrong) counts from now: kept too long at worst, once.
     */
    int forgetPreviousHashes(long nowMs, long keptForMs) throws SQLException {
        try (PreparedStatement stamp = db.prepareStatement("UPDATE vpn_users SET previous_nt_hash_ms = ?1 WHERE"
                + " previous_nt_hash IS NOT NULL AND (previous_nt_hash_ms IS NULL OR previous_nt_hash_ms > ?1)");
             PreparedStatement forget = db.prepareStatement("UPDATE vpn_users SET previous_nt_hash = NULL,"
                     + " previous_nt_hash_ms = NULL WHERE previous_nt_hash IS NOT NULL AND previous_nt_hash_ms <= ?")) {
            stamp.setLong(1, nowMs);
            stamp.executeUpdate();
            forget.setLong(1, nowMs - keptForMs);
            return forget.executeUpdate();
        }
    }

    int dropChapSecrets() throws SQLException {
        try (Statement st = db.createStatement()) {
            int dropped = st.executeUpdate("UPDATE vpn_users SET chap_secret = NULL WHERE chap_secret IS NOT NULL");
            if (dropped > 0) {
                try {
                    ApplianceStore.checkpoint(st);
                } catch (SQLException e) {
                    LOG.warn("CHAP secrets deleted, but older copies may stay in the database's log until its next"
                            + " checkpoint: {}", e.getMessage());
                }
            }
            return dropped;
        }
    }

    // ---- a configuration imported, or put back -----------------------------------------------

    SavedAccounts saved() throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM vpn_users")) {
            int n = rs.getMetaData().getColumnCount();
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                columns.add(rs.getMetaData().getColumnName(i));
            }
            List<Object[]> rows = new ArrayList<>();
            while (rs.next()) {
                Object[] row = new Object[n];
                for (int i = 0; i < n; i++) {
                    row[i] = rs.getObject(i + 1);
                }
                rows.add(row);
            }
            return new SavedAccounts(List.copyOf(columns), List.copyOf(rows));
        }
    }

    /** Every account gone, inside the caller's transaction (an import or its undoing). */
    void removeAll() throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("DELETE FROM vpn_users");
        }
    }

    /**
     * The accounts of an import, with the branch-office accounts' routed subnets (user name to
     * list), inside the caller's transaction: each of {@code unchangedLoginsAfter}'s accounts keeps
     * where its logins count ({@link #loginsAfterOfUnchanged}), and each of {@code historyAfter}'s
     * where its session history begins ({@link #historyAfter}).
     */
    void addImported(List<VpnUser> users, Map<String, Long> unchangedLoginsAfter, Map<String, Long> historyAfter,
                     Map<String, String> routedSubnets) throws SQLException {
        for (VpnUser u : users) {
            if (!add(u)) {
                throw new SQLException("user " + u.name() + " twice in the configuration");
            }
            Long history = historyAfter.get(u.name());
            if (history != null) {
                try (PreparedStatement ps = db.prepareStatement(
                        "UPDATE vpn_users SET history_after_session = ? WHERE name = ?")) {
                    ps.setLong(1, history);
                    ps.setString(2, u.name());
                    ps.executeUpdate();
                }
            }
            Long after = unchangedLoginsAfter.get(u.name());
            if (after != null) {
                try (PreparedStatement ps = db.prepareStatement(
                        "UPDATE vpn_users SET logins_after_session = ? WHERE name = ?")) {
                    ps.setLong(1, after);
                    ps.setString(2, u.name());
                    ps.executeUpdate();
                }
            }
        }
        for (Map.Entry<String, String> r : routedSubnets.entrySet()) {
            try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_users SET routed_subnets = ? WHERE name = ?")) {
                ps.setString(1, r.getValue());
                ps.setString(2, r.getKey());
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("routed subnets for " + r.getKey() + ", who is not in the configuration");
                }
            }
        }
    }

    /** The accounts {@link #saved} before an import, row for row, inside the caller's transaction. */
    void restore(SavedAccounts accounts) throws SQLException {
        String sql = "INSERT INTO vpn_users(" + String.join(", ", accounts.columns) + ") VALUES ("
                + String.join(", ", Collections.nCopies(accounts.columns.size(), "?")) + ")";
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (Object[] row : accounts.rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.executeUpdate();
            }
        }
    }

    /**
     * Where the logins count of each account that {@code users} keeps as it is (the same password,
     * enabled or not as before): an import of the router's own export must not make its owners'
     * addresses unfamiliar after the next restart, no more than it does until then.
     */
    Map<String, Long> loginsAfterOfUnchanged(List<VpnUser> users) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT logins_after_session FROM vpn_users WHERE name = ? AND nt_hash = ? AND enabled = ?")) {
            for (VpnUser u : users) {
                ps.setString(1, u.name());
                ps.setBytes(2, u.ntHash());
                ps.setInt(3, u.enabled() ? 1 : 0);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        out.put(u.name(), rs.getLong(1));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Where each account's own session history begins, by name: an import that keeps a name keeps
     * its person (the router's own export put back), and with them their "Last connection".
     */
    Map<String, Long> historyAfter() throws SQLException {
        Map<String, Long> out = new HashMap<>();
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT name, history_after_session FROM vpn_users")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    @FunctionalInterface
    private interface SqlChange {
        /** @return whether anything changed */
        boolean apply() throws SQLException;
    }
}
