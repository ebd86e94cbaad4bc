package org.homerouter.appliance;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Reads something that the appliance writes on a thread of its own (session records), until it holds. */
final class Eventually {
    private Eventually() {
    }

    /** {@code read}'s value once {@code done} holds for it, or its last value after 10 s. */
    static <T> T value(Callable<T> read, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        T v = read.call();
        while (!done.test(v) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = read.call();
        }
        return v;
    }
}
