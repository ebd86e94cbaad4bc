package org.homerouter.appliance.store;

import java.util.List;

/**
 * The schema's history. Append only: a released migration never changes, because routers in the
 * field have already run it.
 */
final class Migrations {
    private Migrations() {
    }

    static final List<Migration> ALL = List.of(
            new Migration(1, "settings and event log", List.of(
                    """
                    CREATE TABLE settings (
                        key   TEXT PRIMARY KEY,
                        value TEXT NOT NULL
                    ) STRICT""",
                    """
                    CREATE TABLE event_log (
                        id      INTEGER PRIMARY KEY AUTOINCREMENT,
                        at_ms   INTEGER NOT NULL,
                        kind    TEXT NOT NULL,
                        message TEXT NOT NULL
                    ) STRICT""",
                    "CREATE INDEX event_log_at ON event_log(at_ms)")));

    static int latest() {
        return ALL.getLast().version();
    }
}
