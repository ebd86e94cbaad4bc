package org.homerouter.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.homerouter.appliance.store.ApplianceStore;

/**
 * The database an admin command (all but {@code run}) works on. Opening one creates it, so a
 * command run from the wrong directory, with the default {@code --data-dir} relative to it, used
 * to work on a new empty database and report success: an export without a user in it, an admin
 * password the service never sees. A missing database is refused, naming where it was looked for.
 */
final class CliDatabase {
    /** Where {@code --data-dir} points when not given: relative, so the current directory matters. */
    static final String DEFAULT_DIR = "data";
    static final String DESCRIPTION = "Directory of the SQLite database (default: " + DEFAULT_DIR
            + ", in the current directory).";

    private CliDatabase() {
    }

    /**
     * @param dataDir  the {@code --data-dir} given, or null
     * @param mayStart whether the command may start a configuration where there is none yet (a
     *                 router set up before its first run), in a directory named with {@code --data-dir}
     * @throws IllegalArgumentException naming the absolute path, when there is no database there
     */
    static ApplianceStore open(Path dataDir, boolean mayStart) throws SQLException, IOException {
        Path file = (dataDir == null ? Path.of(DEFAULT_DIR) : dataDir).resolve("appliance.db").toAbsolutePath();
        if (!Files.exists(file) && !(mayStart && dataDir != null)) {
            throw new IllegalArgumentException("no database at " + file + ": give the service's data directory with"
                    + " --data-dir (the homerouter command on the router does), or run this where its data/ is"
                    + (mayStart ? "; naming a directory with --data-dir starts a new configuration there" : ""));
        }
        // On read-only storage (worn flash) the database is read where it is: 'status' and
        // 'config export' work, and a command that writes is refused saying why.
        return org.homerouter.appliance.store.ReadOnlyStorage.of(file.getParent()) ? ApplianceStore.openReadOnly(file)
                : ApplianceStore.open(file);
    }
}
