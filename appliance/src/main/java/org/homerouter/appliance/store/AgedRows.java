package org.homerouter.appliance.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

/**
 * The rows of one pool of records that name people (the event log's calls or its router's own
 * record, the session history's sessions or its failed attempts) that are older than the pool is
 * kept for, deleted by the time they carry: the wall clock's when they were written.
 *
 * <p>That clock may have been wrong. A board without a battery clock starts where its clock
 * stopped (or in 1970 off the router image) and steps forward when its time server answers; an
 * owner may set it ahead and back by mistake. Deleting every row stamped before "now minus the
 * time kept" would then delete rows written minutes ago. The rows' ids are the order they were
 * written in (AUTOINCREMENT), and that order is what settles a row whose stamp cannot be right:
 * <ul>
 * <li>A <em>plausible</em> stamp is between {@link #FIRST_PLAUSIBLE} and now. A row with a
 *     plausible stamp older than the cutoff goes, unless it was written after a row stamped within
 *     the time kept: then the clock had gone back when it was written, and it is no older than that
 *     row (it goes with it).</li>
 * <li>A row stamped before {@link #FIRST_PLAUSIBLE} (a clock not yet set) or after now (a clock set
 *     ahead, and back since) goes once a row written after it has a plausible stamp older than the
 *     cutoff: it is older than that row. So a row stamped years ahead is not kept for years, and a
 *     clock that reads earlier than the rows (set back, or not yet set) deletes none of them: no
 *     row written after them is older than its cutoff.</li>
 * </ul>
 * A clock behind can only delete less: against it every correctly stamped row looks younger than
 * it is. A clock set ahead by more than the time kept does delete what it takes to be old, as it
 * would if that time had really passed; nothing in the rows tells the two apart.
 */
record AgedRows(String table, String stamp, String writtenAt, String pool, Duration keptFor) {
    /** Rows whose age is counted from the time they were written ({@code stamp} is that time). */
    AgedRows(String table, String stamp, String pool, Duration keptFor) {
        this(table, stamp, stamp, pool, keptFor);
    }

    /**
     * No router ran this firmware before this day (its first build was in November 2026): a time
     * before it was read from a clock not yet set (1970, a reset clock chip's 2000). A fixed day,
     * not this firmware's build time: a later build's time would make the rows its predecessor
     * wrote look wrong, and keep them.
     */
    static final Instant FIRST_PLAUSIBLE = Instant.parse("2026-11-01T00:00:00Z");

    /**
     * Deletes at most {@code atMost} of this pool's rows that are older than {@link #keptFor} at
     * {@code nowMs}, the oldest first, and returns how many. The caller holds the store's lock.
     */
    int delete(Connection db, long nowMs, int atMost) throws SQLException {
        long first = FIRST_PLAUSIBLE.toEpochMilli();
        long cutoff = nowMs - keptFor.toMillis();
        if (cutoff <= first) {
            return 0; // no plausible stamp can be older than the cutoff (a clock not yet set reads earlier still)
        }
        String s = stamp;
        // The rows written around it are found by the time each was written (its id's order): a
        // session's row is written as it starts, and one that ended yesterday after 200 days up must
        // not be taken for written yesterday, or it would keep every row written after it.
        String w = writtenAt;
        String sql = "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table + " WHERE " + pool + " AND ("
                // plausible and old, not written after a row written within the time kept
                + "(" + s + " >= ? AND " + s + " < ? AND id < coalesce((SELECT min(id) FROM " + table + " WHERE " + w
                + " BETWEEN ? AND ?), 9223372036854775807))"
                // not plausible, written before a row that was plausibly written long ago
                + " OR ((" + s + " < ? OR " + s + " > ?) AND id < coalesce((SELECT max(id) FROM " + table + " WHERE " + w
                + " >= ? AND " + w + " < ?), 0))"
                + ") ORDER BY id LIMIT ?)";
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            ps.setLong(1, first);
            ps.setLong(2, cutoff);
            ps.setLong(3, cutoff);
            ps.setLong(4, nowMs);
            ps.setLong(5, first);
            ps.setLong(6, nowMs);
            ps.setLong(7, first);
            ps.setLong(8, cutoff);
            ps.setInt(9, atMost);
            return ps.executeUpdate();
        }
    }
}
