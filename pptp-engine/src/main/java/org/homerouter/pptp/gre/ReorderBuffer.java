package org.homerouter.pptp.gre;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Puts received data packets back into sequence order before they reach PPP. A packet the window
 * jumps to or restarts at reaches the sink as one outside the window
 * ({@link GrePayloadSink#onPayloadOutsideWindow}): its sequence number vouches for nothing.
 *
 * <p>RFC 2637 §4.3: PPP "does properly deal with the loss of packets, but not with reordering so
 * out of sequence packets ... MUST be silently discarded, or they may be reordered by the
 * receiver", and "a robust implementation will silently discard duplicate GRE packets". We reorder
 * within a window of {@code window} sequence numbers starting at the next expected one:
 * <ul>
 * <li>the expected packet is delivered at once, followed by any held packets now in sequence;</li>
 * <li>a packet up to {@code window - 1} ahead is copied and held until the gap before it fills,
 * or until it has waited {@code timeout}: then the gap is declared lost (pptp-linux pqueue's rule);</li>
 * <li>a packet {@code window} or more ahead means a burst loss longer than the window: waiting
 * cannot help, so the held packets are flushed, the gap counted lost, and the packet delivered;</li>
 * <li>a packet behind the expected one is dropped: a duplicate if it was delivered, stale if
 * its number had been given up on or is too old to tell;</li>
 * <li>but {@value #RESYNC_AFTER} stale packets in a row with consecutive numbers, all from before
 * the last {@code window} numbers or skipped by the last jump, mean the window itself is wrong:
 * one packet far ahead made it jump (a forged one: the GRE header is in clear, and anyone who
 * knows the call ID and the peer's address can send one; Linux's pptp has the same weakness). The window restarts at the last of them, which is delivered, instead of dropping the
 * peer's every packet until its numbers catch up (up to 2^31 of them).</li>
 * </ul>
 *
 * <p>Two rings of {@code window} slots, both indexed relative to the expected sequence number so
 * that any window size works across the 2^32 wrap: one holds packets ahead, the other remembers
 * whether each of the last {@code window} numbers was delivered. A held packet's copy comes from a
 * few spare buffers kept between gaps ({@value #SPARE_BUFFERS}), so a link that reorders a little
 * allocates nothing; a burst's extra buffers go once delivered: kept, a session that once held a
 * full window pinned 63 of 2 KiB for its life, on a router of 512 MB.
 *
 * <p>Not thread-safe: {@link GreChannel} serialises access.
 */
final class ReorderBuffer {

    /** What became of one accepted packet. */
    enum Verdict {
        /** It was the expected packet and went to the sink. */
        DELIVERED,
        /** It arrived ahead of a gap and waits. */
        HELD,
        /** It was far ahead: the window jumped to it and it went to the sink. */
        JUMPED,
        /** Already delivered or already waiting. */
        DUPLICATE,
        /** Behind the window, or given up on before it arrived. */
        STALE,
        /** Ahead of a gap and longer than any PPP frame ({@link #MAX_HELD_LENGTH}): dropped. */
        TOO_LONG,
        /** The last of a run of stale packets: the window restarted at it and it went to the sink. */
        RESYNCHRONISED
    }

    /** Stale packets in a row, with consecutive numbers, after which the window restarts at them. */
    static final int RESYNC_AFTER = 8;

    /**
     * The longest payload held for a gap, and every slot's size. No PPP frame a peer may send is
     * longer: the default MRU of 1500 (RFC 1661 §6.1), or the smaller one it agreed to, plus PPP
     * and MPPE headers. A longer one ahead of a gap is dropped (counted as malformed): kept, 63 of
     * them of 64 KiB each would pin 4 MiB per call, from the moment the call is set up.
     */
    static final int MAX_HELD_LENGTH = 2048;

    /** Copies kept for the next gaps once their packets are delivered; the rest go to the collector. */
    static final int SPARE_BUFFERS = 4;

    private final int window;
    private final long timeoutNanos;
    private final GrePayloadSink sink;

    private boolean started;
    /** Next sequence number to deliver. */
    private int expected;

    // Ring of packets ahead: slot (head + d) % window holds sequence number expected + d.
    private final ByteBuffer[] slots;
    private final boolean[] held;
    private final long[] arrivedAt;
    private int head;
    private int heldCount;
    private final ByteBuffer[] spares = new ByteBuffer[SPARE_BUFFERS];
    private int spareCount;

    // Ring of history: slot (historyNext + window + d) % window tells whether expected + d (d < 0)
    // was delivered; historyNext is also where the fate of the current expected number goes.
    private final boolean[] delivered;
    private int historyNext;

    private boolean deadlineSet;
    private long deadline;

    /** Stale packets in a row with consecutive numbers, and the number that would continue the run. */
    private int staleRun;
    private int staleNext;
    /** The numbers the last jump skipped, [jumpedFrom, jumpedTo), while jumped is set. */
    private boolean jumped;
    private int jumpedFrom;
    private int jumpedTo;

    long deliveredPackets;
    long deliveredBytes;
    long lost;
    long reordered;
    long duplicates;
    long stale;
    long tooLong;

    ReorderBuffer(int window, long timeoutNanos, GrePayloadSink sink) {
        this.window = window;
        this.timeoutNanos = timeoutNanos;
        this.sink = sink;
        this.slots = new ByteBuffer[window];
        this.held = new boolean[window];
        this.arrivedAt = new long[window];
        this.delivered = new boolean[window];
    }

    /**
     * Whether {@link #accept} would take {@code sequence} (deliver, hold or jump) rather than drop it:
     * the channel acknowledges only packets it takes.
     */
    boolean wouldAccept(int sequence) {
        if (!started) {
            return true;
        }
        int d = Serial32.distance(expected, sequence);
        return d >= 0 && (d == 0 || d >= window || !held[slot(d)]);
    }

    /** Whether {@link #accept} would hold {@code sequence} for a gap before it (the only case that needs the time). */
    boolean wouldHold(int sequence) {
        if (!started) {
            return false;
        }
        int d = Serial32.distance(expected, sequence);
        return d > 0 && d < window && !held[slot(d)];
    }

    /** Takes one data packet; the payload is between its position and limit and is not retained. */
    Verdict accept(int sequence, ByteBuffer payload, long now) {
        if (!started) {
            // The first packet received sets the expected sequence: §4 gives no initial value.
            started = true;
            expected = sequence;
        }
        int d = Serial32.distance(expected, sequence);
        if (d >= 0) {
            staleRun = 0;
        }
        if (d == 0) {
            deliver(payload);
            drainInSequence();
            return Verdict.DELIVERED;
        }
        if (d < 0) {
            if (d >= -window && delivered[historySlot(d)]) {
                duplicates++;
                return Verdict.DUPLICATE;
            }
            stale++;
            boolean skippedByJump = jumped && Serial32.distance(jumpedFrom, sequence) >= 0
                    && Serial32.distance(sequence, jumpedTo) > 0;
            if (d >= -window && !skippedByJump) {
                // Late, within the last window (a gap given up on after its timeout): an honest
                // delay, which must not pull the window back over packets already delivered.
                staleRun = 0;
                return Verdict.STALE;
            }
            staleRun = staleRun > 0 && sequence == staleNext ? staleRun + 1 : 1;
            staleNext = sequence + 1;
            if (staleRun >= RESYNC_AFTER) {
                restartAt(sequence);
                deliverOutsideWindow(payload);
                return Verdict.RESYNCHRONISED;
            }
            return Verdict.STALE;
        }
        if (d < window) {
            int s = slot(d);
            if (held[s]) {
                duplicates++;
                return Verdict.DUPLICATE;
            }
            if (payload.remaining() > MAX_HELD_LENGTH) {
                tooLong++;
                return Verdict.TOO_LONG;
            }
            hold(s, payload, now);
            return Verdict.HELD;
        }
        jumped = true;
        jumpedFrom = expected;
        jumpedTo = sequence;
        skipTo(sequence);
        deliverOutsideWindow(payload);
        drainInSequence();
        return Verdict.JUMPED;
    }

    /**
     * Gives up on every gap in front of a packet that has waited the full timeout: the packets
     * before and including it are delivered, the missing numbers counted lost.
     */
    void releaseExpired(long now) {
        if (heldCount == 0) {
            deadlineSet = false;
            return;
        }
        if (deadlineSet && now - deadline < 0) {
            return;
        }
        int lastExpired = -1;
        for (int d = 1; d < window; d++) {
            int s = slot(d);
            if (held[s] && now - arrivedAt[s] >= timeoutNanos) {
                lastExpired = d;
            }
        }
        if (lastExpired > 0) {
            skipTo(expected + lastExpired);
            drainInSequence();
        }
        recomputeDeadline();
    }

    boolean hasDeadline() {
        return deadlineSet;
    }

    /** When {@link #releaseExpired} next has work; meaningful only if {@link #hasDeadline()}. */
    long deadline() {
        return deadline;
    }

    int heldCount() {
        return heldCount;
    }

    /** The copies this buffer keeps, held or spare: what it costs the heap between gaps. */
    int buffersKept() {
        int kept = spareCount;
        for (ByteBuffer b : slots) {
            kept += b == null ? 0 : 1;
        }
        return kept;
    }

    private void hold(int s, ByteBuffer payload, long now) {
        int length = payload.remaining();
        ByteBuffer buffer;
        if (spareCount > 0) {
            buffer = spares[--spareCount];
            spares[spareCount] = null;
        } else {
            buffer = ByteBuffer.allocate(MAX_HELD_LENGTH);
        }
        slots[s] = buffer;
        buffer.clear();
        buffer.put(0, payload, payload.position(), length);
        buffer.limit(length);
        held[s] = true;
        arrivedAt[s] = now;
        heldCount++;
        reordered++;
        if (!deadlineSet) {
            deadlineSet = true;
            deadline = now + timeoutNanos;
        }
    }

    /** Delivers the packet numbered {@code expected}. State moves first so a throwing sink leaves it consistent. */
    private void deliver(ByteBuffer payload) {
        deliveredPackets++;
        deliveredBytes += payload.remaining();
        advance(true);
        sink.onPayload(payload);
    }

    /** {@link #deliver}, for the packet the window just jumped to or restarted at. */
    private void deliverOutsideWindow(ByteBuffer payload) {
        deliveredPackets++;
        deliveredBytes += payload.remaining();
        advance(true);
        sink.onPayloadOutsideWindow(payload);
    }

    private void drainInSequence() {
        while (heldCount > 0 && held[head]) {
            deliverHeldAtHead();
        }
        if (heldCount == 0) {
            deadlineSet = false;
        }
    }

    private void deliverHeldAtHead() {
        ByteBuffer buffer = slots[head];
        slots[head] = null;
        held[head] = false;
        heldCount--;
        try {
            deliver(buffer);
        } finally {
            spare(buffer); // the sink copies what it keeps (GrePayloadSink)
        }
    }

    private void spare(ByteBuffer buffer) {
        if (spareCount < SPARE_BUFFERS) {
            spares[spareCount++] = buffer;
        }
    }

    /** Moves {@code expected} forward to {@code target}, delivering held packets and counting gaps lost. */
    private void skipTo(int target) {
        int remaining = Serial32.distance(expected, target);
        while (remaining > 0 && heldCount > 0) {
            if (held[head]) {
                deliverHeldAtHead();
            } else {
                lost++;
                advance(false);
            }
            remaining--;
        }
        if (remaining <= 0) {
            return;
        }
        // Nothing is held any more, so both rings are uniform and only the history needs updating.
        lost += remaining;
        if (remaining >= window) {
            Arrays.fill(delivered, false);
            expected = target;
        } else {
            for (int i = 0; i < remaining; i++) {
                advance(false);
            }
        }
    }

    /** Forgets the window (held packets, history) and expects {@code sequence} next. */
    private void restartAt(int sequence) {
        for (int s = 0; s < window; s++) {
            if (held[s]) {
                spare(slots[s]);
                slots[s] = null;
            }
        }
        Arrays.fill(held, false);
        heldCount = 0;
        Arrays.fill(delivered, false);
        deadlineSet = false;
        expected = sequence;
        staleRun = 0;
        jumped = false;
    }

    private void advance(boolean wasDelivered) {
        delivered[historyNext] = wasDelivered;
        historyNext = next(historyNext);
        head = next(head);
        expected++;
    }

    private void recomputeDeadline() {
        deadlineSet = false;
        for (int s = 0; s < window; s++) {
            if (held[s] && (!deadlineSet || arrivedAt[s] + timeoutNanos - deadline < 0)) {
                deadlineSet = true;
                deadline = arrivedAt[s] + timeoutNanos;
            }
        }
    }

    private int slot(int d) {
        return (int) ((head + (long) d) % window);
    }

    private int historySlot(int d) {
        return (historyNext + window + d) % window;
    }

    private int next(int index) {
        return index + 1 == window ? 0 : index + 1;
    }
}
