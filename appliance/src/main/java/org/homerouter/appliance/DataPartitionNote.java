package org.homerouter.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The note the router image's initramfs leaves in the data directory when it had to format the
 * data partition at boot (no repair could open it; see image/initramfs/init): this router is on
 * factory settings, and its owner, who finds first-run setup instead of the login, must learn why
 * and that a configuration export brings the accounts back. The note stays until the owner has
 * been through setup (an admin password exists), imported a configuration or reset the router, so
 * a power cycle before the owner looks does not lose it; the event is logged once.
 */
final class DataPartitionNote {
    static final String FILE = "data-partition-formatted";
    private static final Logger LOG = LoggerFactory.getLogger(DataPartitionNote.class);
    /** The initramfs writes one short line (the check's exit code); more is not its. */
    private static final int MAX_BYTES = 200;
    /** The line the service adds once it has logged the event. */
    private static final String LOGGED = "logged";

    private DataPartitionNote() {
    }

    /** What first-run setup and the dashboard say, while the initramfs's note stands. */
    static Optional<String> read(Path dataDir, ApplianceStore store) {
        Path file = dataDir.resolve(FILE);
        String[] lines;
        try {
            lines = WholeFile.head(file, MAX_BYTES).split("\n");
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            lines = new String[] {""};
        }
        try {
            if (store.adminPasswordHash().isPresent()) {
                dealtWith(dataDir); // the owner has been through setup since, and read it there
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        String detail = printable(lines[0]);
        String why = "The router's data partition could not be repaired at a boot"
                + (detail.isEmpty() ? "" : " (" + detail + ")") + " and was formatted";
        if (!java.util.Arrays.asList(lines).contains(LOGGED)) {
            LOG.error("{}: starting with factory settings", why);
            store.logEvent("service", why + ": the router started with factory settings, no users and no admin password;"
                    + " restore a configuration export on the System page");
            // Logged again at the next start if this fails: one more event, nothing worse.
            rewrite(file, detail + "\n" + LOGGED + "\n");
        }
        return Optional.of(why);
    }

    /** The owner went through setup, imported a configuration or reset the router: the note is done. */
    static void dealtWith(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE));
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", dataDir.resolve(FILE), e.toString());
        }
    }

    /** Replaces the note whole (a power cut leaves the old or the new one), or warns. */
    private static void rewrite(Path file, String text) {
        try {
            Path next = file.resolveSibling(file.getFileName() + ".new");
            Files.writeString(next, text, StandardCharsets.US_ASCII);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("cannot rewrite {}: {}", file, e.toString());
        }
    }

    /** Printable ASCII only: no markup or control characters reach the pages or the log. */
    private static String printable(String line) {
        StringBuilder s = new StringBuilder();
        for (char c : line.toCharArray()) {
            if (c >= 0x20 && c < 0x7f && c != '<' && c != '>' && c != '&') {
                s.append(c);
            }
        }
        return s.toString().strip();
    }
}
