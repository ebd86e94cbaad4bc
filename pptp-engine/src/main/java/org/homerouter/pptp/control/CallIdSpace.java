package org.homerouter.pptp.control;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The Call IDs every allocator on one GRE transport holds, each from the moment it hands the ID
 * out: incoming GRE is told apart by the Call ID in its Key field alone (RFC 2637 §4.1), so the
 * router's server and its dial-out, each with an allocator of its own, must never hold the same
 * one. The dial-out's ID is out from its Outgoing-Call-Request, long before its GRE channel
 * registers (at the Outgoing-Call-Reply, §2.8): looking at registered channels alone, another
 * allocator could take it meanwhile. Claiming is one atomic step, so two allocators on two threads
 * cannot both take an ID; every method is lock-free.
 */
public final class CallIdSpace {
    private final AtomicLongArray bits = new AtomicLongArray(65536 / 64);

    /** Takes {@code id} (1..65535) unless someone holds it already; true if it is now the caller's. */
    public boolean claim(int id) {
        int word = id >>> 6;
        long bit = 1L << (id & 63);
        while (true) {
            long now = bits.get(word);
            if ((now & bit) != 0) {
                return false;
            }
            if (bits.compareAndSet(word, now, now | bit)) {
                return true;
            }
        }
    }

    /** Gives {@code id} back; only its holder calls this. */
    public void release(int id) {
        long bit = 1L << (id & 63);
        bits.getAndUpdate(id >>> 6, now -> now & ~bit);
    }

    /** Whether some allocator holds {@code id}. */
    public boolean held(int id) {
        return id >= 0 && id <= 65535 && (bits.get(id >>> 6) & (1L << (id & 63))) != 0;
    }
}
