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
import org.homerouter.appliance.store.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router image's reset of a forgotten admin password, at the router: a router has no screen,
 * the image no login, and the export that would save the settings before writing a fresh image asks
 * for the forgotten password. Where a consumer router has a reset pin, the image's initramfs counts
 * quick starts (switched off within a minute of switching on; see image/initramfs/init) and, at the
 * fifth in a row, leaves this note in the data directory, with a token of its own.
 *
 * <p>The service then deletes the admin password only (the settings, VPN users and history stay)
 * and stores the token with it, in one transaction: a note is applied once, also when the service
 * cannot delete it (a full disk) and restarts, which would otherwise delete the password the owner
 * chose since. First-run setup says why until a new password is chosen, and is served to the
 * router's own LAN only meanwhile ({@link Appliance#setupRefusedFrom}): the VPN users are kept,
 * and whoever holds an account must not be the one who chooses the new password.
 */
final class AdminPasswordReset {
    static final String FILE = "admin-password-reset";
    private static final Logger LOG = LoggerFactory.getLogger(AdminPasswordReset.class);
    /** The initramfs writes one short line ("five quick starts" and a UUID); more is not its. */
    private static final int MAX_BYTES = 200;
    static final String WHY = "The admin password was reset at the router (it was switched on and off five times in a"
            + " row, each time for less than a minute)";

    private AdminPasswordReset() {
    }

    /**
     * Applies the initramfs's note unless its token was applied before; what first-run setup says
     * while the reset stands, else empty. A store that fails here leaves the reset for the next
     * start: the service starts all the same.
     */
    static Optional<String> apply(Path dataDir, ApplianceStore store) {
        Path file = dataDir.resolve(FILE);
        String token;
        try (InputStream in = Files.newInputStream(file)) {
            token = printable(new String(in.readNBytes(MAX_BYTES), StandardCharsets.US_ASCII).split("\n")[0]);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}; the admin password is not reset", file, e.toString());
            return Optional.empty();
        }
        try {
            if (token.equals(store.settings().get(Setting.ADMIN_RESET_APPLIED))) {
                if (store.adminPasswordHash().isPresent()) {
                    dealtWith(dataDir); // a new password was chosen since
                    return Optional.empty();
                }
                return Optional.of(WHY);
            }
            store.clearAdminPassword(token, WHY + ": choose a new one on the setup page, from the router's LAN;"
                    + " the settings and VPN users are kept");
        } catch (SQLException e) {
            LOG.error("{} could not be applied ({}): tried again at the next start", file, e.getMessage());
            return Optional.empty();
        }
        LOG.warn("{}: first-run setup asks for a new one, from the LAN; the settings and VPN users are kept", WHY);
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

    /** Printable ASCII, at most what the initramfs writes: the token is stored and compared as text. */
    private static String printable(String line) {
        StringBuilder s = new StringBuilder();
        for (char c : line.toCharArray()) {
            if (c > 0x20 && c < 0x7f || c == ' ') {
                s.append(c);
            }
        }
        return s.toString().strip();
    }
}
