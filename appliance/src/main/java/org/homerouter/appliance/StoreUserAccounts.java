package org.homerouter.appliance;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.webui.api.UserAccounts;
import org.homerouter.webui.api.UserAccounts.LastConnection;

/**
 * Dial-in accounts for the UI. Passwords become NT hashes at once (Windows' and, beyond ASCII, pppd's
 * octet-wise one: {@link NtPasswordHash#octetWiseOf}); a CHAP-MD5 secret (the password
 * itself, which CHAP-MD5 needs) is stored only while CHAP-MD5 is an allowed method. Each write
 * holds the appliance's {@linkplain Appliance#changeLock change lock}, so a failed import's undo
 * cannot wipe it; sessions are hung up after it, outside.
 */
record StoreUserAccounts(ApplianceStore store, Appliance appliance) implements UserAccounts {
    @Override
    public List<UserRow> users() {
        try {
            // One query for every account's last connection, not one per account.
            Map<String, ApplianceStore.LastConnection> last = store.lastConnections();
            java.util.Set<String> up = loggedInNow();
            return store.users().stream().map(u -> row(u, last.get(u.name()), up)).toList();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public int count() {
        try {
            return store.userCount();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public Optional<UserRow> user(String name) {
        try {
            Optional<VpnUser> u = store.user(name);
            return u.isEmpty() ? Optional.empty()
                    : Optional.of(row(u.get(), store.lastConnections().get(name), loggedInNow()));
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    /**
     * "Connected now" needs a session up in this service too: the history's row of a session whose
     * end could not be written (a full disk) stays open, and read alone it showed the account
     * connected until the next start.
     */
    private static UserRow row(VpnUser u, ApplianceStore.LastConnection last, java.util.Set<String> loggedIn) {
        return new UserRow(u.name(), u.enabled(), u.staticAddress().orElse(""), u.chapSecret().isPresent(),
                last == null ? LastConnection.NEVER : new LastConnection(last.connectedMs(), last.client(),
                        last.up() && loggedIn.contains(u.name()), last.failedMs(),
                        last.failedMs() == 0 ? "" : Diagnosis.brief(last.failReason())));
    }

    /** The accounts with a session up now, without asking the sessions (a busy one holds up no page). */
    private java.util.Set<String> loggedInNow() {
        return appliance.accounting().usersUp();
    }

    @Override
    public boolean add(String name, String password, boolean enabled, String staticAddress, String event) {
        try {
            synchronized (appliance.changeLock()) {
                return store.addUser(new VpnUser(name, NtPasswordHash.of(password), chapSecret(store, password), enabled,
                        staticAddress.isEmpty() ? Optional.empty() : Optional.of(staticAddress),
                        NtPasswordHash.octetWiseOf(password)), event);
            }
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public boolean update(String name, boolean enabled, String staticAddress, String event) {
        try {
            boolean done;
            Optional<String> before;
            synchronized (appliance.changeLock()) {
                before = store.user(name).flatMap(VpnUser::staticAddress);
                done = store.updateUser(name, enabled, staticAddress.isEmpty() ? null : staticAddress, event);
            }
            if (done && !enabled) {
                hangUp(name, "the account was disabled");
            } else if (done && !before.equals(staticAddress.isEmpty() ? Optional.empty() : Optional.of(staticAddress))) {
                // A session kept the old address, which the owner may now give another user (whose
                // login then got a pool address instead), and the LAN's rules for it.
                hangUp(name, "its static address changed: it gets the new one when it connects again");
            }
            return done;
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public String routedSubnets(String name) {
        try {
            return store.routedSubnets(name);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public String checkRoutedSubnets(String name, String subnets) {
        try {
            return RoutedNetworks.checkForUser(store, name, subnets);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public boolean setRoutedSubnets(String name, String subnets, String event) {
        try {
            boolean changed;
            synchronized (appliance.changeLock()) {
                String before = store.routedSubnets(name);
                boolean done = store.setRoutedSubnets(name, subnets, event);
                appliance.keepTunnelOnlyNetworks();
                if (!done) {
                    return false;
                }
                changed = !before.equals(subnets);
            }
            if (changed) {
                // A session's routes are added as it comes up: a network taken away stayed routed
                // into the branch's tunnel (and the branch could still send from it) until it
                // redialled. A branch router connects again at once.
                hangUp(name, "its routed networks changed: it connects again with the new ones");
            }
            return true;
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    /** A disabled or deleted account's sessions, or those of a changed password, end now, not at their next login. */
    private void hangUp(String name, String why) {
        appliance.vpnLockout().accountChanged(name); // where it logged in before no longer spares it a lockout
        PptpService pptp = appliance.pptp();
        if (pptp != null && pptp.disconnectUser(name, why) > 0) {
            store.logEvent("admin", "disconnected " + name + ": " + why);
        }
    }

    /**
     * A new password also ends the sessions logged in with the old one: a password is changed
     * because it leaked, as often as not, and a session would otherwise outlive the change for as
     * long as its client stays connected (its MPPE keys come from the old password, too).
     */
    @Override
    public boolean setPassword(String name, String password, String event) {
        try {
            boolean done;
            synchronized (appliance.changeLock()) {
                done = store.setUserSecrets(name, NtPasswordHash.of(password),
                        NtPasswordHash.octetWiseOf(password).orElse(null), chapSecret(store, password).orElse(null), event);
            }
            if (done) {
                hangUp(name, "the password was changed");
            }
            return done;
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public boolean delete(String name, String event) {
        try {
            boolean done;
            synchronized (appliance.changeLock()) {
                done = store.removeUser(name, event);
                appliance.keepTunnelOnlyNetworks();
            }
            if (done) {
                hangUp(name, "the account was deleted");
            }
            return done;
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    /**
     * The CHAP-MD5 secret to store with a new password: the password itself while CHAP-MD5 is
     * allowed (it needs the plaintext, RFC 1994 §4), none otherwise. The page and the command line
     * both store passwords through this.
     */
    static Optional<byte[]> chapSecret(ApplianceStore store, String password) throws SQLException {
        boolean chap = PptpService.authMethods(store.settings().get(Setting.PPTP_AUTH_METHODS)).stream()
                .anyMatch(m -> m == org.homerouter.pptp.auth.AuthMethod.CHAP_MD5);
        return chap ? Optional.of(password.getBytes(java.nio.charset.StandardCharsets.UTF_8)) : Optional.empty();
    }
}
