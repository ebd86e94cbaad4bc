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
                    "CREATE INDEX event_log_at ON event_log(at_ms)")),
            new Migration(2, "VPN users", List.of(
                    // MS-CHAPv2 (and PAP, by hashing what the client sends) need only the NT hash: no
                    // plaintext password is stored. chap_secret is set only while CHAP-MD5 is allowed.
                    """
                    CREATE TABLE vpn_users (
                        name           TEXT PRIMARY KEY,
                        nt_hash        BLOB NOT NULL CHECK (length(nt_hash) = 16),
                        chap_secret    BLOB,
                        enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
                        static_address TEXT,
                        created_ms     INTEGER NOT NULL
                    ) STRICT""")));

    static int latest() {
        return ALL.getLast().version();
    }
}
