package org.homerouter.appliance;

import java.net.InetAddress;
import java.sql.SQLException;
import java.time.Duration;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, tells the VPN login lockout where each user logged in from in the last 30 days, from
 * the session history: a user name locked by someone else's guesses still lets its owner in from
 * there, and a restart (an upgrade, a power cut) must not take that away while the guessing goes on.
 * Only logins since the account's password was last set, or it was created, enabled or disabled,
 * count ({@link ApplianceStore#loginsSince}), as the lockout forgot the earlier ones then: a restart
 * must not give them back either.
 */
final class KnownLogins {
    private static final Logger LOG = LoggerFactory.getLogger(KnownLogins.class);
    /** What {@link AuthFailureLockout} keeps a login's source familiar for; older ones it ignores anyway. */
    static final Duration WITHIN = Duration.ofDays(30);

    private KnownLogins() {
    }

    static void seed(ApplianceStore store, AuthFailureLockout lockout, long nowMs) {
        try {
            int seeded = 0;
            for (ApplianceStore.Login l : store.loginsSince(nowMs - WITHIN.toMillis())) {
                InetAddress client;
                try {
                    client = InetAddress.ofLiteral(l.client()); // never a DNS lookup: the row holds an address
                } catch (IllegalArgumentException e) {
                    continue;
                }
                lockout.loggedInBefore(l.user(), client, Duration.ofMillis(nowMs - l.startedMs()));
                seeded++;
            }
            LOG.debug("VPN lockout: {} recent login source(s) from the session history", seeded);
        } catch (SQLException e) {
            // Only the exemption is lost (the owner waits out a lockout as before): start all the same.
            LOG.warn("could not read the recent logins from the session history: {}", e.toString());
        }
    }
}
