package org.homerouter.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The note the router image's initramfs leaves in the data directory when it had to format the
 * data partition at boot (no repair could open it; see image/initramfs/init): this run is on
 * factory settings, and the owner, who sees only first-run setup, must learn why and that a
 * configuration export brings the accounts back. Taken once: logged as an event, then deleted (as a
 * database set aside is, the dashboard keeps saying it for this run, until an import or a reset).
 */
final class DataPartitionNote {
    static final String FILE = "data-partition-formatted";
    private static final Logger LOG = LoggerFactory.getLogger(DataPartitionNote.class);
    /** The initramfs writes one short line (the check's exit code); more is not its. */
    private static final int MAX_BYTES = 200;

    private DataPartitionNote() {
    }

    /** What the dashboard and the setup page say, if the initramfs left a note; the note is gone after. */
    static Optional<String> take(Path dataDir, ApplianceStore store) {
        Path file = dataDir.resolve(FILE);
        String detail;
        try (InputStream in = Files.newInputStream(file)) {
            detail = printable(in.readNBytes(MAX_BYTES));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            detail = "";
        }
        String why = "The router's data partition could not be repaired at the last boot"
                + (detail.isEmpty() ? "" : " (" + detail + ")") + " and was formatted";
        LOG.error("{}: starting with factory settings", why);
        store.logEvent("service", why + ": the router started with factory settings, no users and no admin password;"
                + " restore a configuration export on the System page");
        try {
            Files.delete(file);
        } catch (IOException e) {
            // Read again at the next start: one more event, nothing worse.
            LOG.warn("cannot delete {}: {}", file, e.toString());
        }
        return Optional.of(why);
    }

    /** The first line, printable ASCII only: no markup or control characters reach the pages or the log. */
    private static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            if (b == '\n' || b == '\r') {
                break;
            }
            if (b >= 0x20 && b < 0x7f && b != '<' && b != '>' && b != '&') {
                s.append((char) b);
            }
        }
        return s.toString().strip();
    }
}
