package org.homerouter.webui.api;

import java.util.List;

/** The VPN server's login lockouts (per user name and per source address), for the Lockouts page. */
public interface VpnLockouts {
    /** Every user name and address locked out now. */
    List<Lockout> current();

    /**
     * Lifts one lockout and records {@code event} in the event log.
     *
     * @param key as {@link Lockout#key()} gives it
     * @return false when it is not locked (any more)
     */
    boolean unlock(String key, String event);

    /**
     * @param key              opaque, to hand back to {@link #unlock}: printable ASCII, which a form
     *                         carries unchanged (a user name a peer sent may not be)
     * @param userName         true: a user name is locked; false: a source address
     * @param subject          the user name or the address
     * @param failures         failed logins counted for it
     * @param remainingSeconds until the lockout ends by itself
     */
    record Lockout(String key, boolean userName, String subject, int failures, long remainingSeconds) {
    }

    /** A backend without a VPN server. */
    VpnLockouts NONE = new VpnLockouts() {
        @Override
        public List<Lockout> current() {
            return List.of();
        }

        @Override
        public boolean unlock(String key, String event) {
            return false;
        }
    };
}
