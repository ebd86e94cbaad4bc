package org.homerouter.appliance;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
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
            return new Lockout(reference(l.key()), user, subject, l.failures(), seconds);
        }).toList();
    }

    @Override
    public boolean unlock(String reference, String event) {
        boolean done = lockout.current().stream().map(AuthFailureLockout.Lockout::key)
                .filter(k -> reference(k).equals(reference)).findFirst().map(lockout::unlock).orElse(false);
        if (done) {
            store.logEvent("admin", event);
        }
        return done;
    }

    /**
     * The page's handle on a lockout: hex of its key's UTF-8 bytes. The key holds the user name
     * as the peer sent it, which may hold CR or NUL, which an HTML form does not send back as it
     * was (the parser makes CR a line feed and NUL U+FFFD): Unlock then found no such lockout.
     */
    private static String reference(String key) {
        return HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8));
    }
}
