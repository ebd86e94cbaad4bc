package org.homerouter.appliance;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which sessions carried no traffic for the idle timeout: fed each session's byte counter at a
 * regular tick, it answers true once a counter has not moved for the whole timeout.
 */
final class IdleTracker<K> {
    private final Map<K, long[]> lastMove = new ConcurrentHashMap<>();

    /** @return true when {@code counter} has not changed since at least {@code limit} before {@code nowNanos} */
    boolean idle(K key, long counter, long nowNanos, Duration limit) {
        long[] seen = lastMove.computeIfAbsent(key, k -> new long[] {counter, nowNanos});
        if (seen[0] != counter) {
            seen[0] = counter;
            seen[1] = nowNanos;
            return false;
        }
        return nowNanos - seen[1] >= limit.toNanos();
    }

    void forget(K key) {
        lastMove.remove(key);
    }

    /**
     * Drops every key but {@code live}'s. A session can end while a tick looks at it, after its
     * {@link #forget}, and the tick's {@link #idle} would then keep it for good.
     */
    void retainOnly(java.util.Collection<K> live) {
        lastMove.keySet().retainAll(new java.util.HashSet<>(live));
    }

    int size() {
        return lastMove.size();
    }

    void clear() {
        lastMove.clear();
    }
}
