package org.homerouter.pptp;

/**
 * A token bucket: up to {@code burst} events at once, then {@code perMinute} a minute, the tokens
 * refilling continuously. Not thread-safe: its owner guards it.
 */
public final class TokenBucket {
    private static final long MINUTE = 60_000_000_000L;
    private final int burst;
    private final double perMinute;
    private double tokens;
    private long refilledAt;

    /** Full at {@code nowNanos} (of the owner's {@link Clock}). */
    public TokenBucket(int burst, double perMinute, long nowNanos) {
        if (burst < 1 || perMinute <= 0) {
            throw new IllegalArgumentException("burst and rate must be positive");
        }
        this.burst = burst;
        this.perMinute = perMinute;
        this.tokens = burst;
        this.refilledAt = nowNanos;
    }

    /** Takes a token if there is one: whether the event may happen now. */
    public boolean take(long nowNanos) {
        tokens = Math.min(burst, tokens + (double) (nowNanos - refilledAt) * perMinute / MINUTE);
        refilledAt = nowNanos;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
