package org.homerouter.pptp;

import java.util.OptionalLong;

/**
 * Monotonic time for every timer in the engine. State machines never read the system clock
 * themselves, so tests drive them deterministically with {@link ManualClock}.
 */
@FunctionalInterface
public interface Clock {
    /** Monotonic nanoseconds; only differences are meaningful. */
    long nanos();

    default long millis() {
        return nanos() / 1_000_000L;
    }

    Clock SYSTEM = System::nanoTime;

    /** The earlier of two optional deadlines in clock nanos, compared by difference as {@link System#nanoTime} asks. */
    static OptionalLong earliest(OptionalLong a, OptionalLong b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.getAsLong() - b.getAsLong() <= 0 ? a : b;
    }
}
