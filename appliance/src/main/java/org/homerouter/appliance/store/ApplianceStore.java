package org.homerouter.appliance.store;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's configuration and event log in one SQLite file. WAL journal, so readers (the UI)
 * never wait for a writer; every change in one transaction, so a power cut leaves either the old
 * or the new configuration. The file holds secrets, so it is created owner-only (0600).
 * Thread-safe: one connection, used under this object's lock.
 */
public final class ApplianceStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplianceStore.class);

    private final Path file;
    private final Connection db;

    private ApplianceStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens (creating on first run) the database and brings its schema up to date. */
    public static ApplianceStore open(Path file) throws SQLException, IOException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            if (posix) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        }
        boolean fresh = !Files.exists(file);
        if (fresh && posix) {
            // Create it owner-only before SQLite opens it: no window where it is world-readable.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement st = db.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("PRAGMA synchronous=NORMAL");
            st.execute("PRAGMA foreign_keys=ON");
            st.execute("PRAGMA busy_timeout=5000");
        }
        ApplianceStore store = new ApplianceStore(file, db);
        store.migrate();
        store.insertMissingDefaults();
        if (fresh) {
            LOG.info("created {} with default settings", file);
        }
        return store;
    }

    public Path file() {
        return file;
    }

    public synchronized int schemaVersion() throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private synchronized void migrate() throws SQLException {
        int current = schemaVersion();
        if (current > Migrations.latest()) {
            throw new SQLException("database schema version " + current + " is newer than this firmware knows ("
                    + Migrations.latest() + "): refusing to touch it");
        }
        for (Migration m : Migrations.ALL) {
            if (m.version() <= current) {
                continue;
            }
            inTransaction(() -> {
                try (Statement st = db.createStatement()) {
                    for (String sql : m.statements()) {
                        st.execute(sql);
                    }
                    st.execute("PRAGMA user_version = " + m.version());
                }
            });
            LOG.info("database schema migrated to version {} ({})", m.version(), m.description());
        }
    }

    private void insertMissingDefaults() throws SQLException {
        inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO settings(key, value) VALUES (?, ?)")) {
                for (Setting s : Setting.values()) {
                    ps.setString(1, s.key());
                    ps.setString(2, s.defaultValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    public synchronized Map<Setting, String> settings() throws SQLException {
        Map<Setting, String> out = new EnumMap<>(Setting.class);
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT key, value FROM settings")) {
            Map<String, String> raw = new java.util.HashMap<>();
            while (rs.next()) {
                raw.put(rs.getString(1), rs.getString(2));
            }
            for (Setting s : Setting.values()) {
                out.put(s, raw.getOrDefault(s.key(), s.defaultValue()));
            }
        }
        return out;
    }

    /** Writes several settings at once: all or none. */
    public synchronized void putSettings(Map<Setting, String> values) throws SQLException {
        inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
                for (Map.Entry<Setting, String> e : values.entrySet()) {
                    ps.setString(1, e.getKey().key());
                    ps.setString(2, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    /** Appends to the event log that the UI's Logs page shows. */
    public synchronized void logEvent(String kind, String message) {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO event_log(at_ms, kind, message) VALUES (?, ?, ?)")) {
            ps.setLong(1, System.currentTimeMillis());
            ps.setString(2, kind);
            ps.setString(3, message);
            ps.executeUpdate();
        } catch (SQLException e) {
            // The event log must never take the router down; the process log still has the line.
            LOG.warn("could not record event {}: {}", kind, e.toString());
        }
    }

    public synchronized java.util.List<String> recentEvents(int limit) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
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

    // ---- VPN users ---------------------------------------------------------------------------

    /** Adds a user; false if the name is taken. */
    public synchronized boolean addUser(VpnUser u) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR IGNORE INTO vpn_users(name, nt_hash, chap_secret, enabled, static_address, created_ms) "
                        + "VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, u.name());
            ps.setBytes(2, u.ntHash());
            ps.setBytes(3, u.chapSecret().orElse(null));
            ps.setInt(4, u.enabled() ? 1 : 0);
            ps.setString(5, u.staticAddress().orElse(null));
            ps.setLong(6, System.currentTimeMillis());
            return ps.executeUpdate() == 1;
        }
    }

    /** Replaces a user's secrets (password change); false if there is no such user. */
    public synchronized boolean setUserSecrets(String name, byte[] ntHash, byte[] chapSecret) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_users SET nt_hash = ?, chap_secret = ? WHERE name = ?")) {
            ps.setBytes(1, ntHash);
            ps.setBytes(2, chapSecret);
            ps.setString(3, name);
            return ps.executeUpdate() == 1;
        }
    }

    public synchronized boolean removeUser(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM vpn_users WHERE name = ?")) {
            ps.setString(1, name);
            return ps.executeUpdate() == 1;
        }
    }

    public synchronized java.util.Optional<VpnUser> user(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT name, nt_hash, chap_secret, enabled, static_address FROM vpn_users WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.Optional.of(userRow(rs)) : java.util.Optional.empty();
            }
        }
    }

    public synchronized java.util.List<VpnUser> users() throws SQLException {
        java.util.List<VpnUser> out = new java.util.ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT name, nt_hash, chap_secret, enabled, static_address FROM vpn_users ORDER BY name")) {
            while (rs.next()) {
                out.add(userRow(rs));
            }
        }
        return out;
    }

    private static VpnUser userRow(ResultSet rs) throws SQLException {
        return new VpnUser(rs.getString(1), rs.getBytes(2), java.util.Optional.ofNullable(rs.getBytes(3)),
                rs.getInt(4) == 1, java.util.Optional.ofNullable(rs.getString(5)));
    }

    @FunctionalInterface
    private interface SqlWork {
        void run() throws SQLException;
    }

    private synchronized void inTransaction(SqlWork work) throws SQLException {
        db.setAutoCommit(false);
        try {
            work.run();
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        db.close();
    }
}
