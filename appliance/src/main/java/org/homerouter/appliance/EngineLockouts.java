package org.homerouter.appliance;

import java.util.List;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.webui.api.VpnLockouts;

/** The Lockouts page's view of the VPN server's login lockout (the one the appliance keeps across listener restarts). */
record EngineLockouts(AuthFailureLockout lockout, ApplianceStore store) implements VpnLockouts {
    private static final String USER = "user ";
    private static final String ADDRESS = "address ";

    @Override
    public List<Lockout> current() {
        return lockout.current().stream().map(l -> {
            boolean user = l.key().startsWith(USER);
            String subject = l.key().substring(user ? USER.length() : l.key().startsWith(ADDRESS) ? ADDRESS.length() : 0);
            // Rounded up: a lockout with 200 ms left is still one, and shows as 1 s.
            long seconds = (l.remaining().toMillis() + 999) / 1000;
            return new Lockout(l.key(), user, subject, l.failures(), seconds);
        }).toList();
    }

    @Override
    public boolean unlock(String key, String event) {
        boolean done = lockout.unlock(key);
        if (done) {
            store.logEvent("admin", event);
        }
        return done;
    }
}
