package org.homerouter.appliance;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How long the dial-out waits before the next attempt: 2 s after the first failure, doubling up to
 * 60 s while attempts keep failing, so a server that is down is not hammered and one that comes
 * back is found within a minute or so (75 s at most, with the spread below). A session that stayed up a while ({@link #STABLE}) resets the
 * wait: a link that drops once a day reconnects in 2 s, not in whatever the last outage reached.
 *
 * <p>Each wait is spread by up to a quarter either way ({@link #SPREAD}): the branches of one
 * office all lose their tunnels at the same instant when the office's server restarts, and
 * without the spread they would all dial again in the same second, every time, for as long as
 * the server stays down.
 */
final class ReconnectBackoff {
    static final Duration FIRST = Duration.ofSeconds(2);
    static final Duration MAX = Duration.ofSeconds(60);
    static final Duration STABLE = Duration.ofSeconds(60);
    static final double SPREAD = 0.25;

    private final DoubleSupplier random;
    private Duration next = FIRST;

    ReconnectBackoff() {
        this(() -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    }

    /** {@code random} gives values in [0, 1); 0.5 gives the unspread wait. */
    ReconnectBackoff(DoubleSupplier random) {
        this.random = random;
    }

    /** The wait before the next attempt after one that failed before the tunnel came up. */
    synchronized Duration failed() {
        Duration wait = spread(next);
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

    private Duration spread(Duration base) {
        double factor = 1 + SPREAD * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.round(base.toMillis() * factor));
    }
}
