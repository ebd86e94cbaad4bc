package org.homerouter.appliance;

import java.time.Duration;

/**
 * How long the dial-out waits before the next attempt: 2 s after the first failure, doubling up to
 * 60 s while attempts keep failing, so a server that is down is not hammered and one that comes
 * back is found within a minute. A session that stayed up a while ({@link #STABLE}) resets the
 * wait: a link that drops once a day reconnects in 2 s, not in whatever the last outage reached.
 */
final class ReconnectBackoff {
    static final Duration FIRST = Duration.ofSeconds(2);
    static final Duration MAX = Duration.ofSeconds(60);
    static final Duration STABLE = Duration.ofSeconds(60);

    private Duration next = FIRST;

    /** The wait before the next attempt after one that failed before the tunnel came up. */
    synchronized Duration failed() {
        Duration wait = next;
        next = next.multipliedBy(2).compareTo(MAX) > 0 ? MAX : next.multipliedBy(2);
        return wait;
    }

    /** The wait after a session that came up and then ended, having lasted {@code upFor}. */
    synchronized Duration ended(Duration upFor) {
        if (upFor.compareTo(STABLE) >= 0) {
            next = FIRST;
        }
        return failed();
    }
}
