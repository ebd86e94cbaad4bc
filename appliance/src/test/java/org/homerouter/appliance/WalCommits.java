package org.homerouter.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Counts the commits SQLite writes to a database's WAL from now on, read from the WAL file itself:
 * each commit is an fsync and its pages on the router's flash. A read transaction is held open
 * meanwhile, so that no checkpoint empties the WAL and takes the commits out of the count.
 */
final class WalCommits implements AutoCloseable {
    private static final int WAL_HEADER = 32;
    private static final int FRAME_HEADER = 24;

    private final Path wal;
    private final Connection reader;
    private final Frames from;

    /** What the WAL holds: its salt (a new one when a checkpoint starts it again), commits and octets. */
    private record Frames(long salt, long commits, long octets) {
    }

    WalCommits(Path db) throws SQLException, IOException {
        wal = db.resolveSibling(db.getFileName() + "-wal");
        reader = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
        try (Statement st = reader.createStatement()) {
            reader.setAutoCommit(false);
            st.executeQuery("SELECT count(*) FROM sqlite_master").close(); // the read transaction starts here
        }
        from = frames();
    }

    /** Commits written since this was made. */
    long commits() throws IOException {
        Frames now = frames();
        // A WAL started again (it had been checkpointed whole before the read transaction began):
        // every commit in it came after.
        return now.salt() == from.salt() ? now.commits() - from.commits() : now.commits();
    }

    /** Octets of WAL (frames: a page each, and its header) written since this was made. */
    long octets() throws IOException {
        Frames now = frames();
        return now.salt() == from.salt() ? now.octets() - from.octets() : now.octets();
    }

    private Frames frames() throws IOException {
        if (!Files.exists(wal)) {
            return new Frames(0, 0, 0);
        }
        try (FileChannel ch = FileChannel.open(wal)) {
            ByteBuffer header = ByteBuffer.allocate(WAL_HEADER);
            if (ch.read(header, 0) < WAL_HEADER) {
                return new Frames(0, 0, 0);
            }
            int pageSize = header.getInt(8);
            long salt = header.getLong(16);
            long commits = 0;
            long frames = 0;
            ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER);
            for (long at = WAL_HEADER; ; at += FRAME_HEADER + pageSize) {
                frame.clear();
                // Frames of this WAL carry its salt; past them are an earlier one's, or the end.
                if (ch.read(frame, at) < FRAME_HEADER || frame.getLong(8) != salt) {
                    return new Frames(salt, commits, frames * (FRAME_HEADER + pageSize));
                }
                frames++;
                if (frame.getInt(4) != 0) { // the database's size after the commit: set on a commit's last frame only
                    commits++;
                }
            }
        }
    }

    @Override
    public void close() throws SQLException {
        reader.rollback();
        reader.close();
    }
}
