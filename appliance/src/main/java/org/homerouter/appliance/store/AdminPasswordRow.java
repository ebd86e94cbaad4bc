package org.homerouter.appliance.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;

/**
 * The admin password's hash, the one row of the admin table: read, set, changed, set at first-run
 * setup and cleared, each change with its event line in one of the store's transactions. Touched
 * only under its {@link ApplianceStore}'s lock, on the store's writing connection; the store's
 * methods that call these say what each does.
 */
record AdminPasswordRow(ApplianceStore store, Connection db, EventLog eventLog) {
    Optional<String> hash() throws SQLException {
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT password_hash FROM admin WHERE id = 1")) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    void set(String encoded, String event) throws SQLException {
        store.inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO admin(id, password_hash, changed_ms) "
                    + "VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET password_hash = excluded.password_hash, "
                    + "changed_ms = excluded.changed_ms")) {
                ps.setString(1, encoded);
                ps.setLong(2, System.currentTimeMillis());
                ps.executeUpdate();
            }
            eventLog.insert("admin", event);
        });
    }

    boolean change(String previous, String encoded, String event) throws SQLException {
        boolean[] stored = new boolean[1];
        store.inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "UPDATE admin SET password_hash = ?, changed_ms = ? WHERE id = 1 AND password_hash = ?")) {
                ps.setString(1, encoded);
                ps.setLong(2, System.currentTimeMillis());
                ps.setString(3, previous);
                stored[0] = ps.executeUpdate() == 1;
            }
            if (stored[0]) {
                eventLog.insert("admin", event);
            }
        });
        return stored[0];
    }

    void clear(String token, String event) throws SQLException {
        store.inTransaction(() -> {
            try (Statement st = db.createStatement()) {
                st.executeUpdate("DELETE FROM admin");
            }
            store.putSettings(Map.of(Setting.ADMIN_RESET_APPLIED, token));
            eventLog.insert("admin", event);
        });
    }

    boolean setFirst(String encoded, String event) throws SQLException {
        boolean[] stored = new boolean[1];
        store.inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO admin(id, password_hash, changed_ms) "
                    + "VALUES (1, ?, ?) ON CONFLICT(id) DO NOTHING")) {
                ps.setString(1, encoded);
                ps.setLong(2, System.currentTimeMillis());
                stored[0] = ps.executeUpdate() == 1;
            }
            if (stored[0]) {
                eventLog.insert("admin", event);
            }
        });
        return stored[0];
    }
}
