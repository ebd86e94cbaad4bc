package org.homerouter.pptp.control;

import java.util.BitSet;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * Hands out this side's PPTP Call IDs. They must be unique across every control connection of
 * the process, because incoming GRE packets are demultiplexed by the Call ID in their Key field
 * alone (RFC 2637 §4.1). IDs are picked at random (never 0, which means "no call") so that a
 * peer cannot guess another session's ID from its own. The allocator also enforces the
 * process-wide session limit: when {@code maxCalls} IDs are out, {@link #allocate()} refuses.
 * A server's allocator may also be told to refuse a call that could get no tunnel address
 * ({@link #requireAddress}). Where other calls share the demultiplexer with IDs of their own (the
 * router's dial-out beside its server), their allocators share one {@link CallIdSpace}, and
 * {@code takenElsewhere} names any other IDs to skip. Thread-safe.
 */
public final class CallIdAllocator {
    /** {@link #allocate()}'s refusal: {@code maxCalls} calls are out, or no ID is free. */
    public static final int AT_LIMIT = -1;
    /** {@link #allocate()}'s refusal: the call could get no tunnel address (see {@link #requireAddress}). */
    public static final int NO_ADDRESS = -2;

    /** Whether one more call could be given a tunnel address while {@code callsOut} calls are out. */
    @FunctionalInterface
    public interface AddressRoom {
        boolean forAnotherCall(int callsOut);
    }

    private final BitSet inUse = new BitSet(65536);
    private int maxCalls;
    private final RandomGenerator random;
    private final IntPredicate takenElsewhere;
    private final CallIdSpace space;
    private int count;
    private long refusedAtLimit;
    private AddressRoom addressRoom = callsOut -> true;
    private long refusedWithoutAddress;

    public CallIdAllocator(int maxCalls) {
        this(maxCalls, RandomGenerator.getDefault());
    }

    public CallIdAllocator(int maxCalls, RandomGenerator random) {
        this(maxCalls, random, id -> false);
    }

    /** @param takenElsewhere IDs held outside this allocator (e.g. registered in a shared GRE demultiplexer) */
    public CallIdAllocator(int maxCalls, RandomGenerator random, IntPredicate takenElsewhere) {
        this(maxCalls, random, takenElsewhere, new CallIdSpace());
    }

    /**
     * @param takenElsewhere IDs to skip that no allocator of {@code space} holds (a passthrough
     *                       ALG's NAT IDs, channels registered in the demultiplexer by other means)
     * @param space          the IDs of every allocator on the same GRE transport, this one's included
     */
    public CallIdAllocator(int maxCalls, RandomGenerator random, IntPredicate takenElsewhere, CallIdSpace space) {
        this.maxCalls = checkedLimit(maxCalls);
        this.random = random;
        this.takenElsewhere = takenElsewhere;
        this.space = space;
    }

    /**
     * A fresh Call ID in 1..65535; {@link #AT_LIMIT} when the session limit is reached (or every
     * free ID is taken elsewhere), {@link #NO_ADDRESS} when {@link #requireAddress}'s room says no.
     */
    public synchronized int allocate() {
        if (count >= maxCalls) {
            refusedAtLimit++;
            return AT_LIMIT;
        }
        if (!addressRoom.forAnotherCall(count)) {
            refusedWithoutAddress++;
            return NO_ADDRESS;
        }
        // Random probe first (cheap while the space is sparse), then a linear scan from there,
        // wrapping once past 65535.
        int start = 1 + random.nextInt(65535);
        for (int id = inUse.nextClearBit(start), scanned = 0; scanned < 65535; scanned++) {
            if (id > 65535) {
                id = inUse.nextClearBit(1);
            }
            if (!takenElsewhere.test(id) && space.claim(id)) {
                inUse.set(id);
                count++;
                return id;
            }
            id = inUse.nextClearBit(id + 1);
        }
        return AT_LIMIT;
    }

    /**
     * From now on a call is refused when {@code room} says no tunnel address could be given to it.
     * A server answers a call (RFC 2637 §2.8) long before the client asks for its address (IPCP,
     * RFC 1332 §3.3), after the login and encryption: a call the pool cannot serve is better refused
     * as busy at once, as pptpd does by capping its connections at its remoteip addresses. Asked
     * under this allocator's lock, with the calls out counted in the same decision, so calls placed
     * at once on several connections' threads cannot all take the last address: {@code room} must
     * answer quickly and must not call back here.
     */
    public synchronized void requireAddress(AddressRoom room) {
        this.addressRoom = room;
    }

    /** Returns an ID to the pool; releasing an ID that is not allocated is a no-op. */
    public synchronized void release(int id) {
        if (id >= 1 && id <= 65535 && inUse.get(id)) {
            inUse.clear(id);
            space.release(id);
            count--;
        }
    }

    public synchronized int inUse() {
        return count;
    }

    /** Calls refused so far because {@code maxCalls} were out, for the owner's event log. */
    public synchronized long refusedAtLimit() {
        return refusedAtLimit;
    }

    /** Calls refused so far because no tunnel address could be given to them (see {@link #requireAddress}). */
    public synchronized long refusedWithoutAddress() {
        return refusedWithoutAddress;
    }

    public synchronized int maxCalls() {
        return maxCalls;
    }

    /**
     * A new session limit, at once: a limit below the calls out now ends none of them; new calls
     * are refused until enough have ended.
     */
    public synchronized void setMaxCalls(int maxCalls) {
        this.maxCalls = checkedLimit(maxCalls);
    }

    private static int checkedLimit(int maxCalls) {
        if (maxCalls < 1 || maxCalls > 65535) {
            throw new IllegalArgumentException("maxCalls must be 1..65535: " + maxCalls);
        }
        return maxCalls;
    }
}
