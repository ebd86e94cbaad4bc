package org.homerouter.appliance;

import java.sql.SQLException;

/** A database error behind a UI action: the page answers 500 and the log has the cause. */
final class StoreFailure extends RuntimeException {
    StoreFailure(SQLException cause) {
        super("database: " + cause.getMessage(), cause);
    }
}
