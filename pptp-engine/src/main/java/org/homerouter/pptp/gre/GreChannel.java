package org.homerouter.pptp.gre;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Objects;

import org.homerouter.pptp.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GRE data path of one PPTP call (RFC 2637 §4): sends PPP frames with sequence numbers and
 * piggybacked acknowledgements, puts received frames back into order (see {@link ReorderBuffer})
 * and acknowledges what it received.
 *
 * <p>Timers are the caller's: {@link #poll()} gives up on overdue gaps and sends an owed
 * acknowledgement, and returns when it next needs to run. The channel reads time only from its
 * {@link Clock} and does I/O only through its {@link GreTransport}.
 *
 * <p>Thread-safety: {@link #receive} and {@link #poll} may run on a receive thread and a timer
 * thread while {@link #send} runs on a third. Three locks keep the directions apart: the receive
 * lock guards sequencing and is held while the sink runs (so payloads reach it in order even when
 * the timer releases them); the send lock guards the send sequence and the send buffer and is held
 * around the transport call (so packets leave in sequence order); the acknowledgement lock guards
 * what each side has acknowledged and is only ever held for a few field updates, never around I/O.
 * So the receive thread, which records every packet it takes and every acknowledgement the peer
 * piggybacks, never waits for a send system call on another thread (that wait was a futex sleep
 * and wake-up per packet under load). Locks are taken in the order receive, send, acknowledgement,
 * so the sink may call {@link #send} (to answer an LCP Echo, say). The sink must not call
 * {@link #receive} or {@link #poll}, and callers must not hold a lock the sink takes while calling
 * them. The locks are monitors, not ReentrantLocks: a ReentrantLock stores its owner thread into a
 * heap field on every acquisition, and with G1 the 64-octet send path then ran at 170 or 235 ns per
 * packet depending on the JVM run (where the collector had placed the lock and the thread, the
 * likely cause being G1's write barrier for that store), against 165-175 ns in every run now.
 *
 * <p>{@link #sendBatched} lets a caller that sends a burst (the tunnel device's reader) hand the
 * packets to the transport for one system call at the end of the burst ({@link #flush}).
 *
 * <p>The channel does not hold back sends when the peer's receive window (§4.2) is full: it
 * reports {@link #unacknowledged()} so the layer that owns the window size can decide.
 */
public final class GreChannel {

    /** {@link #poll()} and {@link #nextDeadline()} return this when no timer is needed. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private static final Logger log = LoggerFactory.getLogger(GreChannel.class);
    /** The longest a {@link #send} waits for another thread to flush packets it holds for this channel. */
    static final long MAX_BATCH_WAIT_MILLIS = 50;

    private final int localCallId;
    private final int peerCallId;
    private final InetAddress peerAddress;
    /** Where the peer's control connection reached us: our GRE goes out from here; null, the transport's choice. */
    private final InetAddress localAddress;
    private final GreTransport transport;
    private final Clock clock;
    private final long ackDelayNanos;
    private final int ackEvery;
    private final int firstSequence;

    private final Object rxLock = new Object();
    private final ReorderBuffer reorder;
    private long malformed;
    /**
     * GRE with this call's key from an address not its peer's (dropped by GreDemux), and the last
     * such address; guarded by their own lock, not {@link #rxLock}: the session reads them under
     * its lock ({@code EndDiagnosis}) while the receive thread holds rxLock to hand it a frame,
     * which waits for the session's lock; both threads stopped, and with them every tunnel.
     */
    private final Object elsewhereLock = new Object();
    private long fromElsewhere;
    private InetAddress elsewhere;

    // Guarded by txLock: held around the transport call.
    private final Object txLock = new Object();
    // The thread whose sendBatched packets the transport may still hold (until this channel's
    // flush), or null. Guarded by txLock, which flush notifies.
    private Thread batchHolder;
    private ByteBuffer txBuffer;
    private int nextSequence;
    private long txPackets;
    private long txBytes;
    private long ackOnlySent;
    // Guarded by ackLock: held for field updates only, never around I/O; taken after txLock.
    private final Object ackLock = new Object();
    private boolean sentAny;
    private int lastSent;
    private boolean peerAckSeen;
    private int peerAck;
    /** How many times {@link #peerAck} moved on ({@link #acknowledgementsAdvanced}). */
    private long peerAckAdvances;
    // Acknowledgement we owe: §4.1 "the sequence number of the highest numbered GRE packet received".
    private boolean receivedAny;
    private int highestReceived;
    private boolean ackOwed;
    private long ackOwedSince;
    private int unackedReceived;
    private long ackOnlyReceived;
    /*
     * The two deadlines of nextDeadline(), written under their locks whenever they change and read
     * by poll() without them: a timer tick over thousands of idle channels then takes no lock.
     */
    private volatile long reorderDeadlineHint = NO_DEADLINE;
    private volatile long ackDeadlineHint = NO_DEADLINE;
    /**
     * While not null, the channel sends nothing ({@link #holdOutput}); {@link #receive} runs it on
     * the first packet from the peer.
     */
    private volatile Runnable outputHeld;

    /**
     * @param localCallId the Call ID we assigned: peers put it in the Key of packets to us
     * @param peerCallId  the Call ID the peer assigned: we put it in the Key of packets we send (§4.1)
     * @param peerAddress the only source whose packets this call accepts, and where we send
     * @param sink        receives the payloads in sequence order
     */
    public GreChannel(int localCallId, int peerCallId, InetAddress peerAddress, GreTransport transport,
                      Clock clock, GreChannelConfig config, GrePayloadSink sink) {
        this(localCallId, peerCallId, peerAddress, null, transport, clock, config, sink);
    }

    /**
     * @param localAddress the address of ours the call's control connection reached, which every
     *                     PPTP client expects GRE from (Linux's and Android's kernel PPTP look a
     *                     packet's call up by its source; pptp-client connects its GRE socket); null
     *                     leaves the source to the transport
     */
    public GreChannel(int localCallId, int peerCallId, InetAddress peerAddress, InetAddress localAddress,
                      GreTransport transport, Clock clock, GreChannelConfig config, GrePayloadSink sink) {
        if ((localCallId & ~0xFFFF) != 0 || (peerCallId & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("call IDs are 16 bits");
        }
        this.localCallId = localCallId;
        this.peerCallId = peerCallId;
        this.peerAddress = Objects.requireNonNull(peerAddress, "peerAddress");
        this.localAddress = localAddress;
        this.transport = Objects.requireNonNull(transport, "transport");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ackDelayNanos = config.ackDelay().toNanos();
        this.ackEvery = config.ackEvery();
        this.firstSequence = config.firstSendSequence();
        this.nextSequence = firstSequence;
        this.reorder = new ReorderBuffer(config.reorderWindow(), config.reorderTimeout().toNanos(),
                Objects.requireNonNull(sink, "sink"));
        this.txBuffer = ByteBuffer.allocate(GreHeader.MAX_LENGTH + 2048);
    }

    public int localCallId() {
        return localCallId;
    }

    public int peerCallId() {
        return peerCallId;
    }

    public InetAddress peerAddress() {
        return peerAddress;
    }

    /**
     * Sends nothing more until {@link #releaseOutput}: no data, no control frame, no
     * acknowledgement. For a call whose peer address and peer Call ID a newer call now shares: our
     * GRE to the two is the same packets (RFC 2637 §4.1: the Key carries the peer's Call ID), and
     * Linux's kernel PPTP receiver, once it took one of this call's high sequence numbers, drops
     * every packet of the new link numbered below it. A frame {@link #send} is given meanwhile is
     * dropped, as if lost on the wire, without using up a sequence number: should the peer still
     * be there, its numbers go on where they stopped (§4.3 leaves gaps and losses to PPP). An
     * acknowledgement owed meanwhile is dropped too (§4.2.5: the next one covers it). What arrives
     * is received as ever, and the first packet from the peer (whatever it is: the demultiplexer
     * let it through only from the peer's address and with this call's own ID in its Key, which a
     * newer call of the peer's does not use) runs {@code onPeerHeard}, before the packet is taken:
     * the holder decides whether to release. {@code onPeerHeard} runs on the receive thread and
     * must not call {@link #receive} or {@link #poll}.
     */
    public void holdOutput(Runnable onPeerHeard) {
        outputHeld = Objects.requireNonNull(onPeerHeard, "onPeerHeard");
    }

    /** Sends again after {@link #holdOutput}; nothing held back is sent late. */
    public void releaseOutput() {
        outputHeld = null;
    }

    /** Whether {@link #holdOutput} holds the channel's output back. */
    public boolean outputHeld() {
        return outputHeld != null;
    }

    /**
     * Sends one PPP frame (the octets between position and limit; neither moves) as a data packet
     * with the next sequence number, acknowledging what we received if an acknowledgement is owed.
     * If the transport fails, the sequence number is not used up and the acknowledgement stays owed.
     *
     * @throws IllegalArgumentException if the frame is empty or longer than 65535 octets
     */
    public void send(ByteBuffer pppFrame) throws IOException {
        send(pppFrame, false);
    }

    /**
     * {@link #send}, except that the transport may hold the packet until this thread calls
     * {@link #flush} ({@link GreTransport#sendBatched}): for a burst of packets from one thread,
     * sent with one system call. The sequence number is used up at once, so a {@link #send} from
     * another thread meanwhile waits for that flush: sent at once, it would reach the peer ahead
     * of the held packets, and a peer without a reorder buffer drops every packet older than the
     * newest it has seen (RFC 2637 §4.3 allows that; Linux's kernel PPTP, which Android's client
     * uses, does it), so an LCP Echo-Request in the middle of a download would cost the peer a
     * whole burst. Only one thread may batch on a channel. A held packet that then fails to go out
     * is lost as if on the wire.
     */
    public void sendBatched(ByteBuffer pppFrame) throws IOException {
        send(pppFrame, true);
    }

    /**
     * Sends what this thread's {@link #sendBatched} calls left held in the transport (those of
     * every channel on the same transport).
     *
     * @return how many held packets could not be sent
     */
    public int flush() {
        int failed = transport.flush();
        synchronized (txLock) {
            if (batchHolder == Thread.currentThread()) {
                batchHolder = null;
                txLock.notifyAll();
            }
        }
        return failed;
    }

    /**
     * Before a {@link #send}: packets the transport still holds for this channel go first. The
     * holder's own ones are flushed here; another thread's are waited for (its flush comes at the
     * end of its burst, microseconds away), but never longer than {@link #MAX_BATCH_WAIT_MILLIS},
     * so a batching thread that stopped cannot block the control plane. Called with txLock held.
     */
    private void awaitHeldPackets() {
        Thread holder = batchHolder;
        if (holder == null) {
            return;
        }
        if (holder == Thread.currentThread()) {
            transport.flush();
            batchHolder = null;
            return;
        }
        long deadline = System.nanoTime() + MAX_BATCH_WAIT_MILLIS * 1_000_000L;
        try {
            while (batchHolder != null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("call {}: sent a packet ahead of packets another thread still holds (no flush in {} ms)",
                            localCallId, MAX_BATCH_WAIT_MILLIS);
                    return;
                }
                txLock.wait(Math.max(1, left / 1_000_000L));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What the number 0xFFFFFFFF is spent on: an LCP Discard-Request (RFC 1661 §5.9: "MUST silently
     * discard"; Identifier 0, Magic-Number 0, which receivers do not check on it), before the data
     * packet that takes 0, and again after each of the next two data packets. Linux's kernel PPTP
     * receiver (pptp.ko: accel-ppp, pppd's kernel mode, Android's client) takes a packet after the
     * wrap only once it has received exactly 0xFFFFFFFF ("seq < seq_recv + 1" in unsigned 32 bits):
     * the loss of that one packet left such an office server dropping everything this side sent,
     * for good, while the LCP echoes it lets through kept the link up; a busy site-to-site link
     * wraps within days. Spread out, one burst does not take all three; a copy arriving after 0 is
     * dropped by that receiver as from before the wrap ({@code WRAPPED}), and by any other as a
     * stale duplicate. A data packet sent again instead would reach that receiver twice, and
     * stateful MPPE there would lose its place; a Discard-Request is dropped by every PPP.
     */
    private static final byte[] WRAP_MARKER = {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 11, 0, 0, 8, 0, 0, 0, 0};
    private static final int WRAP_MARKER_REPEATS = 2;
    /** Copies of the wrap's marker still to follow data packets (txLock). */
    private int wrapMarkersOwed;

    private void send(ByteBuffer pppFrame, boolean batched) throws IOException {
        int length = pppFrame.remaining();
        if (length == 0 || length > GreHeader.MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("PPP frame length must be 1..65535: " + length);
        }
        if (outputHeld != null) {
            return; // lost as on the wire (see holdOutput)
        }
        synchronized (txLock) {
            if (!batched) {
                awaitHeldPackets();
            }
            if (nextSequence == -1) {
                sendNumbered(ByteBuffer.wrap(WRAP_MARKER), batched);
                wrapMarkersOwed = WRAP_MARKER_REPEATS;
            }
            sendNumbered(pppFrame, batched);
            txPackets++;
            txBytes += length;
            if (wrapMarkersOwed > 0) {
                wrapMarkersOwed--;
                repeatWrapMarker(batched);
            }
        }
    }

    /**
     * The wrap's marker again, numbered 0xFFFFFFFF, without an acknowledgement and outside the
     * sent-packet bookkeeping (its number was counted when it first went). Lost like on the wire
     * when the transport fails. Called with txLock held.
     */
    private void repeatWrapMarker(boolean batched) {
        ByteBuffer out = txBufferFor(WRAP_MARKER.length);
        GreCodec.write(out, peerCallId, WRAP_MARKER.length, true, -1, false, 0);
        out.put(WRAP_MARKER).flip();
        try {
            if (batched) {
                transport.sendBatched(localAddress, peerAddress, out);
            } else {
                transport.send(localAddress, peerAddress, out);
            }
        } catch (IOException e) {
            log.debug("call {}: a repeat of the sequence wrap's marker was not sent: {}", localCallId, e.getMessage());
        }
    }

    /** Sends {@code pppFrame} with the next sequence number. Called with txLock held. */
    private void sendNumbered(ByteBuffer pppFrame, boolean batched) throws IOException {
        int length = pppFrame.remaining();
        ByteBuffer out = txBufferFor(length);
        int sequence = nextSequence;
        boolean withAck;
        int ack;
        int covered;
        boolean sentBefore;
        int lastBefore;
        synchronized (ackLock) {
            withAck = ackOwed;
            ack = highestReceived;
            covered = unackedReceived;
            // Counted as sent before the system call: the peer's acknowledgement of this packet
            // can arrive on the receive thread before the call returns here.
            sentBefore = sentAny;
            lastBefore = lastSent;
            sentAny = true;
            lastSent = sequence;
        }
        GreCodec.write(out, peerCallId, length, true, sequence, withAck, withAck ? ack : 0);
        out.put(out.position(), pppFrame, pppFrame.position(), length);
        out.position(out.position() + length);
        out.flip();
        boolean done = false;
        try {
            if (batched) {
                transport.sendBatched(localAddress, peerAddress, out);
                batchHolder = Thread.currentThread();
            } else {
                transport.send(localAddress, peerAddress, out);
            }
            done = true;
        } finally {
            // A sent packet without an acknowledgement (the usual case in a bulk transfer one
            // way) leaves nothing to settle: one lock round trip per packet less.
            if (!done || withAck) {
                synchronized (ackLock) {
                    if (!done) {
                        sentAny = sentBefore;
                        lastSent = lastBefore;
                    } else {
                        settleAck(covered);
                    }
                }
            }
        }
        nextSequence = sequence + 1;
    }

    /**
     * An acknowledgement covering {@code covered} received packets went out (with the ack lock
     * held): packets the receive thread took since the acknowledgement was read stay owed.
     */
    private void settleAck(int covered) {
        unackedReceived -= covered;
        if (unackedReceived <= 0) {
            unackedReceived = 0;
            ackOwed = false;
            ackDeadlineHint = NO_DEADLINE;
        }
    }

    /**
     * Takes one packet the demultiplexer routed to this call: {@code payload} holds exactly the
     * payload between its position and limit (empty for an ack-only packet) and is not retained.
     */
    public void receive(GreHeader header, ByteBuffer payload) {
        if (payload.remaining() != header.payloadLength()) {
            countMalformed();
            return;
        }
        Runnable held = outputHeld;
        if (held != null) {
            held.run(); // before the packet is taken, so that an answer to it may go out
        }
        if (header.ackPresent()) {
            onPeerAck(header.ack(), header.isAckOnly());
        }
        if (header.isAckOnly()) {
            return;
        }
        boolean ackNow;
        synchronized (rxLock) {
            int sequence = header.sequence();
            // Record the ack before the sink runs, so a reply it sends carries it.
            ackNow = reorder.wouldAccept(sequence) && noteReceived(sequence);
            // The clock only for a packet that must wait: an in-order packet needs no time, and a
            // clock read is a large part of a small packet's cost on a VM (~0.1 µs on kvm-clock).
            ReorderBuffer.Verdict verdict = reorder.accept(sequence, payload, reorder.wouldHold(sequence) ? clock.nanos() : 0);
            if (verdict == ReorderBuffer.Verdict.RESYNCHRONISED) {
                // The numbers received restart here too: acks must not name the number that made
                // the window jump, which the peer never sent.
                synchronized (ackLock) {
                    highestReceived = sequence;
                }
                ackNow = noteReceived(sequence);
            }
            updateReorderHint();
        }
        if (ackNow) {
            try {
                sendAckOnlyIfOwed();
            } catch (IOException e) {
                // Treated like an ack lost on the wire: acks are cumulative (§4.2.5), so the next
                // one we send covers these packets too.
                log.debug("call {}: immediate ack failed: {}", localCallId, e.toString());
            }
        }
    }

    /**
     * Runs the channel's timers: gives up on gaps whose packets waited the reorder timeout (the sink
     * runs on this thread for what that releases) and sends an ack-only packet if one has been owed
     * for the ack delay.
     *
     * @return the clock time at which to call again, or {@link #NO_DEADLINE}
     */
    public long poll() throws IOException {
        return poll(clock.nanos());
    }

    /**
     * {@link #poll()} at a time the caller read from this channel's clock: a tick over thousands of
     * channels reads the clock once (a clock read costs ~0.1 µs on a VM's kvm-clock).
     */
    public long poll(long now) throws IOException {
        long hint = hintedDeadline();
        if (hint == NO_DEADLINE || now - hint < 0) {
            return hint; // nothing due: the common case for an idle call, and lock-free
        }
        synchronized (rxLock) {
            reorder.releaseExpired(now);
            updateReorderHint();
        }
        boolean due;
        synchronized (ackLock) {
            due = ackOwed && now - ackOwedSince >= ackDelayNanos;
        }
        if (due) {
            sendAckOnlyIfOwed();
        }
        return nextDeadline();
    }

    /** The clock time at which {@link #poll()} next has work, or {@link #NO_DEADLINE}. */
    public long nextDeadline() {
        long deadline = NO_DEADLINE;
        synchronized (rxLock) {
            if (reorder.hasDeadline()) {
                deadline = reorder.deadline();
            }
        }
        synchronized (ackLock) {
            if (ackOwed) {
                long ackDeadline = ackOwedSince + ackDelayNanos;
                if (deadline == NO_DEADLINE || ackDeadline - deadline < 0) {
                    deadline = ackDeadline;
                }
            }
        }
        return deadline;
    }

    /**
     * Data packets sent that the peer has not acknowledged yet (§4.2: the sender may keep no more
     * than the peer's receive window outstanding).
     */
    public long unacknowledged() {
        synchronized (ackLock) {
            if (!sentAny) {
                return 0;
            }
            return Integer.toUnsignedLong(lastSent - ackFloor());
        }
    }

    /**
     * How many times the peer's acknowledgement has moved on (RFC 2637 §4.2.5: it names the highest
     * of our packets the peer received). It grows only while our packets reach the peer and the
     * peer's reach us: a keepalive's proof that the link works both ways, which the peer's
     * traffic alone is not (a NAT that sends our GRE to another of its clients).
     */
    public long acknowledgementsAdvanced() {
        synchronized (ackLock) {
            return peerAckAdvances;
        }
    }

    /** A consistent-per-direction snapshot of the counters. */
    public GreChannelCounters counters() {
        long rxPackets;
        long rxBytes;
        long lost;
        long reordered;
        long duplicates;
        long stale;
        long bad;
        synchronized (rxLock) {
            rxPackets = reorder.deliveredPackets;
            rxBytes = reorder.deliveredBytes;
            lost = reorder.lost;
            reordered = reorder.reordered;
            duplicates = reorder.duplicates;
            stale = reorder.stale;
            bad = malformed + reorder.tooLong;
        }
        long sentPackets;
        long sentBytes;
        long ackOnly;
        synchronized (txLock) {
            sentPackets = txPackets;
            sentBytes = txBytes;
            ackOnly = ackOnlySent;
        }
        synchronized (ackLock) {
            return new GreChannelCounters(rxPackets, rxBytes, sentPackets, sentBytes, lost, reordered, duplicates,
                    stale, ackOnly, ackOnlyReceived, bad);
        }
    }

    /**
     * Counts a packet with this call's key from {@code source}, not the peer's address, which the
     * demultiplexer drops (it may be forged). Kept for the session's diagnosis: a client whose
     * network sends its GRE from another public address than its TCP connection (a provider NAT
     * with several addresses, two internet links) gets no session, and "GRE blocked" misleads.
     */
    void countFromElsewhere(InetAddress source) {
        synchronized (elsewhereLock) {
            fromElsewhere++;
            elsewhere = source;
        }
    }

    /**
     * When GRE with this call's key came from another address than the peer's: "N GRE packets for
     * this call came from X, not from the client's address Y"; empty when none did.
     */
    public java.util.Optional<String> fromElsewhere() {
        synchronized (elsewhereLock) {
            return fromElsewhere == 0 ? java.util.Optional.empty() : java.util.Optional.of(fromElsewhere
                    + " GRE packet" + (fromElsewhere == 1 ? "" : "s") + " for this call came from "
                    + elsewhere.getHostAddress() + ", not from " + peerAddress().getHostAddress()
                    + ", the address of its control connection");
        }
    }

    /** Counts a packet for this call that failed to decode or disagreed with its header. */
    void countMalformed() {
        synchronized (rxLock) {
            malformed++;
        }
    }

    /** Records a taken data packet; returns whether enough are unacknowledged to ack at once. */
    private boolean noteReceived(int sequence) {
        synchronized (ackLock) {
            if (!receivedAny || Serial32.after(sequence, highestReceived)) {
                highestReceived = sequence;
            }
            receivedAny = true;
            if (!ackOwed) {
                long now = clock.nanos(); // once per acknowledgement, not per packet
                ackOwed = true;
                ackOwedSince = now;
                ackDeadlineHint = now + ackDelayNanos;
            }
            unackedReceived++;
            return unackedReceived >= ackEvery;
        }
    }

    private void onPeerAck(int ack, boolean ackOnly) {
        synchronized (ackLock) {
            if (ackOnly) {
                ackOnlyReceived++;
            }
            // §4.2.5: an ack covers every packet up to its number. Ignore acks of numbers we never
            // sent and acks older than one already seen (reordered acks must not move us back).
            if (sentAny && !Serial32.after(ack, lastSent) && Serial32.after(ack, ackFloor())) {
                peerAckSeen = true;
                peerAck = ack;
                peerAckAdvances++;
            }
        }
    }

    private void sendAckOnlyIfOwed() throws IOException {
        synchronized (txLock) {
            int ack;
            synchronized (ackLock) {
                if (!ackOwed) {
                    return;
                }
                // Not owed any more even if the send fails: retrying on every poll would spin.
                ackOwed = false;
                unackedReceived = 0;
                ackDeadlineHint = NO_DEADLINE;
                ack = highestReceived;
            }
            if (outputHeld != null) {
                return; // lost as on the wire (see holdOutput)
            }
            ByteBuffer out = txBufferFor(0);
            GreCodec.write(out, peerCallId, 0, false, 0, true, ack);
            out.flip();
            transport.send(localAddress, peerAddress, out);
            ackOnlySent++;
        }
    }

    private ByteBuffer txBufferFor(int payloadLength) {
        int needed = GreHeader.MAX_LENGTH + payloadLength;
        if (txBuffer.capacity() < needed) {
            txBuffer = ByteBuffer.allocate(needed);
        }
        return txBuffer.clear();
    }

    /** Call with the receive lock held, after the reorder buffer changed. */
    private void updateReorderHint() {
        long d = reorder.hasDeadline() ? reorder.deadline() : NO_DEADLINE;
        if (d != reorderDeadlineHint) {
            reorderDeadlineHint = d;
        }
    }

    /** The earlier of the two hinted deadlines, or {@link #NO_DEADLINE}. */
    private long hintedDeadline() {
        long r = reorderDeadlineHint;
        long a = ackDeadlineHint;
        if (r == NO_DEADLINE) {
            return a;
        }
        if (a == NO_DEADLINE) {
            return r;
        }
        return a - r < 0 ? a : r;
    }

    /** Highest sequence number the peer has acknowledged, or the one before our first if none yet. */
    private int ackFloor() {
        return peerAckSeen ? peerAck : firstSequence - 1;
    }
}
