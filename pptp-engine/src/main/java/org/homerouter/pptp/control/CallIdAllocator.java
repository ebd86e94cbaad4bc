package org.homerouter.pptp.control;

import java.net.InetAddress;
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
 * ({@link #requireAddress}), and told which call not yet logged in gives its place to a call that
 * would otherwise be refused ({@link #makeRoomWith}). Where other calls share the demultiplexer
 * with IDs of their own (the router's dial-out beside its server), their allocators share one
 * {@link CallIdSpace}, and {@code takenElsewhere} names any other IDs to skip. Thread-safe.
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

    /**
     * Which call gives its place to a call from {@code caller} that finds none (see {@link
     * #makeRoomWith}): the local Call ID of one that is no longer counted as logging in and is being
     * ended, or 0 for none. Asked under the allocator's lock: it must answer quickly and must not
     * call back here.
     */
    @FunctionalInterface
    public interface GiveWay {
        int callGivingWayTo(InetAddress caller);
    }

    private final BitSet inUse = new BitSet(65536);
    /** IDs still held by calls that gave their place to another ({@link #makeRoomWith}): not in {@link #count}. */
    private final BitSet placeGiven = new BitSet(65536);
    private int maxCalls;
    private final RandomGenerator random;
    private final IntPredicate takenElsewhere;
    private final CallIdSpace space;
    private int count;
    private long refusedAtLimit;
    private AddressRoom addressRoom = callsOut -> true;
    private GiveWay giveWay = caller -> 0;
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
        return allocate(null);
    }

    /**
     * {@link #allocate()} for a call from {@code caller} (its peer's address, or null): where one
     * call fewer would leave room, {@link #makeRoomWith}'s rule may name a call that gives its place
     * to this one. The place changes hands here, under this lock, so that no call placed at the
     * same moment on another connection's thread takes it first; the call that gave it is ended
     * afterwards, and keeps its ID until then ({@link #release}).
     */
    public synchronized int allocate(InetAddress caller) {
        int refusal = refusal(count);
        if (refusal != 0 && caller != null && count > 0 && refusal(count - 1) == 0) {
            givePlace(giveWay.callGivingWayTo(caller));
            refusal = refusal(count);
        }
        if (refusal == AT_LIMIT) {
            refusedAtLimit++;
            return AT_LIMIT;
        }
        if (refusal == NO_ADDRESS) {
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

    /** Why a call placed while {@code callsOut} calls are out would be refused, or 0 if it would not. */
    private int refusal(int callsOut) {
        if (callsOut >= maxCalls) {
            return AT_LIMIT;
        }
        return addressRoom.forAnotherCall(callsOut) ? 0 : NO_ADDRESS;
    }

    /** The call holding {@code id} no longer counts: it gave its place and is being ended. No-op for 0 or an ID not out. */
    private void givePlace(int id) {
        if (id >= 1 && id <= 65535 && inUse.get(id) && !placeGiven.get(id)) {
            placeGiven.set(id);
            count--;
        }
    }

    /**
     * From now on a call that would be refused for want of a place (the session limit, or an
     * address) takes the place of the call {@code rule} names, if it names one: a call still
     * logging in that the rule judges may give way (a server's {@code PppSessions}). Without it,
     * calls that never log in, placed again as each times out, kept every real user out as busy
     * for as long as a flooder liked.
     */
    public synchronized void makeRoomWith(GiveWay rule) {
        this.giveWay = rule;
    }

    /**
     * The call holding {@code id} gave its place but was not ended after all (it logged in
     * meanwhile): it counts again, over the limit if need be, until it is released. No-op unless
     * it gave its place and still holds the ID.
     */
    public synchronized void takePlaceBack(int id) {
        if (id >= 1 && id <= 65535 && placeGiven.get(id)) {
            placeGiven.clear(id);
            count++;
        }
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
            if (placeGiven.get(id)) {
                placeGiven.clear(id); // its place went to another call when it gave way
            } else {
                count--;
            }
        }
    }

    /** The calls out that count against the limits: not those that gave their place and are being ended. */
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
