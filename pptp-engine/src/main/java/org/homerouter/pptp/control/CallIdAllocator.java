package org.homerouter.pptp.control;

import java.util.BitSet;
import java.util.random.RandomGenerator;

/**
 * Hands out this side's PPTP Call IDs. They must be unique across every control connection of
 * the process, because incoming GRE packets are demultiplexed by the Call ID in their Key field
 * alone (RFC 2637 §4.1). IDs are picked at random (never 0, which means "no call") so that a
 * peer cannot guess another session's ID from its own. The allocator also enforces the
 * process-wide session limit: when {@code maxCalls} IDs are out, {@link #allocate()} refuses.
 * Thread-safe.
 */
public final class CallIdAllocator {
    private final BitSet inUse = new BitSet(65536);
    private final int maxCalls;
    private final RandomGenerator random;
    private int count;

    public CallIdAllocator(int maxCalls) {
        this(maxCalls, RandomGenerator.getDefault());
    }

    public CallIdAllocator(int maxCalls, RandomGenerator random) {
        if (maxCalls < 1 || maxCalls > 65535) {
            throw new IllegalArgumentException("maxCalls must be 1..65535: " + maxCalls);
        }
        this.maxCalls = maxCalls;
        this.random = random;
    }

    /** A fresh Call ID in 1..65535, or -1 when the session limit is reached. */
    public synchronized int allocate() {
        if (count >= maxCalls) {
            return -1;
        }
        // Random probe first (cheap while the space is sparse), then a linear scan from there.
        int start = 1 + random.nextInt(65535);
        int id = inUse.nextClearBit(start);
        if (id > 65535) {
            id = inUse.nextClearBit(1);
        }
        inUse.set(id);
        count++;
        return id;
    }

    /** Returns an ID to the pool; releasing an ID that is not allocated is a no-op. */
    public synchronized void release(int id) {
        if (id >= 1 && id <= 65535 && inUse.get(id)) {
            inUse.clear(id);
            count--;
        }
    }

    public synchronized int inUse() {
        return count;
    }

    public int maxCalls() {
        return maxCalls;
    }
}
