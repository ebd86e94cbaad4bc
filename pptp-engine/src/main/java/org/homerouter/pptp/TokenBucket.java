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
        return take(nowNanos, 0);
    }

    /** Takes a token only if {@code keep} more remain after it: the last {@code keep} are for others. */
    public boolean take(long nowNanos, int keep) {
        refill(nowNanos);
        if (tokens < 1 + keep) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    /** Gives back a token taken for an event that did not happen after all. */
    public void giveBack(long nowNanos) {
        refill(nowNanos);
        tokens = Math.min(burst, tokens + 1);
    }

    /** The most events at once. */
    public int burst() {
        return burst;
    }

    /** Whether a token is there now; none is taken. */
    public boolean has(long nowNanos) {
        refill(nowNanos);
        return tokens >= 1;
    }

    private void refill(long nowNanos) {
        tokens = Math.min(burst, tokens + (double) (nowNanos - refilledAt) * perMinute / MINUTE);
        refilledAt = nowNanos;
    }
}
