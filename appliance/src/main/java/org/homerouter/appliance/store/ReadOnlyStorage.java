package org.homerouter.appliance.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.LibC;

/**
 * The data partition gone read-only: flash that wears out turns write-protected, the initramfs then
 * mounts it read-only, and ext4 (errors=remount-ro) does the same at run time. The service still
 * starts on it ({@link ApplianceStore#openReadOnly}), so that the owner can export the configuration
 * to a new router; every page and {@code status} say {@link #SENTENCE}.
 */
public final class ReadOnlyStorage {
    /** What every page, {@code status} and every refused save say. */
    public static final String SENTENCE = "The router's storage has become read-only (the flash may be failing):"
            + " settings cannot be saved; export the configuration now (System page) and replace the storage or"
            + " the router.";
    /** SQLite's primary result code for a write to a database opened read-only. */
    static final int SQLITE_READONLY = 8;

    private ReadOnlyStorage() {
    }

    /**
     * Whether {@code dir}'s file system refuses writes. The mount's own flag first; then access(2),
     * which answers EROFS for a read-only mount whoever asks, root included: a bind mount made
     * read-only is on the same device as its parent, and the JDK's FileStore then reads the
     * parent's (writable) mount options. Permissions alone (EACCES) are not this. One or two
     * system calls: cheap enough for every page.
     */
    public static boolean of(Path dir) {
        try {
            if (Files.getFileStore(dir).isReadOnly()) {
                return true;
            }
        } catch (IOException e) {
            // not found out here: access(2) may
        }
        // The error number, not the JDK's text of it: strerror's words follow the locale.
        return LibC.access(dir.toAbsolutePath().toString(), LibC.W_OK) == -Errno.EROFS;
    }

    /** A write refused by a store opened on read-only storage, before anything of it was made. */
    public static final class Refused extends SQLException {
        Refused() {
            super(SENTENCE, null, SQLITE_READONLY);
        }
    }
}
