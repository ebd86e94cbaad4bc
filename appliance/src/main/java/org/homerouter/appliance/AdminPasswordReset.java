package org.homerouter.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router image's reset of a forgotten admin password, at the router: a router has no screen,
 * the image no login, and the export that would save the settings before writing a fresh image asks
 * for the forgotten password. Where a consumer router has a reset pin, the image's initramfs counts
 * quick starts (switched off within a minute of switching on; see image/initramfs/init) and, at the
 * fifth in a row, leaves this note in the data directory. Physical presence is the proof: whoever
 * can switch the router off and on five times can also write a fresh image.
 *
 * <p>The service then deletes the admin password only (first-run setup asks for a new one on the
 * LAN; the settings, VPN users and history stay), logs it, and marks the note done; setup says why
 * until the owner has chosen a password, so a power cycle before the owner looks does not lose it.
 */
final class AdminPasswordReset {
    static final String FILE = "admin-password-reset";
    private static final Logger LOG = LoggerFactory.getLogger(AdminPasswordReset.class);
    private static final int MAX_BYTES = 200;
    private static final String DONE = "done";
    static final String WHY = "The admin password was reset at the router (it was switched on and off five times in a"
            + " row, each time for less than a minute)";

    private AdminPasswordReset() {
    }

    /**
     * Applies the initramfs's note, once; what first-run setup says while it stands, else empty.
     * A note the service cannot mark done is applied again at the next start: one more event.
     */
    static Optional<String> apply(Path dataDir, ApplianceStore store) {
        Path file = dataDir.resolve(FILE);
        boolean done;
        try (InputStream in = Files.newInputStream(file)) {
            done = java.util.Arrays.asList(new String(in.readNBytes(MAX_BYTES), StandardCharsets.US_ASCII).split("\n"))
                    .contains(DONE);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            done = false;
        }
        try {
            if (done) {
                if (store.adminPasswordHash().isPresent()) {
                    dealtWith(dataDir); // a new password was chosen since
                    return Optional.empty();
                }
                return Optional.of(WHY);
            }
            store.clearAdminPassword(WHY + ": choose a new one on the setup page; the settings and VPN users are kept");
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        LOG.warn("{}: first-run setup asks for a new one; the settings and VPN users are kept", WHY);
        DataPartitionNote.rewrite(file, DONE + "\n");
        return Optional.of(WHY);
    }

    /** A new admin password was chosen, or the router reset: the note is done. */
    static void dealtWith(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE));
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", dataDir.resolve(FILE), e.toString());
        }
    }
}
