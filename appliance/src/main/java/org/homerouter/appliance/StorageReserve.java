package org.homerouter.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Room kept on the data partition for the service's own start. A partition filled to its last
 * block (copies of the database kept across firmware upgrades, the history at its caps, a file put
 * there by hand) stopped every start: SQLite could not make the shared-memory file it opens a WAL
 * database with, the service exited with "the router's storage cannot be written", and systemd
 * started it again for ever, with no web UI to free room from. So a file of {@link #SIZE} bytes is
 * kept beside the database; a start that finds the partition full deletes it first, and every page
 * then says the storage is full and how to free it.
 */
final class StorageReserve {
    private static final Logger LOG = LoggerFactory.getLogger(StorageReserve.class);
    static final String FILE = "space-reserve";
    static final int SIZE = 1 << 20;
    /** Below this free, every page warns: the next rows of history, or a save, may not fit. */
    static final long LOW = 2L * SIZE;

    private StorageReserve() {
    }

    /**
     * Before the database is opened: deletes the reserve when the partition is full. Returns
     * whether it did (the start then runs on that room, and says so).
     */
    static boolean releaseIfFull(Path dataDir) {
        Path reserve = dataDir.resolve(FILE);
        try {
            if (!Files.isDirectory(dataDir) || Files.getFileStore(dataDir).getUsableSpace() >= SIZE
                    || !Files.deleteIfExists(reserve)) {
                return false;
            }
            LOG.error("the data partition {} is full: deleted the {} bytes kept there for a start ({}) to start on",
                    dataDir, SIZE, reserve);
            return true;
        } catch (IOException e) {
            LOG.warn("could not look at the room left on the data partition {}: {}", dataDir, e.toString());
            return false;
        }
    }

    /** Once the database is open: keeps a reserve again where there is room for it and more. */
    static void keep(Path dataDir) {
        Path reserve = dataDir.resolve(FILE);
        Path part = dataDir.resolve(FILE + ".part");
        try {
            // A size short of SIZE: cut short by a power cut before its blocks were written.
            if ((Files.exists(reserve) && Files.size(reserve) == SIZE)
                    || Files.getFileStore(dataDir).getUsableSpace() < 4L * SIZE) {
                return;
            }
            // Zeros written, not a sparse file: a hole keeps no block for later.
            WholeFile.replace(part, reserve, ByteBuffer.allocate(SIZE));
        } catch (IOException e) {
            LOG.warn("could not keep room for a start on the data partition ({}): {}", reserve, e.toString());
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // what is left is a part file, deleted at the next try
            }
        }
    }

    /** What frees room, said on the pages and in the event log. */
    static final String HOW_TO_FREE = "Export the configuration on the System page, then a factory reset frees what"
            + " the router keeps besides it (old copies of the database, the history), and importing the export"
            + " brings the settings and users back";

    /**
     * What every page says while the partition is (nearly) full, or has gone read-only (flash
     * that wears out: at run time ext4 remounts it so, and nothing saves from then on); else empty.
     */
    static Optional<String> warning(Path dataDir) {
        if (org.homerouter.appliance.store.ReadOnlyStorage.of(dataDir)) {
            return Optional.of(org.homerouter.appliance.store.ReadOnlyStorage.SENTENCE);
        }
        try {
            return warning(Files.getFileStore(dataDir));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> warning(FileStore store) throws IOException {
        long free = store.getUsableSpace();
        if (free >= LOW) {
            return Optional.empty();
        }
        String room = " (" + free / 1024 + " KB free of " + store.getTotalSpace() / (1024 * 1024) + " MB): ";
        return Optional.of("The router's storage is " + (free < SIZE / 4
                ? "full" + room + "sessions and events are not recorded, and settings cannot be saved. "
                : "nearly full" + room + "soon sessions and events will not be recorded, and settings not saved. ")
                + HOW_TO_FREE + ".");
    }

    /** How {@link #describe} begins on read-only storage. */
    static final String READ_ONLY = "READ-ONLY: ";

    /** The free room, for {@code status}: "97 MB free of 120 MB", with the warning when low. */
    static String describe(Path dataDir) {
        if (org.homerouter.appliance.store.ReadOnlyStorage.of(dataDir)) {
            return READ_ONLY + org.homerouter.appliance.store.ReadOnlyStorage.SENTENCE;
        }
        try {
            FileStore store = Files.getFileStore(dataDir);
            return warning(store).map(w -> "LOW: " + w).orElse(store.getUsableSpace() / (1024 * 1024)
                    + " MB free of " + store.getTotalSpace() / (1024 * 1024) + " MB");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
