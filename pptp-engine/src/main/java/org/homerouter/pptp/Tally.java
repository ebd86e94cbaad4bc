package org.homerouter.pptp;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many of something each key holds now: control connections per source, sessions per user,
 * calls per LAN client. A key at zero is forgotten, so the tally holds only the keys that hold
 * something, however many came and went. Thread-safe.
 *
 * @param <K> what is counted per
 */
public final class Tally<K> {
    private final ConcurrentHashMap<K, Integer> counts = new ConcurrentHashMap<>();

    public int count(K key) {
        return counts.getOrDefault(key, 0);
    }

    /** One more for {@code key}; returns its new count. */
    public int add(K key) {
        return counts.merge(key, 1, Integer::sum);
    }

    /** One fewer for {@code key}; never below zero. */
    public void remove(K key) {
        counts.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    }
}
