package org.homerouter.appliance;

import java.sql.SQLException;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.pptp.auth.PppUser;
import org.homerouter.pptp.auth.UserDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's user directory, read from SQLite at each authentication: a password changed or an
 * account disabled in the UI applies to the next login without a restart.
 */
final class StoreUserDirectory implements UserDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(StoreUserDirectory.class);
    private static final org.homerouter.pptp.LogLimit UNREADABLE_LOGGED = new org.homerouter.pptp.LogLimit();
    private final ApplianceStore store;

    StoreUserDirectory(ApplianceStore store) {
        this.store = store;
    }

    @Override
    public Optional<PppUser> find(String userName) {
        try {
            // One read: a password changed between two would pair the new hash with a stale previous one.
            return store.loginAccount(userName).map(a -> new PppUser(a.user().name(), a.user().ntHash(),
                    a.user().chapSecret(), a.user().enabled(), a.previousNtHash(), a.user().octetWiseNtHash()));
        } catch (SQLException e) {
            // Failing closed: an unreadable store authenticates nobody. Yet not as "no such user":
            // the owner is told the router could not read its accounts, and no lockout counts it.
            // The name is the peer's, and so is the pace (every login attempt while the disk is full, say).
            String more = UNREADABLE_LOGGED.admit();
            if (more != null) {
                LOG.error("reading user {} from the store failed: {}{}", org.homerouter.pptp.Printable.of(userName),
                        e.toString(), more);
            }
            throw new UserDirectory.Unreadable("reading the VPN users from the database failed: " + e.getMessage(), e);
        }
    }
}
