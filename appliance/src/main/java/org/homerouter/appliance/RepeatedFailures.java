package org.homerouter.appliance;

import java.time.Duration;

/**
 * Which failures of a connection that keeps retrying go to the event log. With its server down, the
 * site-to-site dial-out fails once a minute, 1,440 times a day, each the same way: the first
 * failure is logged, then the same failure again only once per {@code quiet} period, saying how
 * many went unlogged; a different failure is logged at once. Not thread-safe (the dial-out's loop
 * thread only).
 */
final class RepeatedFailures {
    private final long quietNanos;
    private String last;
    private long lastLoggedNanos;
    private int unlogged;

    RepeatedFailures(Duration quiet) {
        this.quietNanos = quiet.toNanos();
    }

    /**
     * @param nowNanos {@link System#nanoTime()}, not the wall clock: a clock stepped back (a board
     *                 without a battery clock, when its time server first answers) would keep the
     *                 repeats out of the log for the step and the quiet period on top
     * @return null to leave this failure out of the event log; otherwise what to append to its line:
     *         "" or " (the same failure 58 more times before this one, not logged one by one)"
     */
    String admit(String why, long nowNanos) {
        if (why.equals(last) && nowNanos - lastLoggedNanos < quietNanos) {
            unlogged++;
            return null;
        }
        String more = why.equals(last) ? summary() : unlogged == 0 ? ""
                : " (before it, the previous failure " + unlogged + " more times, not logged one by one)";
        last = why;
        lastLoggedNanos = nowNanos;
        unlogged = 0;
        return more;
    }

    /**
     * The connection came up, or stopped retrying: what the log has not been told yet (" (after the
     * last failure logged, 12 more the same way)" or ""); the next failure is logged whatever it is.
     */
    String reset() {
        String more = unlogged == 0 ? "" : " (after the last failure logged, " + unlogged + " more the same way)";
        last = null;
        unlogged = 0;
        return more;
    }

    private String summary() {
        return unlogged == 0 ? "" : " (the same failure " + unlogged + " more times before this one, not logged one by one)";
    }
}
