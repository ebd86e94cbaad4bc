package org.homerouter.pptp.session;

/**
 * What one router allows beyond the control connection limits: how many sessions may be logging in
 * at once (a flood of half-open sessions costs memory and CPU for LCP and MS-CHAPv2 without ever
 * authenticating), how many of those one source address may hold (so that one host on the
 * internet, opening calls it never logs in on, cannot take every slot and lock every real user
 * out), and how many sessions one user may hold (a shared password must not take the whole pool).
 *
 * @param maxLoggingIn          sessions between call set-up and a successful login, at once
 * @param maxPerUser            authenticated sessions per user name
 * @param maxLoggingInPerSource of {@code maxLoggingIn}, those from one client address
 */
public record SessionLimits(int maxLoggingIn, int maxPerUser, int maxLoggingInPerSource) {
    /** No limits (tests, benchmarks, the engine's own client). */
    public static final SessionLimits NONE = new SessionLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);

    /** No limit per source beyond the overall one. */
    public SessionLimits(int maxLoggingIn, int maxPerUser) {
        this(maxLoggingIn, maxPerUser, maxLoggingIn);
    }

    public SessionLimits {
        if (maxLoggingIn < 1 || maxPerUser < 1 || maxLoggingInPerSource < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
    }

    /**
     * A router's: a quarter of the logins in progress per source address (at least one). Several
     * users behind one NAT still log in side by side, as logins take about a second each.
     */
    public static SessionLimits forRouter(int maxLoggingIn, int maxPerUser) {
        return new SessionLimits(maxLoggingIn, maxPerUser, Math.max(1, maxLoggingIn / 4));
    }
}
