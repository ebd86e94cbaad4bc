package org.homerouter.pptp.alg;

import java.util.ArrayDeque;

/**
 * The last few call IDs seen of some kind, newest last: bounded, so that a flood of messages keeps
 * only the newest and cannot grow it. Not thread-safe: its connection's lock guards it.
 */
final class RecentCallIds {
    private final int capacity;
    private final ArrayDeque<Integer> ids = new ArrayDeque<>();

    RecentCallIds(int capacity) {
        this.capacity = capacity;
    }

    /** Adds {@code id} as the newest, forgetting the oldest beyond the capacity. */
    void remember(int id) {
        ids.remove(id);
        ids.addLast(id);
        if (ids.size() > capacity) {
            ids.removeFirst();
        }
    }

    boolean contains(int id) {
        return ids.contains(id);
    }

    /** Forgets {@code id}; whether it was there. */
    boolean remove(int id) {
        return ids.remove(id);
    }

    boolean isEmpty() {
        return ids.isEmpty();
    }

    void clear() {
        ids.clear();
    }
}
