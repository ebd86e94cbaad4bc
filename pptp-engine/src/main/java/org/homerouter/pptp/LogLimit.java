package org.homerouter.pptp;

import java.util.function.LongSupplier;

/**
 * A log line's budget, for lines a peer can cause at will (one per message, per connection, per
 * call): {@value #BURST} at once, then {@value #PER_MINUTE} a minute. The lines over it are
 * counted, and the next line written says how many were left out. Without it one connection
 * streaming, say, Call-Clear-Requests for calls that do not exist wrote tens of thousands of lines
 * a second: every thread that logs waited on the logger's lock, the data path's included, and
 * the journal's rate limit then dropped the service's real messages too. Thread-safe.
 */
public final class LogLimit {
    static final int BURST = 20;
    static final int PER_MINUTE = 60;

    private final LongSupplier nanos;
    private final int burst;
    private final double perMinute;
    private TokenBucket bucket;
    private long left;

    public LogLimit() {
        this(System::nanoTime);
    }

    LogLimit(LongSupplier nanos) {
        this(BURST, PER_MINUTE, nanos);
    }

    /** A budget of its own: {@code burst} at once, then {@code perMinute} a minute (0.1: one each 10 min). */
    public LogLimit(int burst, double perMinute) {
        this(burst, perMinute, System::nanoTime);
    }

    LogLimit(int burst, double perMinute, LongSupplier nanos) {
        this.nanos = nanos;
        this.burst = burst;
        this.perMinute = perMinute;
    }

    /**
     * Whether the line may be written now: null if not (it is counted), else what to append to it,
     * "" or a note of the lines left out since the last one written.
     */
    public synchronized String admit() {
        long now = nanos.getAsLong();
        if (bucket == null) {
            bucket = new TokenBucket(burst, perMinute, now);
        }
        if (!bucket.take(now)) {
            left++;
            return null;
        }
        String note = left == 0 ? "" : " (" + left + " more like this not logged)";
        left = 0;
        return note;
    }
}
