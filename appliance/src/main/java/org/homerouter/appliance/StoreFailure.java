package org.homerouter.appliance;

import java.sql.SQLException;
import org.homerouter.webui.api.StorageUnavailable;

/** A database error behind a UI action: the page names what went wrong, the log has the cause. */
final class StoreFailure extends StorageUnavailable {
    StoreFailure(SQLException cause) {
        super(plainWords(cause), cause);
    }

    /**
     * By SQLite's primary result code (the low byte of sqlite-jdbc's error code; see
     * https://sqlite.org/rescode.html), what the owner of the router can act on.
     */
    static String plainWords(SQLException e) {
        return switch (e.getErrorCode() & 0xff) {
            // On the router image the owner has no shell to delete files with: what the pages can do.
            case 13 -> "the router's storage is full: export the configuration on the System page, then a factory"
                    + " reset frees what the router keeps besides it (old copies of the database, the history), and"
                    + " importing the export brings the settings and users back; they need only a few hundred"
                    + " kilobytes (where you have a shell on the router: delete old exports or logs from its disk)";
            // SQLITE_READONLY: a store opened on read-only storage (worn flash) refused the write
            // before making any of it; other read-only answers (a file of the database made by
            // root, say) need not be worn flash, and are said as before.
            case 8 -> e instanceof org.homerouter.appliance.store.ReadOnlyStorage.Refused
                    ? org.homerouter.appliance.store.ReadOnlyStorage.SENTENCE
                    : "the router's storage cannot be written (read-only, missing or failing): restart the"
                    + " router; if this comes back, the storage is wearing out";
            case 10, 14 -> "the router's storage cannot be written (read-only, missing or failing): restart the"
                    + " router; if this comes back, the storage is wearing out";
            // A restart helps only if the damage shows when the database is opened (it is then set
            // aside); damage further in stays, so the way out that always works is said too.
            case 11, 26 -> "the settings database is damaged: export the configuration on the System page if it"
                    + " still can, then a factory reset makes a new database, and importing that export (or your"
                    + " last one) brings the settings and users back";
            case 5, 6 -> "the settings database was busy for too long: try again in a moment";
            default -> "the settings database failed (" + e.getMessage() + ")";
        };
    }
}
