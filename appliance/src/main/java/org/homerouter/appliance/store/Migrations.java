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
                    ) STRICT""")),
            new Migration(3, "admin account and session accounting", List.of(
                    // One administrator; the password only as an Argon2id PHC string.
                    """
                    CREATE TABLE admin (
                        id            INTEGER PRIMARY KEY CHECK (id = 1),
                        password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
                        changed_ms    INTEGER NOT NULL
                    ) STRICT""",
                    // A row per session or failed attempt; ended_ms NULL while the session is up.
                    """
                    CREATE TABLE vpn_sessions (
                        id             INTEGER PRIMARY KEY AUTOINCREMENT,
                        started_ms     INTEGER NOT NULL,
                        ended_ms       INTEGER,
                        user_name      TEXT,
                        client         TEXT NOT NULL,
                        tunnel_address TEXT,
                        bytes_in       INTEGER NOT NULL DEFAULT 0,
                        bytes_out      INTEGER NOT NULL DEFAULT 0,
                        was_up         INTEGER NOT NULL CHECK (was_up IN (0, 1)),
                        end_reason     TEXT,
                        end_detail     TEXT
                    ) STRICT""",
                    "CREATE INDEX vpn_sessions_started ON vpn_sessions(started_ms)")),
            // What went wrong while a session was up (large packets lost), a SessionProblem name.
            new Migration(4, "session problems", List.of(
                    "ALTER TABLE vpn_sessions ADD COLUMN problem TEXT",
                    "ALTER TABLE vpn_sessions ADD COLUMN problem_detail TEXT")),
            // A branch office's account: the networks behind it, routed into its tunnel while it is
            // up ("10.2.0.0/24,10.3.0.0/16"; empty for an ordinary road-warrior account).
            new Migration(5, "routed subnets of users", List.of(
                    "ALTER TABLE vpn_users ADD COLUMN routed_subnets TEXT NOT NULL DEFAULT ''")),
            // Where a user's logins begin to count when the start seeds the lockout's familiar
            // addresses (KnownLogins): the last session row before its password was last set, it
            // was created or its enabled flag changed. A row id, not a time: a board without a
            // battery clock may change a password before its time server answers, months behind
            // the history's times. An existing account's changes are unknown: it counts from the
            // upgrade on (each owner's first login from an address makes it familiar again), so
            // that a password changed after a leak does not make the leaked logins familiar again.
            new Migration(6, "where each user's logins count for its familiar addresses", List.of(
                    "ALTER TABLE vpn_users ADD COLUMN logins_after_session INTEGER NOT NULL DEFAULT 0",
                    "UPDATE vpn_users SET logins_after_session = (SELECT coalesce(max(id), 0) FROM vpn_sessions)")),
            // When a session that is up was last known to be (its start, then every 10 minutes, with
            // its bytes then): where a power cut or crash leaves its row open, the row ends there.
            new Migration(7, "last-seen time of sessions", List.of(
                    "ALTER TABLE vpn_sessions ADD COLUMN seen_ms INTEGER")),
            // The NT hash a password change replaced: a login with it is a device not yet given the
            // new password, told apart from a guess (it counts toward no lockout; the Logs say so).
            new Migration(8, "previous password of users", List.of(
                    "ALTER TABLE vpn_users ADD COLUMN previous_nt_hash BLOB")),
            // The octet-wise NT hash of a password beyond ASCII: pppd (Linux, Android up to 11, old
            // macOS) widens each UTF-8 octet instead of hashing UTF-16LE (RFC 2759 §8.3), so its
            // MS-CHAPv2 logins prove this hash, not nt_hash. NULL for a password of plain ASCII (the
            // same hash both ways) and for accounts set before: those need their password set again.
            new Migration(9, "octet-wise NT hash of users", List.of(
                    "ALTER TABLE vpn_users ADD COLUMN octet_wise_nt_hash BLOB"
                            + " CHECK (octet_wise_nt_hash IS NULL OR length(octet_wise_nt_hash) = 16)")),
            // A failed login under a user name that is none of the router's accounts: a stranger's
            // guess, most likely. The Dashboard and status sum these up in a line instead of
            // listing them, so that a flood of them no longer pushes a user's own failure (no GRE,
            // a wrong password on a real account) out of the recent problems. Rows from before
            // are 0, listed as before: whether their name was an account's then is not known.
            new Migration(10, "failed logins under unknown user names", List.of(
                    "ALTER TABLE vpn_sessions ADD COLUMN unknown_user INTEGER NOT NULL DEFAULT 0"
                            + " CHECK (unknown_user IN (0, 1))",
                    // The summary counts the last day's: found without reading the whole history.
                    "CREATE INDEX vpn_sessions_unknown_user ON vpn_sessions(ended_ms) WHERE unknown_user = 1",
                    // The failures the Dashboard lists (SessionRecords.FAILED, word for word): found
                    // newest first without reading the guesses and good sessions of a year.
                    "CREATE INDEX vpn_sessions_failed ON vpn_sessions(id) WHERE ended_ms IS NOT NULL AND unknown_user = 0"
                            + " AND (problem IS NOT NULL OR end_reason IS NOT NULL AND (was_up = 0 OR end_reason NOT IN"
                            + " ('HUNG_UP', 'CALL_CLEARED')))")),
            // The newest session row when the account was made: the rows up to it are those of an
            // earlier account of the same name, deleted since, whose login time and client address
            // the Users page showed as the new person's "Last connection". A row id, not a time, as
            // logins_after_session (migration 6). An existing account's making is unknown: 0, its
            // whole history its own, as before.
            new Migration(11, "where each user's own session history begins", List.of(
                    "ALTER TABLE vpn_users ADD COLUMN history_after_session INTEGER NOT NULL DEFAULT 0")),
            // When previous_nt_hash was set (the wall clock's ms): it is as good as that password
            // against MS-CHAPv2, kept only to tell a device not yet given the new one, and is
            // forgotten 30 days on (AgedRecords). NULL where that time is unknown (set before this
            // version): the first aged run, with the clock set, counts from then.
            new Migration(12, "when the previous password of users was set", List.of(
                    "ALTER TABLE vpn_users ADD COLUMN previous_nt_hash_ms INTEGER")));

    static int latest() {
        return ALL.getLast().version();
    }
}
