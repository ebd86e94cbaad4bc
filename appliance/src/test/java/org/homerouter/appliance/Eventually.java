package org.homerouter.appliance;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Reads something that the appliance writes on a thread of its own (session records), until it holds. */
final class Eventually {
    /**
     * How long {@link #until} waits: far longer than anything here takes on a quiet machine, so that
     * only what never happens fails, not what a loaded one (a parallel build) made slow.
     */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private Eventually() {
    }

    /**
     * {@code read}'s value once {@code done} holds for it, or its last value after 10 s: for a
     * caller that asserts on the value itself, its own message saying what was wrong. A caller
     * that only waits (and asserts on something else after) uses {@link #until}, which fails.
     */
    static <T> T value(Callable<T> read, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        T v = read.call();
        while (!done.test(v) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = read.call();
        }
        return v;
    }

    /**
     * {@code read}'s value once {@code done} holds for it; if it does not within {@link #PATIENCE},
     * the test fails naming {@code what} and the last value read. A bare wait that timed out
     * silently let the test go on and fail somewhere later, or pass having checked nothing.
     */
    static <T> T until(String what, Callable<T> read, Predicate<T> done) throws Exception {
        return until(what, PATIENCE, read, done);
    }

    /**
     * As {@link #until(String, Callable, Predicate)}, waiting {@code patience}: for what the
     * appliance itself does only after a while (a retry 30 s at most after the last).
     */
    static <T> T until(String what, Duration patience, Callable<T> read, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        T v = read.call();
        while (!done.test(v)) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("not within " + patience.toSeconds() + " s: " + what + " (last read: " + v + ")");
            }
            Thread.sleep(10);
            v = read.call();
        }
        return v;
    }

    /** Waits until {@code holds} is true; fails the test, naming {@code what}, if not within {@link #PATIENCE}. */
    static void until(String what, Callable<Boolean> holds) throws Exception {
        until(what, holds, Boolean::booleanValue);
    }
}
