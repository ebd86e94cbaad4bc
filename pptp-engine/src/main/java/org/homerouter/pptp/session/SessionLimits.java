package org.homerouter.pptp.session;

/**
 * What one router allows beyond the control connection limits: how many sessions may be logging in
 * at once (a flood of half-open sessions costs memory and CPU for LCP and MS-CHAPv2 without ever
 * authenticating), and how many sessions one user may hold (a shared password must not take the
 * whole pool).
 *
 * @param maxLoggingIn sessions between call set-up and a successful login, at once
 * @param maxPerUser   authenticated sessions per user name
 */
public record SessionLimits(int maxLoggingIn, int maxPerUser) {
    /** No limits (tests, benchmarks, the engine's own client). */
    public static final SessionLimits NONE = new SessionLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);

    public SessionLimits {
        if (maxLoggingIn < 1 || maxPerUser < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
    }
}
