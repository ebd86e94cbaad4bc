package org.homerouter.pptp;

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
}
