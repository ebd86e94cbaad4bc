package org.homerouter.appliance.store;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.List;
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
    /** The database copy made before a schema migration: {@code <file><infix><schema version>}. */
    private static final String BACKUP_INFIX = ".before-upgrade-from-schema-";
    /** The newer firmware's database, kept aside when its pre-migration copy is restored. */
    private static final String NEWER_INFIX = ".schema-";
    /** A database that could not be read at all ({@link #openOrSetAside}). */
    private static final String DAMAGED_INFIX = ".damaged-";

    /**
     * Rows kept in the event log (and, {@link #SESSIONS_KEPT}, in the session history): enough for
     * months of a small office's use, while a flood of failed calls from the internet (each one a
     * history row and an event) cannot fill the router's storage. The oldest rows go first; a
     * session still up is kept. The event log keeps this many of {@link #CALL_KINDS} and, apart,
     * this many of the rest. Rows older than they are kept for ({@link #KEPT_FOR}) go besides.
     */
    public static final int EVENTS_KEPT = 10_000;
    /** How long a write waits for another program's (the service's, a CLI command's) to finish. */
    private static final int BUSY_TIMEOUT_MS = 5000;
    /** SQLite's primary result code for a lock another connection holds. */
    private static final int SQLITE_BUSY = 5;
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
    static final java.util.Set<String> CALL_KINDS = java.util.Set.of("auth-failure", "disconnect", "connect", "problem",
            "admin-failure", "route", "dialout");
    /**
     * Rows kept in the session history of sessions that came up and, apart, of failed attempts
     * (which strangers on the internet cause): a flood of failed calls cannot push out who logged in.
     */
    public static final int SESSIONS_KEPT = 10_000;
    /**
     * The newest session row: a user's logins up to it no longer make their addresses familiar
     * ({@link #loginsSince}) once its password is set, it is created or enabled or disabled. Rows
     * are trimmed from the oldest and ids never reused (AUTOINCREMENT), so later logins lie above.
     */
    private static final String LAST_SESSION = "(SELECT coalesce(max(id), 0) FROM vpn_sessions)";
    /**
     * How long the session history and the router's own record keep a row: the history answers who
     * used the VPN last spring, while the names and addresses of people long gone leave the router.
     * A quiet router never reached the counts above, and kept them for ever.
     */
    public static final java.time.Duration KEPT_FOR = java.time.Duration.ofDays(365);
    /**
     * Shorter for what others fill: the events of {@link #CALL_KINDS} and the history's failed
     * attempts. Most of these rows are the addresses of strangers who try the VPN port or the login
     * from the internet, and the names they guess; they matter while the guessing goes on, not a
     * season later. Who logged in stays the year in the history's sessions (the VPN lockout reads
     * its last 30 days at start, {@code KnownLogins}).
     */
    public static final java.time.Duration OTHERS_KEPT_FOR = java.time.Duration.ofDays(90);
    /** The pools that age out, each by the time its rows carry ({@link AgedRows}). */
    private static final List<AgedRows> AGED = List.of(
            new AgedRows("event_log", "at_ms", eventPool(true), OTHERS_KEPT_FOR),
            new AgedRows("event_log", "at_ms", eventPool(false), KEPT_FOR),
            // A session still up (ended_ms NULL) is kept, however long ago it started.
            // Kept from its end; its row was written as it started.
            new AgedRows("vpn_sessions", "ended_ms", "started_ms", "ended_ms IS NOT NULL AND was_up = 0", OTHERS_KEPT_FOR),
            new AgedRows("vpn_sessions", "ended_ms", "started_ms", "ended_ms IS NOT NULL AND was_up = 1", KEPT_FOR));

    private final Path file;
    private final Connection db;
    /**
     * A second connection for the lookups a login makes (its account, its static address). They
     * run on the VPN's data-path thread, which carries every session's packets, so they must not
     * wait behind this store's lock while a write holds it (a slow flash commit, a WAL checkpoint,
     * or busy_timeout while a CLI command writes). In WAL mode a reader never waits for a writer.
     * Opened once the schema is up to date; guarded by its own monitor.
     */
    private volatile Connection reader;
    /** Where {@link #openOrSetAside} put a database it could not read, until a configuration replaces the defaults. */
    private volatile Path setAside;
    /** A transaction of {@link #inTransaction} is open on {@link #db}; guarded by this. */
    private boolean transactionOpen;
    private int eventsKept = EVENTS_KEPT;
    /** When each event-log pool (calls', the rest's) is next counted and trimmed. Guarded by this. */
    private final TrimPace callEventsTrim = new TrimPace();
    private final TrimPace otherEventsTrim = new TrimPace();
    private int sessionsKept = SESSIONS_KEPT;
    /** When the session history's sessions that came up, and its failed attempts, are next trimmed. Guarded by this. */
    private final TrimPace upSessionsTrim = new TrimPace();
    private final TrimPace failedAttemptsTrim = new TrimPace();

    /**
     * When a pool of rows is trimmed: at the first row written since the start (finding the cutoff
     * reads the table), then once per hundredth of the pool's limit written, not at every row.
     */
    private static final class TrimPace {
        /** Rows written since the last trim; -1 before the first. */
        private int since = -1;

        boolean due(int kept) {
            int written = ++since;
            if (written > 0 && written <= kept / 100) { // 0: the first row since the start
                return false;
            }
            since = 0;
            return true;
        }
    }

    private ApplianceStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /**
     * As {@link #open}, for the service: a file SQLite cannot read as a database at all (SQLITE_NOTADB,
     * SQLITE_CORRUPT while opening) is set aside as {@code FILE.damaged-MILLIS}, kept for a
     * technician, and the router starts with default settings and says so in its event log.
     * Without this the service failed at every start, systemd restarted it for ever, and the
     * owner had no web UI to restore a backup with.
     */
    public static ApplianceStore openOrSetAside(Path file) throws SQLException, IOException {
        try {
            return open(file);
        } catch (SQLException e) {
            int code = e.getErrorCode() & 0xff;
            if (code != 26 && code != 11) {
                throw e;
            }
            Path aside = file.resolveSibling(file.getFileName() + DAMAGED_INFIX + System.currentTimeMillis());
            for (String suffix : List.of("-wal", "-shm")) {
                Path p = file.resolveSibling(file.getFileName() + suffix);
                if (Files.exists(p)) {
                    Files.move(p, aside.resolveSibling(aside.getFileName() + suffix));
                }
            }
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
            sync(aside); // and its directory: the rename survives a power cut before the new file is made
            LOG.error("{} cannot be read as a database ({}): set aside as {}; starting with default settings", file,
                    e.getMessage(), aside);
            ApplianceStore store = open(file);
            store.setAside = aside;
            store.logEvent("service", "the settings database could not be read (" + e.getMessage() + "): it was set aside"
                    + " as " + aside.getFileName() + " and the router started with default settings, no users and no"
                    + " admin password; restore a configuration export on the System page");
            return store;
        }
    }

    /**
     * The damaged database this run set aside at its start, while the router runs on the defaults
     * that replaced it: the Dashboard asks for the last export to be imported.
     */
    public java.util.Optional<Path> setAside() {
        return java.util.Optional.ofNullable(setAside);
    }

    /** How long the Dashboard tells of a newer firmware that did not stay ({@link #newerFirmwareDatabase}). */
    public static final java.time.Duration NEWER_FIRMWARE_NOTED = java.time.Duration.ofDays(14);

    /**
     * The newer firmware's database that a start of this firmware replaced by the copy made before
     * that firmware's upgrade (its trial failed, or it was rolled back), as long as it is kept
     * ({@code FILE.schema-N}, N above this firmware's schema; the highest if there are several):
     * the Dashboard says that the changes made under it are not in use, and where they are kept,
     * for {@link #NEWER_FIRMWARE_NOTED} after that firmware last wrote it (the page has nothing to
     * dismiss it with, and the file stays until a factory reset), or until the file is deleted. Read
     * from the directory, not remembered by the store that restored the copy: that may have been a
     * CLI command's, or a run before a restart. Empty when it cannot be read.
     */
    public java.util.Optional<Path> newerFirmwareDatabase() {
        Path dir = file.toAbsolutePath().getParent();
        java.util.regex.Pattern kept = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(file.getFileName() + NEWER_INFIX) + "(\\d{1,9})");
        Path newest = null;
        int newestVersion = Migrations.latest();
        try (var files = Files.newDirectoryStream(dir, file.getFileName() + NEWER_INFIX + "*")) {
            for (Path p : files) {
                // Not FILE.schema-N.<time>: a database set aside by 'homerouter-update --discard-settings'.
                java.util.regex.Matcher m = kept.matcher(p.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) > newestVersion
                        && Files.getLastModifiedTime(p).toMillis() > System.currentTimeMillis() - NEWER_FIRMWARE_NOTED.toMillis()) {
                    newestVersion = Integer.parseInt(m.group(1));
                    newest = p;
                }
            }
        } catch (IOException e) {
            LOG.debug("reading {} for a newer firmware's database: {}", dir, e.toString());
        }
        return java.util.Optional.ofNullable(newest);
    }

    /**
     * What the Dashboard says while {@link #newerFirmwareDatabase} is kept, and the event log once,
     * when the copy is restored; empty while there is none.
     */
    public java.util.Optional<String> newerFirmwareNote() {
        return newerFirmwareDatabase().map(ApplianceStore::newerFirmwareNote);
    }

    private static String newerFirmwareNote(Path kept) {
        return "A newer firmware did not stay on this router (its trial start failed, or it was rolled back): the"
                + " router went back to this firmware and to the settings from before that update. Changes made while"
                + " the newer firmware ran are not in use; they are kept in " + kept.getFileName() + ". Make them"
                + " again if you need them.";
    }

    /** A configuration was imported (or the owner reset the router): the set-aside file is dealt with. */
    public void setAsideDealtWith() {
        setAside = null;
    }

    /** Opens (creating on first run) the database and brings its schema up to date. */
    public static ApplianceStore open(Path file) throws SQLException, IOException {
        boolean posix = posix();
        createDataDirectory(file.toAbsolutePath().getParent());
        boolean fresh = !Files.exists(file);
        if (fresh && posix) {
            // Create it owner-only before SQLite opens it: no window where it is world-readable.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        java.util.Properties props = new java.util.Properties();
        // BEGIN IMMEDIATE: a writer takes the write lock at the start of its transaction, so two
        // writers (the service and a CLI command) queue on busy_timeout instead of one failing with
        // SQLITE_BUSY when upgrading a read lock.
        props.setProperty("transaction_mode", "IMMEDIATE");
        Connection db = connect(file, props);
        ApplianceStore store = new ApplianceStore(file, db);
        int version;
        try {
            version = store.schemaVersion();
        } catch (SQLException e) {
            db.close(); // before the file may be set aside (openOrSetAside)
            throw e;
        }
        Path before = backupBeforeMigration(file, Migrations.latest());
        if (version > Migrations.latest() && Files.exists(before) && usableCopy(before)) {
            // A newer firmware migrated this database and then did not stay (its trial boot failed,
            // or it was rolled back): its copy from before the migration is this firmware's own.
            // The database file exists at every step (a crash here must not leave a router with
            // no configuration and an open first-run setup): the newer one is copied aside, and
            // the copy replaces it in one atomic rename, consumed so that it is restored once only.
            db.close(); // the last connection: SQLite checkpoints the WAL into the file
            Path newer = file.resolveSibling(file.getFileName() + NEWER_INFIX + version);
            Files.copy(file, newer, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            for (String suffix : List.of("-wal", "-shm")) {
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            }
            Files.move(before, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.warn("{} has schema version {}, from newer firmware: restored the copy that firmware made before "
                    + "migrating it ({}); changes made since are kept aside in {}", file, version, before, newer);
            // Said where the owner looks (the Logs page, the Dashboard): the changes made under the
            // newer firmware are gone from the router's configuration without a word otherwise.
            ApplianceStore restored = open(file);
            restored.logEvent("service", newerFirmwareNote(newer));
            return restored;
        }
        try {
            store.migrate();
            store.insertMissingDefaults();
            store.reader = connect(file, new java.util.Properties());
            try (Statement st = store.reader.createStatement()) {
                st.execute("PRAGMA query_only=1");
            }
        } catch (SQLException | IOException | RuntimeException e) {
            try {
                store.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        if (fresh) {
            LOG.info("created {} with default settings", file);
        }
        return store;
    }

    /**
     * Whether the copy made before a migration is whole and of this firmware's schema. A copy that a
     * power cut left empty or torn must not replace the newer database: SQLite takes an empty file
     * for an empty database, which would wipe every account and open the first-run setup.
     */
    private static boolean usableCopy(Path copy) {
        java.util.Properties ro = new java.util.Properties();
        ro.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy.toAbsolutePath(), ro);
             Statement st = c.createStatement()) {
            String check;
            try (ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
                check = rs.next() ? rs.getString(1) : "no answer";
            }
            int version;
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : -1;
            }
            if ("ok".equals(check) && version == Migrations.latest()) {
                return true;
            }
            LOG.error("{} (the copy from before a newer firmware's migration) is not usable (integrity: {}, schema"
                    + " version {} where {} is needed): the newer database is left as it is", copy, check, version,
                    Migrations.latest());
        } catch (SQLException e) {
            LOG.error("{} (the copy from before a newer firmware's migration) cannot be read ({}): the newer database"
                    + " is left as it is", copy, e.getMessage());
        }
        return false;
    }

    /** fsync(2) of a file and of its directory, so that it and its name survive a power cut. */
    private static void sync(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try (java.nio.channels.FileChannel dir = java.nio.channels.FileChannel.open(file.toAbsolutePath().getParent(),
                java.nio.file.StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            LOG.debug("fsync of the directory of {}: {}", file, e.toString()); // not every file system allows it
        }
    }

    private static Connection connect(Path file, java.util.Properties props) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), props);
        try (Statement st = c.createStatement()) {
            // First: switching an older database to WAL takes an exclusive lock, and without the
            // timeout a second program opening it at that moment (the service and a CLI command after
            // an update) failed at once with SQLITE_BUSY instead of waiting its turn.
            st.execute("PRAGMA busy_timeout=" + BUSY_TIMEOUT_MS);
            switchToWal(st);
            // FULL: a change the page has called saved (a password changed after a leak, an account
            // deleted) survives a power cut; NORMAL in WAL mode may lose the last commits.
            st.execute("PRAGMA synchronous=FULL");
            // A deleted user's NT hash is zeroed, not left in a free page (see factoryReset).
            st.execute("PRAGMA secure_delete=ON");
            st.execute("PRAGMA foreign_keys=ON");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Two programs switching an older database to WAL at once (the service and a CLI command after
     * an update): each reads the header under a shared lock and then asks for the exclusive one,
     * and SQLite answers one of them SQLITE_BUSY at once, without its busy handler, rather than let
     * the two wait on each other. Its turn comes when the other's switch is done: it asks again for
     * as long as busy_timeout would have waited. (One switch per database: the mode is kept in it.)
     */
    private static void switchToWal(Statement st) throws SQLException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(BUSY_TIMEOUT_MS);
        while (true) {
            try {
                st.execute("PRAGMA journal_mode=WAL");
                return;
            } catch (SQLException e) {
                if ((e.getErrorCode() & 0xFF) != SQLITE_BUSY || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting to switch the database to WAL", e);
            }
        }
    }

    public Path file() {
        return file;
    }

    /** Smaller limits than {@link #EVENTS_KEPT} and {@link #SESSIONS_KEPT}, for tests. */
    synchronized void keepAtMost(int events, int sessions) {
        this.eventsKept = events;
        this.sessionsKept = sessions;
    }

    /** A PRAGMA's value on the writing connection (tests). */
    synchronized int pragma(String name) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getInt(1) : -1;
        }
    }

    /**
     * The schema version this firmware's migrations end at: {@code --version} prints it, and the
     * router image states it in its release file, so that homerouter-update can refuse to go back to
     * a firmware that cannot read this router's database.
     */
    public static int latestSchemaVersion() {
        return Migrations.latest();
    }

    public synchronized int schemaVersion() throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * Where a database of schema {@code version} is copied before it is migrated past it. Only the
     * latest such copy is kept: an older firmware finds its own schema there, or nothing.
     */
    static Path backupBeforeMigration(Path file, int version) {
        return file.resolveSibling(file.getFileName() + BACKUP_INFIX + version);
    }

    /** The data directory, created owner-only if missing: it holds the users' NT hashes. */
    public static void createDataDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            if (posix()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Brings the schema up to date: every pending step and the new user_version in one transaction
     * (SQLite's DDL is transactional), so that a step that fails, a full disk or a power cut leaves
     * the version the database had. Step by step, a 5-to-7 upgrade stopped after step 6 left version
     * 6: the next start deleted the copy of 5 and kept one of 6, and the previous firmware (5), back
     * after the failed trial, found no copy of its own and refused to start until the router was
     * reflashed. The migrations must hold only what a transaction can (no VACUUM, no PRAGMA that
     * is ignored inside one, such as foreign_keys).
     */
    private synchronized void migrate() throws SQLException, IOException {
        int[] from = {0};
        try {
            inTransaction(() -> {
                // Read under the write lock (BEGIN IMMEDIATE): the service and a CLI command opening
                // the database at the same moment after an update both read the old version first,
                // and the second's ALTER failed ("duplicate column"). The second now waits for the
                // first's commit (busy_timeout) and finds nothing left to do.
                int current = schemaVersion();
                from[0] = current;
                if (current > Migrations.latest()) {
                    throw new SQLException("database schema version " + current + " is newer than this firmware knows ("
                            + Migrations.latest() + "): refusing to touch it");
                }
                if (current == Migrations.latest()) {
                    return;
                }
                if (current > 0) {
                    copyBeforeMigration(current);
                }
                try (Statement st = db.createStatement()) {
                    for (Migration m : Migrations.ALL) {
                        if (m.version() > current) {
                            for (String sql : m.statements()) {
                                st.execute(sql);
                            }
                        }
                    }
                    st.execute("PRAGMA user_version = " + Migrations.latest());
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        for (Migration m : Migrations.ALL) {
            if (m.version() > from[0]) {
                LOG.info("database schema migrated to version {} ({})", m.version(), m.description());
            }
        }
    }

    /**
     * A/B updates: if this firmware's trial boot fails, the previous one comes back and needs the
     * database as it was (see {@link #open}): copied, under the migration's write lock, so that no
     * other program changes it or its copies meanwhile. The copy is read through a connection of
     * its own (VACUUM cannot run inside a transaction); in WAL mode a reader does not wait for the
     * lock, and no write has been made under it yet.
     */
    private void copyBeforeMigration(int current) throws SQLException {
        try {
            try (var old = Files.newDirectoryStream(file.toAbsolutePath().getParent(),
                    file.getFileName() + BACKUP_INFIX + "*")) {
                for (Path p : old) {
                    Files.delete(p);
                }
            }
            Path backup = backupBeforeMigration(file, current);
            if (posix()) {
                // Owner-only from the start, as the database itself: it holds the users' NT hashes.
                // VACUUM INTO accepts an empty file.
                Files.createFile(backup, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            try (Connection c = connect(file, new java.util.Properties());
                 PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
                ps.setString(1, backup.toAbsolutePath().toString());
                ps.execute();
            }
            // VACUUM INTO does not sync its output: without this, a power cut in the seconds after
            // the migration could leave the migrated database beside an empty copy.
            sync(backup);
            LOG.info("database schema version {} copied to {} before the upgrade", current, backup);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // unwrapped by migrate, after the rollback
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
            trimEvents(kind);
        } catch (SQLException e) {
            // The event log must never take the router down; the process log still has the line.
            LOG.warn("could not record event {}: {}", kind, e.toString());
        }
    }

    /** The event row, inside the caller's transaction (so a change and its log line commit together). */
    private void insertEvent(String kind, String message) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO event_log(at_ms, kind, message) VALUES (?, ?, ?)")) {
            ps.setLong(1, System.currentTimeMillis());
            ps.setString(2, kind);
            ps.setString(3, message);
            ps.executeUpdate();
        }
        trimEvents(kind);
    }

    /**
     * Keeps the newest {@link #eventsKept} rows of the new event's pool. Counting a pool scans the
     * table, so it is counted once per hundredth of the limit written (the pool may exceed its
     * limit by that much meanwhile), and at the first event after a start; a count, not a number
     * kept in memory, because the command line writes events too and a rolled-back transaction
     * takes its event with it. The oldest rows of the pool go first (ids only grow: AUTOINCREMENT).
     */
    private void trimEvents(String kind) throws SQLException {
        boolean calls = CALL_KINDS.contains(kind);
        if (!(calls ? callEventsTrim : otherEventsTrim).due(eventsKept)) {
            return;
        }
        String pool = eventPool(calls);
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
    private static String eventPool(boolean calls) {
        return "kind " + (calls ? "" : "NOT ") + "IN (" + String.join(", ",
                CALL_KINDS.stream().sorted().map(k -> "'" + k + "'").toList()) + ")";
    }

    /**
     * Deletes at most {@code atMost} rows of the event log and the session history that are older
     * than they are kept for ({@link #KEPT_FOR}, {@link #OTHERS_KEPT_FOR}) when the wall clock reads
     * {@code nowMs}, and returns how many: the caller calls again while it gets {@code atMost}, so
     * that the pages never wait long behind this store's lock (a flood of failed calls 90 days
     * ago leaves thousands to delete at once). A clock that is wrong for a while does not wipe the history: see
     * {@link AgedRows}.
     */
    public synchronized int deleteAgedRows(long nowMs, int atMost) throws SQLException {
        int deleted = 0;
        for (AgedRows pool : AGED) {
            if (deleted < atMost) {
                deleted += pool.delete(db, nowMs, atMost - deleted);
            }
        }
        return deleted;
    }

    /**
     * Keeps the newest {@link #sessionsKept} rows of the new row's kind: sessions that came up, and,
     * apart, failed attempts. One count for both let a flood of strangers' failed calls (30 recorded
     * a minute) replace the whole history in about 5.5 hours: who logged in, each user's Last
     * connection on the Users page, and the logins a start reads back for the lockout's familiar
     * addresses ({@link #loginsSince}), so that after a restart owners were locked out from their
     * everyday networks. Paced as the event log's pools ({@link TrimPace}).
     */
    private void trimSessions(boolean wasUp) throws SQLException {
        if (!(wasUp ? upSessionsTrim : failedAttemptsTrim).due(sessionsKept)) {
            return;
        }
        // Older than the kind's sessionsKept-th newest row (none: fewer rows, nothing goes); a
        // session still up (ended_ms NULL) stays, and counts among the kept.
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM vpn_sessions WHERE was_up = ? AND ended_ms IS NOT "
                + "NULL AND id < (SELECT id FROM vpn_sessions WHERE was_up = ? ORDER BY id DESC LIMIT 1 OFFSET ?)")) {
            ps.setInt(1, wasUp ? 1 : 0);
            ps.setInt(2, wasUp ? 1 : 0);
            ps.setInt(3, sessionsKept - 1);
            ps.executeUpdate();
        }
    }

    /**
     * Deletes every stored CHAP secret (plaintext-equivalent, so not kept a moment longer than
     * CHAP-MD5 is allowed). Returns how many users had one. secure_delete zeroes the freed cells,
     * but the pages as they were stay in the WAL, and in the database file until a checkpoint
     * copies the new ones there: checkpointed and truncated at once, best effort (a reader holding
     * its snapshot for longer than the busy timeout leaves them to the next checkpoint).
     */
    public synchronized int dropChapSecrets() throws SQLException {
        try (Statement st = db.createStatement()) {
            int dropped = st.executeUpdate("UPDATE vpn_users SET chap_secret = NULL WHERE chap_secret IS NOT NULL");
            if (dropped > 0) {
                try {
                    checkpoint(st);
                } catch (SQLException e) {
                    LOG.warn("CHAP secrets deleted, but older copies may stay in the database's log until its next"
                            + " checkpoint: {}", e.getMessage());
                }
            }
            return dropped;
        }
    }

    /** Settings and the config-change event that describes them, in one transaction. */
    public synchronized void putSettings(Map<Setting, String> values, String event) throws SQLException {
        inTransaction(() -> {
            putSettings(values);
            insertEvent("config", event);
        });
    }

    /** One logged event: when, what kind, the message. */
    public record EventRow(long atMs, String kind, String message) {
    }

    /** Newest first; {@code kind} null for every kind. */
    public synchronized java.util.List<EventRow> events(int limit, String kind) throws SQLException {
        java.util.List<EventRow> out = new java.util.ArrayList<>();
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

    // ---- admin -------------------------------------------------------------------------------

    public synchronized java.util.Optional<String> adminPasswordHash() throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT password_hash FROM admin WHERE id = 1")) {
            return rs.next() ? java.util.Optional.of(rs.getString(1)) : java.util.Optional.empty();
        }
    }

    public synchronized void setAdminPasswordHash(String encoded, String event) throws SQLException {
        inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO admin(id, password_hash, changed_ms) VALUES (1, ?, ?) "
                    + "ON CONFLICT(id) DO UPDATE SET password_hash = excluded.password_hash, changed_ms = excluded.changed_ms")) {
                ps.setString(1, encoded);
                ps.setLong(2, System.currentTimeMillis());
                ps.executeUpdate();
            }
            insertEvent("admin", event);
        });
    }

    /**
     * The admin password changed from the web UI: stored with its event only if the stored hash
     * is still {@code previous}, the one the owner's current password was checked against. False,
     * nothing stored or logged, when another change came first.
     */
    public synchronized boolean changeAdminPasswordHash(String previous, String encoded, String event)
            throws SQLException {
        boolean[] stored = new boolean[1];
        inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "UPDATE admin SET password_hash = ?, changed_ms = ? WHERE id = 1 AND password_hash = ?")) {
                ps.setString(1, encoded);
                ps.setLong(2, System.currentTimeMillis());
                ps.setString(3, previous);
                stored[0] = ps.executeUpdate() == 1;
            }
            if (stored[0]) {
                insertEvent("admin", event);
            }
        });
        return stored[0];
    }

    /**
     * No admin password, the reset's token as applied, and its event, in one transaction: first-run
     * setup asks for a new password, and the same reset is never applied again. The router image's
     * reset at the router ({@code AdminPasswordReset}); settings and users stay.
     */
    public synchronized void clearAdminPassword(String token, String event) throws SQLException {
        inTransaction(() -> {
            try (Statement st = db.createStatement()) {
                st.executeUpdate("DELETE FROM admin");
            }
            putSettings(Map.of(Setting.ADMIN_RESET_APPLIED, token));
            insertEvent("admin", event);
        });
    }

    /**
     * The admin password of first-run setup: stored with its event only if none is stored yet (by
     * this process or another, e.g. the CLI); false, nothing stored or logged, if one already is.
     */
    public synchronized boolean setFirstAdminPasswordHash(String encoded, String event) throws SQLException {
        boolean[] stored = new boolean[1];
        inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO admin(id, password_hash, changed_ms) VALUES (1, ?, ?) "
                    + "ON CONFLICT(id) DO NOTHING")) {
                ps.setString(1, encoded);
                ps.setLong(2, System.currentTimeMillis());
                stored[0] = ps.executeUpdate() == 1;
            }
            if (stored[0]) {
                insertEvent("admin", event);
            }
        });
        return stored[0];
    }

    // ---- session accounting ------------------------------------------------------------------

    /**
     * A session or failed attempt as recorded. {@code endedMs} 0 while up; reason is a SessionEnd
     * name; problem a SessionProblem name or null.
     */
    public record SessionRow(long id, long startedMs, long endedMs, String user, String client, String tunnelAddress,
                             long bytesIn, long bytesOut, boolean wasUp, String endReason, String endDetail,
                             String problem, String problemDetail) {
    }

    /** A session that is up ran into a problem: kept on its row, with the event line, in one transaction. */
    public synchronized void sessionProblem(long rowId, String problem, String detail, String event) throws SQLException {
        inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_sessions SET problem = ?, problem_detail = ? "
                    + "WHERE id = ?")) {
                ps.setString(1, problem);
                ps.setString(2, detail);
                ps.setLong(3, rowId);
                ps.executeUpdate();
            }
            insertEvent("problem", event);
        });
    }

    /** A session came up: its row, open until {@link #sessionEnded}. Returns the row id. */
    public synchronized long sessionStarted(long startedMs, String user, String client, String tunnelAddress, String event)
            throws SQLException {
        long[] id = new long[1];
        inTransaction(() -> {
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
            trimSessions(true);
            insertEvent("connect", event);
        });
        return id[0];
    }

    /**
     * A session that is up has another tunnel address (its link was negotiated again): kept on its
     * row, with the event line, in one transaction. {@code rowId} 0 (its start not written): the
     * event only.
     */
    public synchronized void sessionAddressChanged(long rowId, String tunnelAddress, String event) throws SQLException {
        inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_sessions SET tunnel_address = ? WHERE id = ?")) {
                ps.setString(1, tunnelAddress);
                ps.setLong(2, rowId);
                ps.executeUpdate();
            }
            insertEvent("connect", event);
        });
    }

    /**
     * A session or attempt ended. {@code rowId} 0 for an attempt that never came up: it gets a row
     * of its own, so failures show in the history too. The event line goes in the same transaction.
     * A row that was started gets {@code startedMs} too: the caller reckons it back from the end by
     * the time elapsed, and the wall clock may have stepped since the start was written (by months,
     * on a board without a battery clock when its time server first answers).
     */
    public synchronized void sessionEnded(long rowId, long startedMs, long endedMs, String user, String client,
                                          String tunnelAddress, long bytesIn, long bytesOut, String reason,
                                          String detail, String eventKind, String event) throws SQLException {
        inTransaction(() -> {
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
                try (PreparedStatement ps = db.prepareStatement("INSERT INTO vpn_sessions(started_ms, ended_ms, user_name, "
                        + "client, tunnel_address, bytes_in, bytes_out, was_up, end_reason, end_detail) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)")) {
                    ps.setLong(1, startedMs);
                    ps.setLong(2, endedMs);
                    ps.setString(3, user);
                    ps.setString(4, client);
                    ps.setString(5, tunnelAddress);
                    ps.setLong(6, bytesIn);
                    ps.setLong(7, bytesOut);
                    ps.setString(8, reason);
                    ps.setString(9, detail);
                    ps.executeUpdate();
                }
                trimSessions(false);
            }
            insertEvent(eventKind, event);
        });
    }

    /** A session that is up, as last seen: {@code startedMs} reckoned back from now, as in {@link #sessionEnded}. */
    public record SessionSeen(long rowId, long startedMs, long bytesIn, long bytesOut) {
    }

    /**
     * Sessions that are up were seen at {@code seenMs} with these bytes: kept on their open rows, in
     * one transaction, so that a power cut or crash loses only what came after. A row whose end was
     * written meanwhile keeps its end.
     */
    public synchronized void sessionsSeen(long seenMs, java.util.List<SessionSeen> sessions) throws SQLException {
        inTransaction(() -> {
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

    /**
     * Sessions still open from a previous run (power cut, kill -9, a crash): closed as interrupted,
     * at the time each was last seen up, with its bytes then ({@link #sessionsSeen}). Rows written
     * before that was recorded (older firmware) end at {@code nowMs}.
     */
    public synchronized int closeInterruptedSessions(long nowMs) throws SQLException {
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

    /** Newest first. {@code openOnly}: the sessions recorded as up right now. */
    public synchronized java.util.List<SessionRow> sessionHistory(int limit, boolean openOnly) throws SQLException {
        java.util.List<SessionRow> out = new java.util.ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT id, started_ms, ended_ms, user_name, client, tunnel_address, "
                + "bytes_in, bytes_out, was_up, end_reason, end_detail, problem, problem_detail FROM vpn_sessions "
                + (openOnly ? "WHERE ended_ms IS NULL " : "WHERE ended_ms IS NOT NULL ") + "ORDER BY id DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SessionRow(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getLong(7), rs.getLong(8), rs.getInt(9) == 1, rs.getString(10),
                            rs.getString(11), rs.getString(12), rs.getString(13)));
                }
            }
        }
        return out;
    }

    /** A user's last login from a client address since a time, for {@link #loginsSince}. */
    public record Login(String user, String client, long startedMs) {
    }

    /**
     * Each user's last session that came up from each client address, started at {@code sinceMs}
     * or later, the oldest first (failed attempts are not logins). Only the logins of the account
     * as it is now: none of a deleted account's, and none from before the account's password was
     * last set or it was created, enabled or disabled (who logged in then may have held a leaked
     * password, or been the owner of another account of that name).
     */
    public synchronized java.util.List<Login> loginsSince(long sinceMs) throws SQLException {
        java.util.List<Login> out = new java.util.ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT s.user_name, s.client, max(s.started_ms) AS last "
                + "FROM vpn_sessions s JOIN vpn_users u ON u.name = s.user_name WHERE s.was_up = 1 "
                + "AND s.started_ms >= ? AND s.id > u.logins_after_session GROUP BY s.user_name, s.client ORDER BY last")) {
            ps.setLong(1, sinceMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Login(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return out;
    }

    /**
     * A user's latest session that came up ({@code connectedMs} 0: none in the history; {@code up}:
     * it has not ended) and the latest failed attempt after it ({@code failedMs} 0: none; its end
     * reason, a {@code SessionEnd} name), for {@link #lastConnections}.
     */
    public record LastConnection(long connectedMs, String client, boolean up, long failedMs, String failReason) {
    }

    /**
     * Each user name's {@link LastConnection}, for the Users page: one pass over the history for
     * every account (no index on the name: a GROUP BY over the rows, at most twice {@link #SESSIONS_KEPT}).
     * "After" by row id, not time: ids follow the order rows were written, times may have stepped
     * with the clock. A failed attempt never came up (was_up 0); a session that came up and ended
     * badly still got in. Names as recorded: a failed attempt under a name that matched an account
     * carries the account's own name. An account with a session up shows its newest one up: a
     * phone's session that ended after the laptop's began hid that the laptop was still connected.
     */
    public synchronized Map<String, LastConnection> lastConnections() throws SQLException {
        Map<String, LastConnection> out = new java.util.HashMap<>();
        try (PreparedStatement ps = db.prepareStatement("""
                WITH latest AS (
                    SELECT user_name, coalesce(max(CASE WHEN was_up = 1 AND ended_ms IS NULL THEN id END),
                                               max(CASE WHEN was_up = 1 THEN id END)) AS ok,
                           max(CASE WHEN was_up = 0 THEN id END) AS bad
                    FROM vpn_sessions WHERE user_name IS NOT NULL GROUP BY user_name)
                SELECT l.user_name, s.started_ms, s.client, s.id IS NOT NULL AND s.ended_ms IS NULL,
                       coalesce(f.ended_ms, f.started_ms), f.end_reason
                FROM latest l LEFT JOIN vpn_sessions s ON s.id = l.ok
                LEFT JOIN vpn_sessions f ON f.id = l.bad AND (l.ok IS NULL OR l.bad > l.ok)""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), new LastConnection(rs.getLong(2), rs.getString(3) == null ? "" : rs.getString(3),
                        rs.getInt(4) == 1, rs.getLong(5), rs.getString(6)));
            }
        }
        return out;
    }

    // ---- whole configuration -------------------------------------------------------------------

    /** Replaces every setting given and every user, in one transaction (configuration import). */
    public synchronized void replaceConfiguration(Map<Setting, String> settings, java.util.List<VpnUser> users, String event)
            throws SQLException {
        replaceConfiguration(settings, users, Map.of(), event);
    }

    /** As above, with the branch-office accounts' routed subnets (user name to list). */
    public synchronized void replaceConfiguration(Map<Setting, String> settings, java.util.List<VpnUser> users,
                                                  Map<String, String> routedSubnets, String event) throws SQLException {
        inTransaction(() -> {
            Map<String, Long> unchangedLoginsAfter = loginsAfterOfUnchanged(users);
            try (Statement st = db.createStatement()) {
                st.execute("DELETE FROM vpn_users");
            }
            putSettings(settings);
            for (VpnUser u : users) {
                if (!addUser(u)) {
                    throw new SQLException("user " + u.name() + " twice in the configuration");
                }
                Long after = unchangedLoginsAfter.get(u.name());
                if (after != null) {
                    try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_users SET logins_after_session = ? WHERE name = ?")) {
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
            insertEvent("config", event);
        });
    }

    /**
     * Every account's row exactly as stored, for {@link #restoreConfiguration}: what an import
     * replaced, to be put back when the router cannot run with it. Opaque: the rows carry more than
     * an export does (where each account's logins begin to count, its creation time), and an undone
     * import must change nothing of them.
     */
    public static final class SavedAccounts {
        private final List<String> columns;
        private final List<Object[]> rows;

        private SavedAccounts(List<String> columns, List<Object[]> rows) {
            this.columns = columns;
            this.rows = rows;
        }
    }

    /** How many accounts there are. */
    public synchronized int userCount() throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM vpn_users")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The accounts as stored now, every column of every row ({@link SavedAccounts}). */
    public synchronized SavedAccounts savedAccounts() throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM vpn_users")) {
            int n = rs.getMetaData().getColumnCount();
            List<String> columns = new java.util.ArrayList<>();
            for (int i = 1; i <= n; i++) {
                columns.add(rs.getMetaData().getColumnName(i));
            }
            List<Object[]> rows = new java.util.ArrayList<>();
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

    /**
     * Puts back the settings and the accounts as they were before an import, in one transaction:
     * the accounts row for row. Re-adding them as an import does would move where the logins of
     * each account the refused file lacked or changed begin to count (to the latest session), and
     * the lockout would no longer spare it where it logged in before, from the next start on.
     */
    public synchronized void restoreConfiguration(Map<Setting, String> settings, SavedAccounts accounts, String event)
            throws SQLException {
        inTransaction(() -> {
            try (Statement st = db.createStatement()) {
                st.execute("DELETE FROM vpn_users");
            }
            putSettings(settings);
            String sql = "INSERT INTO vpn_users(" + String.join(", ", accounts.columns) + ") VALUES ("
                    + String.join(", ", java.util.Collections.nCopies(accounts.columns.size(), "?")) + ")";
            try (PreparedStatement ps = db.prepareStatement(sql)) {
                for (Object[] row : accounts.rows) {
                    for (int i = 0; i < row.length; i++) {
                        ps.setObject(i + 1, row[i]);
                    }
                    ps.executeUpdate();
                }
            }
            insertEvent("config", event);
        });
    }

    /**
     * Where the logins count of each account that {@code users} keeps as it is (the same password,
     * enabled or not as before): an import of the router's own export must not make its owners'
     * addresses unfamiliar after the next restart, no more than it does until then.
     */
    private Map<String, Long> loginsAfterOfUnchanged(java.util.List<VpnUser> users) throws SQLException {
        Map<String, Long> out = new java.util.HashMap<>();
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

    /** Back to a fresh router: defaults, no users, no admin, no history; one transaction. */
    public synchronized void factoryReset() throws SQLException {
        try {
            resetTables();
        } catch (SQLException e) {
            if ((e.getErrorCode() & 0xff) != 13) {
                throw e; // the copies stay: a failed reset keeps what an older firmware would restore
            }
            // SQLITE_FULL: the copies, which go with the reset anyway, are what frees room for its
            // own writes (the advice a full partition gets is this reset).
            deleteCopies();
            resetTables();
        }
        deleteCopies();
        forgetDeletedContent();
        setAside = null; // deleted with the other copies
    }

    /**
     * After a factory reset the router may change hands: the users' NT hashes (as good as their
     * passwords against MS-CHAPv2), the dial-out's and the admin's must not survive anywhere in
     * the files. secure_delete zeroes what each DELETE freed, but older copies of those pages may
     * sit in the WAL, and the copies kept across firmware upgrades hold all of it: the WAL is
     * checkpointed and truncated and the file rebuilt (VACUUM); the copies are deleted before
     * ({@link #deleteCopies}).
     */
    private void forgetDeletedContent() {
        // Best effort, after the reset has been committed: a failure here must not report the
        // reset as failed (it happened), only that traces of the old data may remain.
        try (Statement st = db.createStatement()) {
            checkpoint(st);
            st.execute("VACUUM");
            checkpoint(st);
        } catch (SQLException e) {
            LOG.warn("factory reset: the old settings could not be wiped from the database file: {}", e.getMessage());
            logEvent("service", "factory reset done, but the old settings could not be wiped from the database file ("
                    + e.getMessage() + "): reset once more to wipe them");
        }
    }

    private void resetTables() throws SQLException {
        inTransaction(() -> {
            try (Statement st = db.createStatement()) {
                for (String table : new String[] {"settings", "vpn_users", "admin", "vpn_sessions", "event_log"}) {
                    st.execute("DELETE FROM " + table);
                }
            }
            insertMissingDefaults();
            insertEvent("config", "factory reset: default settings, no users, no admin password");
        });
    }

    /** The copies of older settings kept beside the database (upgrades, a damaged file set aside). */
    private void deleteCopies() {
        try (var copies = Files.newDirectoryStream(file.toAbsolutePath().getParent(), file.getFileName() + ".*")) {
            for (Path p : copies) {
                String suffix = p.getFileName().toString().substring(file.getFileName().toString().length());
                if (suffix.startsWith(BACKUP_INFIX) || suffix.startsWith(NEWER_INFIX) || suffix.startsWith(DAMAGED_INFIX)) {
                    Files.delete(p);
                    LOG.info("factory reset: deleted {}", p);
                }
            }
        } catch (IOException e) {
            LOG.warn("factory reset: could not delete the copies of the old settings beside {}: {}", file, e.toString());
        }
    }

    /**
     * PRAGMA wal_checkpoint(TRUNCATE). It waits for readers through the busy handler (busy_timeout),
     * then reports one still in the way as busy in its result row instead of failing: checked.
     */
    private static void checkpoint(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            if (rs.next() && rs.getInt(1) != 0) {
                throw new SQLException("another program kept reading the database for more than 5 s");
            }
        }
    }

    // ---- VPN users ---------------------------------------------------------------------------

    /** Adds a user and logs it in one transaction; false (nothing stored) if the name is taken. */
    public synchronized boolean addUser(VpnUser u, String event) throws SQLException {
        return changeLogged(event, () -> addUser(u));
    }

    /**
     * Adds a branch-office user with the networks behind its tunnel (validated by the caller) and
     * logs it, in one transaction: a power cut in between leaves no account without its routes.
     */
    public synchronized boolean addUser(VpnUser u, String routedSubnets, String event) throws SQLException {
        return changeLogged(event, () -> addUser(u) && updateRoutedSubnets(u.name(), routedSubnets));
    }

    /** Enabled flag and static address (null for none); false if there is no such user. */
    public synchronized boolean updateUser(String name, boolean enabled, String staticAddress, String event) throws SQLException {
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

    /** The networks behind a user's tunnel, as stored ("10.2.0.0/24,10.3.0.0/16"); "" when none or no such user. */
    public synchronized String routedSubnets(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT routed_subnets FROM vpn_users WHERE name = ?")) {
            ps.setString(1, name);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    /** Every user with routed subnets, name to the stored list. */
    public synchronized Map<String, String> allRoutedSubnets() throws SQLException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT name, routed_subnets FROM vpn_users WHERE routed_subnets != ''");
             java.sql.ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    /** Sets the networks behind a user's tunnel (validated by the caller); false if there is no such user. */
    public synchronized boolean setRoutedSubnets(String name, String subnets, String event) throws SQLException {
        return changeLogged(event, () -> updateRoutedSubnets(name, subnets));
    }

    private boolean updateRoutedSubnets(String name, String subnets) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_users SET routed_subnets = ? WHERE name = ?")) {
            ps.setString(1, subnets);
            ps.setString(2, name);
            return ps.executeUpdate() == 1;
        }
    }

    public synchronized boolean setUserSecrets(String name, byte[] ntHash, byte[] octetWiseNtHash, byte[] chapSecret,
                                               String event) throws SQLException {
        return changeLogged(event, () -> setUserSecrets(name, ntHash, octetWiseNtHash, chapSecret));
    }

    public synchronized boolean removeUser(String name, String event) throws SQLException {
        return changeLogged(event, () -> removeUser(name));
    }

    /** A change that may find nothing to change: when it does change something, its config event goes in the same transaction. */
    private boolean changeLogged(String event, SqlChange change) throws SQLException {
        boolean[] done = new boolean[1];
        inTransaction(() -> {
            done[0] = change.apply();
            if (done[0]) {
                insertEvent("config", event);
            }
        });
        return done[0];
    }

    /**
     * Adds a user; false if the name is taken, also where it differs from a stored one only in
     * ASCII case ("alice" beside "Alice"): logins look the name up as sent, case and all, so two
     * such accounts would be two passwords for what every owner reads as one name, and a backup
     * holding both would not restore ({@code ConfigDocument} takes them for one name twice). The
     * pages, the command line and an import all add users here.
     */
    public synchronized boolean addUser(VpnUser u) throws SQLException {
        if (takenName(u.name()).isPresent()) {
            return false;
        }
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR IGNORE INTO vpn_users(name, nt_hash, chap_secret, enabled, static_address, created_ms, "
                        + "octet_wise_nt_hash, logins_after_session) VALUES (?, ?, ?, ?, ?, ?, ?, " + LAST_SESSION + ")")) {
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

    /**
     * The stored user name that {@code name} would duplicate: itself, or one differing from it only
     * in ASCII case (SQLite's NOCASE folds A-Z only, as user names are ASCII).
     */
    public synchronized java.util.Optional<String> takenName(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT name FROM vpn_users WHERE name = ? COLLATE NOCASE ORDER BY name = ? DESC LIMIT 1")) {
            ps.setString(1, name);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.Optional.of(rs.getString(1)) : java.util.Optional.empty();
            }
        }
    }

    /**
     * Replaces a user's secrets (password change); false if there is no such user. The hash it
     * replaces is kept as the previous one ({@link LoginAccount#previousNtHash}), unless the
     * password is the same again. The octet-wise NT hash is the new password's, or none
     * ({@code null}, a password of plain ASCII): the old one's would let its pppd clients in still.
     */
    public synchronized boolean setUserSecrets(String name, byte[] ntHash, byte[] octetWiseNtHash, byte[] chapSecret)
            throws SQLException {
        // SET reads the row as it was: the previous hash is the one being replaced.
        try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_users SET previous_nt_hash = CASE WHEN"
                + " nt_hash = ?1 THEN previous_nt_hash ELSE nt_hash END, nt_hash = ?1, chap_secret = ?2, "
                + "octet_wise_nt_hash = ?4, logins_after_session = " + LAST_SESSION + " WHERE name = ?3")) {
            ps.setBytes(1, ntHash);
            ps.setBytes(2, chapSecret);
            ps.setString(3, name);
            ps.setBytes(4, octetWiseNtHash);
            return ps.executeUpdate() == 1;
        }
    }

    public synchronized boolean removeUser(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM vpn_users WHERE name = ?")) {
            ps.setString(1, name);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * The account, as last committed (through the {@link #reader}: a login never waits for this
     * store's writes, and sees none that is not yet committed).
     */
    public java.util.Optional<VpnUser> user(String name) throws SQLException {
        Connection c = reader;
        synchronized (c) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + USER_COLUMNS + " FROM vpn_users WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? java.util.Optional.of(userRow(rs)) : java.util.Optional.empty();
                }
            }
        }
    }

    /**
     * An account as a login needs it: with the NT hash its last password change replaced, if any (a
     * login that proves it is a device still set up with the old password).
     */
    public record LoginAccount(VpnUser user, java.util.Optional<byte[]> previousNtHash) {
    }

    /**
     * The account a VPN login names, ASCII case aside (SQLite's NOCASE), as last committed (through
     * the {@link #reader}), in one read: a phone that capitalises "Alice" logs in to the account
     * "alice". The store refuses names differing only in case ({@link #takenName}); should an older
     * database hold two, the exact one wins, else the first in binary order.
     */
    public java.util.Optional<LoginAccount> loginAccount(String name) throws SQLException {
        Connection c = reader;
        synchronized (c) {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + USER_COLUMNS + ", previous_nt_hash"
                    + " FROM vpn_users WHERE name = ? COLLATE NOCASE ORDER BY name = ? DESC, name LIMIT 1")) {
                ps.setString(1, name);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? java.util.Optional.of(new LoginAccount(userRow(rs), java.util.Optional.ofNullable(rs.getBytes(7))))
                            : java.util.Optional.empty();
                }
            }
        }
    }

    /**
     * The static tunnel addresses of the enabled users, as stored (text), through the {@link #reader}:
     * the VPN server asks when its pool has no address left for a new call, on a data-path thread.
     */
    public java.util.List<String> enabledStaticAddresses() throws SQLException {
        Connection c = reader;
        synchronized (c) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT static_address FROM vpn_users"
                    + " WHERE enabled = 1 AND static_address IS NOT NULL AND static_address <> ''")) {
                java.util.List<String> out = new java.util.ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }

    public synchronized java.util.List<VpnUser> users() throws SQLException {
        java.util.List<VpnUser> out = new java.util.ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT " + USER_COLUMNS + " FROM vpn_users ORDER BY name")) {
            while (rs.next()) {
                out.add(userRow(rs));
            }
        }
        return out;
    }

    /** What {@link #userRow} reads, in its order. */
    private static final String USER_COLUMNS = "name, nt_hash, chap_secret, enabled, static_address, octet_wise_nt_hash";

    private static VpnUser userRow(ResultSet rs) throws SQLException {
        return new VpnUser(rs.getString(1), rs.getBytes(2), java.util.Optional.ofNullable(rs.getBytes(3)),
                rs.getInt(4) == 1, java.util.Optional.ofNullable(rs.getString(5)),
                java.util.Optional.ofNullable(rs.getBytes(6)));
    }

    @FunctionalInterface
    private interface SqlChange {
        /** @return whether anything changed */
        boolean apply() throws SQLException;
    }

    @FunctionalInterface
    private interface SqlWork {
        void run() throws SQLException;
    }

    /** Reads of the store, for {@link #consistently}. */
    @FunctionalInterface
    public interface SqlRead<T> {
        T read() throws SQLException;
    }

    /**
     * What {@code reads} returns, every read in it from one state of the database: a configuration
     * export made while a page saves, or while the service writes beside the command line, must
     * not hold the settings from before a change and the users from after it. A read transaction
     * (BEGIN DEFERRED, not this store's writers' IMMEDIATE): in WAL mode it sees one snapshot and
     * holds no lock a writer waits for.
     */
    public synchronized <T> T consistently(SqlRead<T> reads) throws SQLException {
        if (transactionOpen) {
            return reads.read();
        }
        try (Statement st = db.createStatement()) {
            st.execute("BEGIN DEFERRED");
        }
        boolean done = false;
        try {
            T out = reads.read();
            done = true;
            return out;
        } finally {
            try (Statement st = db.createStatement()) {
                st.execute(done ? "COMMIT" : "ROLLBACK");
            }
        }
    }

    private synchronized void inTransaction(SqlWork work) throws SQLException {
        if (transactionOpen) {
            // Already inside a transaction of this store: join it (all or nothing together).
            work.run();
            return;
        }
        try {
            db.setAutoCommit(false); // BEGIN IMMEDIATE: waits up to busy_timeout for the write lock
        } catch (SQLException e) {
            // sqlite-jdbc records manual-commit mode before its BEGIN runs. A BEGIN refused as
            // busy would leave the connection in that mode with no transaction open, and every
            // later write would commit statement by statement. Back to auto-commit (which
            // complains that there is nothing to commit, and is right).
            try {
                db.setAutoCommit(true);
            } catch (SQLException nothingToCommit) {
                e.addSuppressed(nothingToCommit);
            }
            throw e;
        }
        transactionOpen = true;
        try {
            work.run();
            db.commit();
        } catch (SQLException | RuntimeException e) {
            // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, an I/O error):
            // the rollback and the end of manual-commit mode then fail with "no transaction is
            // active", which replaced the cause, so a full disk read "SQL error or missing database".
            try {
                db.rollback();
            } catch (SQLException notOpen) {
                e.addSuppressed(notOpen);
            }
            try {
                db.setAutoCommit(true);
            } catch (SQLException notOpen) {
                e.addSuppressed(notOpen);
            }
            throw e;
        } finally {
            transactionOpen = false;
        }
        db.setAutoCommit(true);
    }

    @Override
    public synchronized void close() throws SQLException {
        try {
            if (reader != null) {
                synchronized (reader) {
                    reader.close();
                }
            }
        } finally {
            db.close();
        }
    }
}
