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
 *
 * <p>This class keeps the database's life (opening, a damaged or newer firmware's file set aside,
 * the copy before a migration, the schema, transactions, the settings, the factory reset, closing);
 * each other table's SQL is in a class beside it, used under this object's lock, on its connection
 * and in its transactions: {@link EventLog}, {@link SessionRecords}, {@link AdminPasswordRow} and
 * {@link UserAccounts} (whose lookups for a login use the {@link #reader} instead).
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
     * session still up is kept. The event log keeps this many of {@link EventLog#CALL_KINDS} and,
     * apart, this many of the rest. Rows older than they are kept for ({@link #KEPT_FOR}) go besides.
     */
    public static final int EVENTS_KEPT = 10_000;
    /** How long a write waits for another program's (the service's, a CLI command's) to finish. */
    private static final int BUSY_TIMEOUT_MS = 5000;
    /** SQLite's primary result code for a lock another connection holds. */
    private static final int SQLITE_BUSY = 5;
    /**
     * Rows kept in the session history of sessions that came up and, apart, of failed attempts
     * (which strangers on the internet cause): a flood of failed calls cannot push out who logged in.
     */
    public static final int SESSIONS_KEPT = 10_000;
    /**
     * How long the session history and the router's own record keep a row: the history answers who
     * used the VPN last spring, while the names and addresses of people long gone leave the router.
     * A quiet router never reached the counts above, and kept them for ever.
     */
    public static final java.time.Duration KEPT_FOR = java.time.Duration.ofDays(365);
    /**
     * Shorter for what others fill: the events of {@link EventLog#CALL_KINDS} and the history's
     * failed attempts. Most of these rows are the addresses of strangers who try the VPN port or the
     * login from the internet, and the names they guess; they matter while the guessing goes on, not
     * a season later. Who logged in stays the year in the history's sessions (the VPN lockout reads
     * its last 30 days at start, {@code KnownLogins}).
     */
    public static final java.time.Duration OTHERS_KEPT_FOR = java.time.Duration.ofDays(90);
    /** The pools that age out, each by the time its rows carry ({@link AgedRows}). */
    private static final List<AgedRows> AGED = List.of(
            new AgedRows("event_log", "at_ms", EventLog.pool(true), OTHERS_KEPT_FOR),
            new AgedRows("event_log", "at_ms", EventLog.pool(false), KEPT_FOR),
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
    private volatile String setAsideWhy;
    /** A transaction of {@link #inTransaction} is open on {@link #db}; guarded by this. */
    private boolean transactionOpen;
    private final EventLog eventLog;
    private final SessionRecords sessionRecords;
    private final AdminPasswordRow adminPassword;
    private final UserAccounts userAccounts;
    /** Opened on read-only storage ({@link #openReadOnly}): every write is refused. */
    private final boolean readOnly;
    /** The journal has said that the event log cannot be written; guarded by this. */
    private boolean eventLogRefusalSaid;

    private ApplianceStore(Path file, Connection db) {
        this(file, db, false);
    }

    private ApplianceStore(Path file, Connection db, boolean readOnly) {
        this.file = file;
        this.db = db;
        this.readOnly = readOnly;
        this.eventLog = new EventLog(db);
        this.sessionRecords = new SessionRecords(this, db, eventLog);
        this.adminPassword = new AdminPasswordRow(this, db, eventLog);
        this.userAccounts = new UserAccounts(this, db, eventLog);
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
        } catch (NewerSchemaException e) {
            // Only the service's start comes here; a command refuses (open). Refused here too, the
            // router could never start again: a data partition the image formatted, then a newer
            // firmware's trial that made a new database and failed, leaves no copy of this
            // firmware's own. Kept for that firmware (FILE.schema-N.<time>, as an update's
            // --discard-settings keeps one), and the router starts on defaults, asking for the export.
            Path aside = file.resolveSibling(file.getFileName() + NEWER_INFIX + e.version() + "." + System.currentTimeMillis());
            String why = "The settings database was written by a newer firmware (its schema " + e.version()
                    + ", this firmware's " + Migrations.latest() + "), and this firmware has no usable copy of its own"
                    + " from before that update: it was set aside as " + aside.getFileName();
            return startedAside(file, aside, why, why);
        } catch (SQLException e) {
            int code = e.getErrorCode() & 0xff;
            if (code != 26 && code != 11) {
                throw e;
            }
            Path aside = file.resolveSibling(file.getFileName() + DAMAGED_INFIX + System.currentTimeMillis());
            return startedAside(file, aside, "The settings database could not be read at the last start and was set"
                    + " aside as " + aside.getFileName(), "the settings database could not be read (" + e.getMessage()
                    + "): it was set aside as " + aside.getFileName());
        }
    }

    /**
     * Moves {@code file} (with its WAL side files) to {@code aside}, and opens a new database in its
     * place; {@code why} is what the Dashboard says of it, {@code logged} the event log's detail.
     */
    private static ApplianceStore startedAside(Path file, Path aside, String why, String logged)
            throws SQLException, IOException {
        for (String suffix : List.of("-wal", "-shm")) {
            Path p = file.resolveSibling(file.getFileName() + suffix);
            if (Files.exists(p)) {
                Files.move(p, aside.resolveSibling(aside.getFileName() + suffix));
            }
        }
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        sync(aside); // and its directory: the rename survives a power cut before the new file is made
        LOG.error("{}; starting with default settings", logged);
        ApplianceStore store = open(file);
        store.setAside = aside;
        store.setAsideWhy = why;
        store.logEvent("service", logged + ", and the router started with default settings, no users and no admin"
                + " password; restore a configuration export on the System page");
        return store;
    }

    /**
     * The database was migrated by a newer firmware, and this firmware has no usable copy of its own
     * from before that update (see {@link #open}).
     */
    public static final class NewerSchemaException extends SQLException {
        private final int version;

        NewerSchemaException(int version) {
            super("database schema version " + version + " is newer than this firmware knows (" + Migrations.latest()
                    + "): refusing to touch it");
            this.version = version;
        }

        public int version() {
            return version;
        }
    }

    /**
     * The damaged database this run set aside at its start, while the router runs on the defaults
     * that replaced it: the Dashboard asks for the last export to be imported.
     */
    public java.util.Optional<Path> setAside() {
        return java.util.Optional.ofNullable(setAside);
    }

    /** Why {@link #setAside} was, in a sentence naming the file; empty when it was not. */
    public java.util.Optional<String> setAsideWhy() {
        return setAside == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(setAsideWhy);
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
            store.rowsBeforeThisRun = new long[] {store.maxId("event_log"), store.maxId("vpn_sessions")};
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
     * Opens the database on a data partition that went read-only (worn flash), for reading only:
     * the service then starts on it, serves logins with the stored accounts and the pages, and
     * the configuration can be exported. Nothing is written: no migration, no defaults, no side
     * files. SQLite reads a WAL database read-only only where its -wal and -shm files are there
     * (a crash left them, with commits not yet in the database file: they are read); after a clean
     * stop they are gone and cannot be made, and the file is opened as immutable, which needs none.
     *
     * @throws IOException  when there is no database (none can be made there)
     * @throws SQLException when its schema is not this firmware's (it can be neither migrated nor restored)
     */
    public static ApplianceStore openReadOnly(Path file) throws SQLException, IOException {
        if (!Files.exists(file)) {
            throw new IOException("there is no database at " + file + ", and the read-only storage cannot hold a new one");
        }
        Connection db = connectReadOnly(file);
        ApplianceStore store = new ApplianceStore(file, db, true);
        try {
            int version = store.schemaVersion();
            if (version != Migrations.latest()) {
                throw new SQLException("the database has schema version " + version + " where this firmware reads "
                        + Migrations.latest() + ", and on read-only storage it can be neither migrated nor restored",
                        null, ReadOnlyStorage.SQLITE_READONLY);
            }
            store.rowsBeforeThisRun = new long[] {store.maxId("event_log"), store.maxId("vpn_sessions")};
            store.reader = connectReadOnly(file);
        } catch (SQLException | RuntimeException e) {
            try {
                store.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        LOG.warn("{} opened read-only: the storage is read-only", file);
        return store;
    }

    private static Connection connectReadOnly(Path file) throws SQLException {
        // A URI (sqlite-jdbc passes SQLITE_OPEN_URI): its '?', '#' and '%' would be taken as its syntax.
        String path = file.toAbsolutePath().toString().replace("%", "%25").replace("?", "%3f").replace("#", "%23");
        String immutable = "file:" + path + "?immutable=1";
        if (!Files.exists(file.resolveSibling(file.getFileName() + "-wal"))) {
            return connectReadOnly(immutable); // nothing left in a WAL; mode=ro would make the side files where it could
        }
        try {
            return connectReadOnly("file:" + path + "?mode=ro");
        } catch (SQLException noShm) {
            // A -wal without its -shm: what the database file holds is what there is to read.
            LOG.warn("{}'s WAL cannot be read without its -shm file ({}): read without it", file, noShm.getMessage());
            try {
                return connectReadOnly(immutable);
            } catch (SQLException e) {
                e.addSuppressed(noShm);
                throw e;
            }
        }
    }

    private static Connection connectReadOnly(String uri) throws SQLException {
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setReadOnly(true);
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + uri, config.toProperties());
        try (Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout=" + BUSY_TIMEOUT_MS);
            st.execute("PRAGMA foreign_keys=ON");
            st.execute("PRAGMA query_only=1");
            // SQLite opens lazily: without the side files the mode=ro open fails only at the first read.
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
                rs.next();
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Whether this store was opened on read-only storage ({@link #openReadOnly}) and refuses every write. */
    public boolean readOnly() {
        return readOnly;
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
        eventLog.keepAtMost(events);
        sessionRecords.keepAtMost(sessions);
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
                    throw new NewerSchemaException(current);
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
            java.util.Set<String> stored = new java.util.HashSet<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT key FROM settings")) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
            List<String> added = new java.util.ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO settings(key, value) VALUES (?, ?)")) {
                for (Setting s : Setting.values()) {
                    if (!stored.contains(s.key())) {
                        added.add(s.key() + (s.defaultValue().isEmpty() ? "" : " = " + s.defaultValue()));
                        ps.setString(1, s.key());
                        ps.setString(2, s.defaultValue());
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
            // A router upgraded, not a new one: a setting this firmware added (a new limit, say) takes
            // its default, which may change what the router did before; said where the owner looks.
            if (!stored.isEmpty() && !added.isEmpty()) {
                eventLog.insert("config", "settings new in this firmware, at their defaults: " + String.join(", ", added));
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

    /** The highest ids of the event log and the session history when this store was opened: the rows above are this run's. */
    private long[] rowsBeforeThisRun = {0, 0};

    private long maxId(String table) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT coalesce(max(id), 0) FROM " + table)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * The wall clock was stepped forward by {@code stepMs} from a time nobody had set (a board
     * without a battery clock, at its first time server's answer: {@code ClockSteps}): the rows
     * this run wrote before the step carry the old clock's times, {@code oldUpToMs} at the latest,
     * as if written months or years ago; the history's aged rows then went an hour later ({@link
     * AgedRows} cannot tell them from old ones), and the Logs page showed the boot, the owner's
     * setup and the first calls at the firmware's build date. Moved by the step, they read about
     * when they were written. Rows of earlier runs, and those written after the step, stay.
     *
     * @return how many rows moved
     */
    public synchronized int restampThisRun(long oldUpToMs, long stepMs) throws SQLException {
        int[] moved = {0};
        inTransaction(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "UPDATE event_log SET at_ms = at_ms + ? WHERE id > ? AND at_ms <= ?")) {
                ps.setLong(1, stepMs);
                ps.setLong(2, rowsBeforeThisRun[0]);
                ps.setLong(3, oldUpToMs);
                moved[0] += ps.executeUpdate();
            }
            // Sessions that ended before the step, whole: a session still up has its start written
            // again from the monotonic clock at each save (SessionAccounting), in the new clock's
            // times from the step on, and one that ended since was written in them whole.
            try (PreparedStatement ps = db.prepareStatement("UPDATE vpn_sessions SET started_ms = started_ms + ?,"
                    + " ended_ms = ended_ms + ?, seen_ms = seen_ms + ? WHERE id > ? AND ended_ms IS NOT NULL"
                    + " AND ended_ms <= ?")) {
                ps.setLong(1, stepMs);
                ps.setLong(2, stepMs);
                ps.setLong(3, stepMs);
                ps.setLong(4, rowsBeforeThisRun[1]);
                ps.setLong(5, oldUpToMs);
                moved[0] += ps.executeUpdate();
            }
        });
        return moved[0];
    }

    /** Where the router's own events are copied to besides the process log (tests). */
    synchronized void journalEventsTo(java.util.function.BiConsumer<String, String> sink) {
        eventLog.journal = sink;
    }

    /** Appends to the event log that the UI's Logs page shows. */
    public synchronized void logEvent(String kind, String message) {
        if (readOnly) {
            // Once: every login, call and page would say it again.
            if (!eventLogRefusalSaid) {
                eventLogRefusalSaid = true;
                LOG.error("the event log cannot be written, the storage being read-only: this run's events are not"
                        + " recorded there (the first: {}: {}); the administrator's and the problems are in this log",
                        kind, message);
            }
            eventLog.journal(kind, message);
            return;
        }
        eventLog.log(kind, message);
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
     * How long the hash of a password from before its last change is kept ({@link
     * LoginAccount#previousNtHash}): as good as that password against MS-CHAPv2, and kept only so
     * that a device not yet given the new one is told apart from a guess. A month is time enough
     * to reach the devices; after it, such a device's login is a wrong password like any other.
     */
    public static final java.time.Duration PREVIOUS_PASSWORD_KEPT_FOR = java.time.Duration.ofDays(30);

    /**
     * Forgets the previous passwords' hashes kept {@link #PREVIOUS_PASSWORD_KEPT_FOR} when the wall
     * clock reads {@code nowMs} (one of unknown age is counted from now), with no copy left in the
     * WAL; how many accounts had one.
     */
    public synchronized int forgetAgedPreviousPasswords(long nowMs) throws SQLException {
        int[] forgotten = new int[1];
        inTransaction(() -> forgotten[0] = userAccounts.forgetPreviousHashes(nowMs,
                PREVIOUS_PASSWORD_KEPT_FOR.toMillis()));
        secretsGone(forgotten[0] > 0);
        return forgotten[0];
    }

    /**
     * Deletes every stored CHAP secret (plaintext-equivalent, so not kept a moment longer than
     * CHAP-MD5 is allowed). Returns how many users had one. secure_delete zeroes the freed cells,
     * but the pages as they were stay in the WAL, and in the database file until a checkpoint
     * copies the new ones there: checkpointed and truncated at once, best effort (a reader holding
     * its snapshot for longer than the busy timeout leaves them to the next checkpoint).
     */
    public synchronized int dropChapSecrets() throws SQLException {
        return userAccounts.dropChapSecrets();
    }

    /** Settings and the config-change event that describes them, in one transaction. */
    public synchronized void putSettings(Map<Setting, String> values, String event) throws SQLException {
        inTransaction(() -> {
            putSettings(values);
            eventLog.insert("config", event);
        });
    }

    /** One logged event: when, what kind, the message. */
    public record EventRow(long atMs, String kind, String message) {
    }

    /** Newest first; {@code kind} null for every kind. */
    public synchronized java.util.List<EventRow> events(int limit, String kind) throws SQLException {
        return eventLog.events(limit, kind);
    }

    public synchronized java.util.List<String> recentEvents(int limit) throws SQLException {
        return eventLog.recentEvents(limit);
    }

    // ---- admin -------------------------------------------------------------------------------

    public synchronized java.util.Optional<String> adminPasswordHash() throws SQLException {
        return adminPassword.hash();
    }

    public synchronized void setAdminPasswordHash(String encoded, String event) throws SQLException {
        adminPassword.set(encoded, event);
    }

    /**
     * The admin password changed from the web UI: stored with its event only if the stored hash
     * is still {@code previous}, the one the owner's current password was checked against. False,
     * nothing stored or logged, when another change came first.
     */
    public synchronized boolean changeAdminPasswordHash(String previous, String encoded, String event)
            throws SQLException {
        return adminPassword.change(previous, encoded, event);
    }

    /**
     * No admin password, the reset's token as applied, and its event, in one transaction: first-run
     * setup asks for a new password, and the same reset is never applied again. The router image's
     * reset at the router ({@code AdminPasswordReset}); settings and users stay.
     */
    public synchronized void clearAdminPassword(String token, String event) throws SQLException {
        adminPassword.clear(token, event);
    }

    /**
     * The admin password of first-run setup: stored with its event only if none is stored yet (by
     * this process or another, e.g. the CLI); false, nothing stored or logged, if one already is.
     */
    public synchronized boolean setFirstAdminPasswordHash(String encoded, String event) throws SQLException {
        return adminPassword.setFirst(encoded, event);
    }

    // ---- session accounting ------------------------------------------------------------------

    /**
     * A session or failed attempt as recorded. {@code endedMs} 0 while up; reason is a SessionEnd
     * name; problem a SessionProblem name or null; {@code unknownUser}: a failed login under a user
     * name that was none of the router's accounts.
     */
    public record SessionRow(long id, long startedMs, long endedMs, String user, String client, String tunnelAddress,
                             long bytesIn, long bytesOut, boolean wasUp, String endReason, String endDetail,
                             String problem, String problemDetail, boolean unknownUser) {
    }

    /** A session that is up ran into a problem: kept on its row, with the event line, in one transaction. */
    public synchronized void sessionProblem(long rowId, String problem, String detail, String event) throws SQLException {
        sessionRecords.problem(rowId, problem, detail, event);
    }

    /** A session came up: its row, open until {@link #sessionEnded}. Returns the row id. */
    public synchronized long sessionStarted(long startedMs, String user, String client, String tunnelAddress, String event)
            throws SQLException {
        return sessionRecords.started(startedMs, user, client, tunnelAddress, event);
    }

    /**
     * A session that is up has another tunnel address (its link was negotiated again): kept on its
     * row, with the event line, in one transaction. {@code rowId} 0 (its start not written): the
     * event only.
     */
    public synchronized void sessionAddressChanged(long rowId, String tunnelAddress, String event) throws SQLException {
        sessionRecords.addressChanged(rowId, tunnelAddress, event);
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
        sessionEnded(rowId, startedMs, endedMs, user, client, tunnelAddress, bytesIn, bytesOut, reason, detail, false,
                eventKind, event);
    }

    /**
     * As above; {@code unknownUser}: a failed login under a user name that is none of the router's
     * accounts (a stranger's guess, most likely), summed up rather than listed among the problems.
     */
    public synchronized void sessionEnded(long rowId, long startedMs, long endedMs, String user, String client,
                                          String tunnelAddress, long bytesIn, long bytesOut, String reason,
                                          String detail, boolean unknownUser, String eventKind, String event)
            throws SQLException {
        sessionRecords.ended(rowId, startedMs, endedMs, user, client, tunnelAddress, bytesIn, bytesOut, reason,
                detail, unknownUser, eventKind, event);
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
        sessionRecords.seen(seenMs, sessions);
    }

    /**
     * Sessions still open from a previous run (power cut, kill -9, a crash): closed as interrupted,
     * at the time each was last seen up, with its bytes then ({@link #sessionsSeen}). Rows written
     * before that was recorded (older firmware) end at {@code nowMs}.
     */
    public synchronized int closeInterruptedSessions(long nowMs) throws SQLException {
        return sessionRecords.closeInterrupted(nowMs);
    }

    /** Newest first. {@code openOnly}: the sessions recorded as up right now. */
    public synchronized java.util.List<SessionRow> sessionHistory(int limit, boolean openOnly) throws SQLException {
        return sessionRecords.history(limit, openOnly);
    }

    /**
     * The newest failed sessions and attempts that ended at {@code sinceMs} or later, at most
     * {@code limit}, newest first, without the
     * failed logins under unknown user names ({@link SessionRow#unknownUser}): those came 2 a
     * minute from one stranger guessing, and pushed a user's own failure out of the last rows
     * within minutes. {@link #unknownUserFailures} sums them up.
     */
    public synchronized java.util.List<SessionRow> sessionFailures(int limit, long sinceMs) throws SQLException {
        return sessionRecords.failures(limit, sinceMs);
    }

    /**
     * The failed logins under unknown user names that ended at {@code sinceMs} or later (as
     * recorded: a flood's rows beyond AttemptRecords' budget are counted in its events, not here).
     *
     * @param namesTried how many different user names were tried
     * @param names      the user names tried, the most recently tried first, at most as many as asked for
     * @param countedFromMs from when the counts are whole: the time asked for, or later where the
     *     rows kept of these (the newest {@link #SESSIONS_KEPT}, SessionRecords#trim) do not reach back
     *     so far, as under a sustained guessing flood (30 recorded a minute fill them in about 5.5
     *     hours): the oldest kept row's end. The counts are then those since it, a lower bound for
     *     the time asked for.
     */
    public record UnknownUserFailures(int logins, int addresses, int namesTried, java.util.List<String> names,
                                      long countedFromMs) {
    }

    /** {@link UnknownUserFailures} since {@code sinceMs}, naming up to {@code names} of the names tried. */
    public synchronized UnknownUserFailures unknownUserFailures(long sinceMs, int names) throws SQLException {
        return sessionRecords.unknownUserFailures(sinceMs, names);
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
        return sessionRecords.loginsSince(sinceMs);
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
     * Accounts only, each from where its own history begins: a new account named as a deleted one
     * showed the old person's login time and client address as its own.
     */
    public synchronized Map<String, LastConnection> lastConnections() throws SQLException {
        return sessionRecords.lastConnections();
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
            Map<String, Long> unchangedLoginsAfter = userAccounts.loginsAfterOfUnchanged(users);
            Map<String, Long> historyAfter = userAccounts.historyAfter();
            userAccounts.removeAll();
            putSettings(settings);
            userAccounts.addImported(users, unchangedLoginsAfter, historyAfter, routedSubnets);
            eventLog.insert("config", event);
        });
        secretsGone(true); // the accounts the import removed or gave another password
    }

    /**
     * Every account's row exactly as stored, for {@link #restoreConfiguration}: what an import
     * replaced, to be put back when the router cannot run with it. Opaque: the rows carry more than
     * an export does (where each account's logins begin to count, its creation time), and an undone
     * import must change nothing of them.
     */
    public static final class SavedAccounts {
        final List<String> columns;
        final List<Object[]> rows;

        SavedAccounts(List<String> columns, List<Object[]> rows) {
            this.columns = columns;
            this.rows = rows;
        }
    }

    /** How many accounts there are. */
    public synchronized int userCount() throws SQLException {
        return userAccounts.count();
    }

    /** The accounts as stored now, every column of every row ({@link SavedAccounts}). */
    public synchronized SavedAccounts savedAccounts() throws SQLException {
        return userAccounts.saved();
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
            userAccounts.removeAll();
            putSettings(settings);
            userAccounts.restore(accounts);
            eventLog.insert("config", event);
        });
        secretsGone(true); // the imported accounts' passwords
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
            eventLog.insert("config", "factory reset: default settings, no users, no admin password");
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
     * How long a whole copy of the database set aside beside it is kept: a newer firmware's that did
     * not stay ({@code FILE.schema-N}), one an update's --discard-settings kept ({@code
     * FILE.schema-N.<time>}), a damaged one ({@code FILE.damaged-<time>}). Each holds the history,
     * the event log and the NT hashes of users deleted since, and stayed until a factory reset;
     * three months is room to go back to that firmware, or to hand the file to a technician.
     */
    public static final java.time.Duration COPIES_KEPT_FOR = java.time.Duration.ofDays(90);

    /**
     * Deletes the copies ({@link #COPIES_KEPT_FOR}) set aside longer ago than they are kept when the
     * wall clock reads {@code nowMs}, each with its side files (-wal, -shm, the update's
     * .lan-address), and logs each by name. Set aside when the later of its last write and the time
     * its name holds (a move keeps the file's time, so a database last written months ago and set
     * aside today is not old); the one this run set aside is kept while the Dashboard names it. Not
     * the copy made before a migration, which an update's rollback needs, and which goes once the
     * firmware stays. Best effort: a file that cannot be deleted is tried again the next time.
     *
     * @return the names of the files deleted
     */
    public synchronized List<String> deleteAgedCopies(long nowMs) {
        String name = file.getFileName().toString();
        java.util.Map<Path, Long> copies = new java.util.TreeMap<>();
        try (var found = Files.newDirectoryStream(file.toAbsolutePath().getParent(), name + ".*")) {
            for (Path p : found) {
                String suffix = p.getFileName().toString().substring(name.length());
                if (suffix.startsWith(NEWER_INFIX) || suffix.startsWith(DAMAGED_INFIX)) {
                    copies.put(p, Files.getLastModifiedTime(p).toMillis());
                }
            }
        } catch (IOException e) {
            LOG.warn("could not list the copies of the settings database beside {}: {}", file, e.toString());
            return List.of();
        }
        List<String> deleted = new java.util.ArrayList<>();
        for (Path p : copies.keySet()) {
            Path whole = wholeCopy(p);
            if (setAside != null && whole.getFileName().equals(setAside.getFileName())) {
                continue;
            }
            long written = copies.getOrDefault(whole, copies.get(p));
            if (nowMs - Math.max(written, setAsideAt(whole.getFileName().toString())) <= COPIES_KEPT_FOR.toMillis()) {
                continue;
            }
            try {
                Files.deleteIfExists(p);
                deleted.add(p.getFileName().toString());
                LOG.info("deleted {}: a copy of the settings database set aside more than {} days ago", p,
                        COPIES_KEPT_FOR.toDays());
                logEvent("service", "deleted " + p.getFileName() + ", a copy of the settings database set aside more"
                        + " than " + COPIES_KEPT_FOR.toDays() + " days ago (with the users, sessions and events of then)");
            } catch (IOException e) {
                LOG.warn("could not delete {}, a copy of the settings database set aside more than {} days ago: {}", p,
                        COPIES_KEPT_FOR.toDays(), e.toString());
            }
        }
        return deleted;
    }

    /** The copy that {@code p} is, or belongs to as a side file. */
    private static Path wholeCopy(Path p) {
        String n = p.getFileName().toString();
        for (String side : List.of("-wal", "-shm", ".lan-address")) {
            if (n.endsWith(side)) {
                return p.resolveSibling(n.substring(0, n.length() - side.length()));
            }
        }
        return p;
    }

    /**
     * When a copy was set aside, as its name says ({@code .damaged-<ms>}, {@code .schema-N.<ms>} by
     * this service, {@code .schema-N.<s>} by homerouter-update's date +%s, {@code .schema-unknown.<s>} where it
     * could not tell the schema); 0 for a name without it.
     */
    static long setAsideAt(String copyName) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:\\.damaged-|\\.schema-[^.]+\\.)(\\d{1,15})$")
                .matcher(copyName);
        if (!m.find()) {
            return 0;
        }
        long t = Long.parseLong(m.group(1));
        return t < 100_000_000_000L ? t * 1000 : t; // seconds until the year 5138
    }

    /**
     * PRAGMA wal_checkpoint(TRUNCATE). It waits for readers through the busy handler (busy_timeout),
     * then reports one still in the way as busy in its result row instead of failing: checked.
     */
    static void checkpoint(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            if (rs.next() && rs.getInt(1) != 0) {
                throw new SQLException("another program kept reading the database for more than 5 s");
            }
        }
    }

    // ---- VPN users ---------------------------------------------------------------------------

    /** Adds a user and logs it in one transaction; false (nothing stored) if the name is taken. */
    public synchronized boolean addUser(VpnUser u, String event) throws SQLException {
        return userAccounts.add(u, event);
    }

    /**
     * Adds a branch-office user with the networks behind its tunnel (validated by the caller) and
     * logs it, in one transaction: a power cut in between leaves no account without its routes.
     */
    public synchronized boolean addUser(VpnUser u, String routedSubnets, String event) throws SQLException {
        return userAccounts.add(u, routedSubnets, event);
    }

    /** Enabled flag and static address (null for none); false if there is no such user. */
    public synchronized boolean updateUser(String name, boolean enabled, String staticAddress, String event) throws SQLException {
        return userAccounts.update(name, enabled, staticAddress, event);
    }

    /** The networks behind a user's tunnel, as stored ("10.2.0.0/24,10.3.0.0/16"); "" when none or no such user. */
    public synchronized String routedSubnets(String name) throws SQLException {
        return userAccounts.routedSubnets(name);
    }

    /** Every user with routed subnets, name to the stored list. */
    public synchronized Map<String, String> allRoutedSubnets() throws SQLException {
        return userAccounts.allRoutedSubnets();
    }

    /** Sets the networks behind a user's tunnel (validated by the caller); false if there is no such user. */
    public synchronized boolean setRoutedSubnets(String name, String subnets, String event) throws SQLException {
        return userAccounts.setRoutedSubnets(name, subnets, event);
    }

    public synchronized boolean setUserSecrets(String name, byte[] ntHash, byte[] octetWiseNtHash, byte[] chapSecret,
                                               String event) throws SQLException {
        return secretsGone(userAccounts.setSecrets(name, ntHash, octetWiseNtHash, chapSecret, event));
    }

    public synchronized boolean removeUser(String name, String event) throws SQLException {
        return secretsGone(userAccounts.remove(name, event));
    }

    /**
     * Adds a user; false if the name is taken, also where it differs from a stored one only in
     * ASCII case ("alice" beside "Alice"): logins look the name up as sent, case and all, so two
     * such accounts would be two passwords for what every owner reads as one name, and a backup
     * holding both would not restore ({@code ConfigDocument} takes them for one name twice). The
     * pages, the command line and an import all add users here.
     */
    public synchronized boolean addUser(VpnUser u) throws SQLException {
        return userAccounts.add(u);
    }

    /**
     * The stored user name that {@code name} would duplicate: itself, or one differing from it only
     * in ASCII case (SQLite's NOCASE folds A-Z only, as user names are ASCII).
     */
    public synchronized java.util.Optional<String> takenName(String name) throws SQLException {
        return userAccounts.takenName(name);
    }

    /**
     * Replaces a user's secrets (password change); false if there is no such user. The hash it
     * replaces is kept as the previous one ({@link LoginAccount#previousNtHash}), unless the
     * password is the same again, for {@link #PREVIOUS_PASSWORD_KEPT_FOR}. The octet-wise NT hash is the new password's, or none
     * ({@code null}, a password of plain ASCII): the old one's would let its pppd clients in still.
     */
    public synchronized boolean setUserSecrets(String name, byte[] ntHash, byte[] octetWiseNtHash, byte[] chapSecret)
            throws SQLException {
        return secretsGone(userAccounts.setSecrets(name, ntHash, octetWiseNtHash, chapSecret));
    }

    public synchronized boolean removeUser(String name) throws SQLException {
        return secretsGone(userAccounts.remove(name));
    }

    /**
     * After an account was removed or its password replaced ({@code changed}): secure_delete zeroes
     * the cells the change freed, but the pages as they were, with the old NT hash (as good as the
     * password against MS-CHAPv2), stay in the WAL until a checkpoint, which SQLite makes by itself
     * only every 1000 pages: weeks on a quiet router. Checkpointed and truncated at once, best
     * effort, as {@link #dropChapSecrets}; inside a larger transaction, at its end by its caller.
     */
    private boolean secretsGone(boolean changed) {
        if (changed && !transactionOpen) {
            try (Statement st = db.createStatement()) {
                checkpoint(st);
            } catch (SQLException e) {
                LOG.warn("a VPN password was removed or replaced, but older copies of it may stay in the database's"
                        + " log until its next checkpoint: {}", e.getMessage());
            }
        }
        return changed;
    }

    /**
     * The account, as last committed (through the {@link #reader}: a login never waits for this
     * store's writes, and sees none that is not yet committed).
     */
    public java.util.Optional<VpnUser> user(String name) throws SQLException {
        return userAccounts.user(reader, name);
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
        return userAccounts.loginAccount(reader, name);
    }

    /**
     * The static tunnel addresses of the enabled users, as stored (text), through the {@link #reader}:
     * the VPN server asks when its pool has no address left for a new call, on a data-path thread.
     */
    public java.util.List<String> enabledStaticAddresses() throws SQLException {
        return userAccounts.enabledStaticAddresses(reader);
    }

    public synchronized java.util.List<VpnUser> users() throws SQLException {
        return userAccounts.all();
    }

    /** Writes to the store: for {@link #inOneTransaction}. */
    @FunctionalInterface
    public interface SqlWork {
        void run() throws SQLException;
    }

    /**
     * Runs {@code writes} (calls of this store's writing methods, whose transactions join this one)
     * in one transaction: all or none, and one commit, one fsync of the flash, for them all. For the
     * failed VPN attempts' records that come faster than they should each be committed (see
     * BackgroundWrites).
     */
    public synchronized void inOneTransaction(SqlWork writes) throws SQLException {
        inTransaction(writes);
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

    synchronized void inTransaction(SqlWork work) throws SQLException {
        if (readOnly) {
            throw new ReadOnlyStorage.Refused(); // before any of the work: nothing half-made
        }
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
        eventLog.hold();
        boolean committed = false;
        try {
            work.run();
            db.commit();
            committed = true;
        } catch (Throwable e) {
            // Errors too (an AssertionError, a StackOverflowError from a bug): left open, the
            // transaction would hold the write lock, take in every later write, and be committed by
            // the next one with this one's half-done work (a configuration replace that had deleted
            // the users and not yet put them back).
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
            eventLog.release(committed);
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
