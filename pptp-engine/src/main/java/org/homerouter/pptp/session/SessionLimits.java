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
     * A router's: half of the logins in progress per source address (at least one). One host can
     * then never take every slot, and an office behind one NAT address still has plenty for
     * people who connect at the same moment (a login takes a second or two). When every slot is
     * taken, the source holding the most gives one up to a newcomer ({@code PppSessions}).
     */
    public static SessionLimits forRouter(int maxLoggingIn, int maxPerUser) {
        return new SessionLimits(maxLoggingIn, maxPerUser, Math.max(1, maxLoggingIn / 2));
    }
}
