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
            case 13 -> "the router's storage is full: delete old exports or logs from it, or restore a smaller"
                    + " backup; the settings need only a few hundred kilobytes";
            case 8, 10, 14 -> "the router's storage cannot be written (read-only, missing or failing): restart the"
                    + " router; if this comes back, the storage is wearing out";
            case 11, 26 -> "the settings database is damaged: restart the router (if it cannot read the database"
                    + " at all, it sets it aside and starts with default settings, and you import your last"
                    + " configuration export on the System page)";
            case 5, 6 -> "the settings database was busy for too long: try again in a moment";
            default -> "the settings database failed (" + e.getMessage() + ")";
        };
    }
}
