package org.homerouter.pptp.alg;

import org.homerouter.pptp.control.ControlMessageType;

import java.util.ArrayDeque;
import java.util.Arrays;

import static org.homerouter.pptp.control.ControlProtocol.HEADER_LENGTH;
import static org.homerouter.pptp.control.ControlProtocol.MAGIC_COOKIE;
import static org.homerouter.pptp.control.ControlProtocol.MAX_MESSAGE_LENGTH;
import static org.homerouter.pptp.control.ControlProtocol.MESSAGE_TYPE_CONTROL;

/**
 * One direction of a control connection, followed by TCP sequence number: frames the byte
 * stream into messages (RFC 2637 §2: every message has a fixed length, given by its type),
 * asks its {@link Handler} what to write into each rewritten field as the field's two octets
 * arrive, and remembers those rewrites by sequence number so that a retransmitted or
 * overlapping segment is rewritten exactly as the first copy was. New bytes are parsed once, in
 * order; a segment that starts beyond a gap is dropped, so the sender retransmits the gap first,
 * unless the receiver acknowledges the gap ({@link #acknowledged}): those octets crossed the
 * router unseen, and the stream is followed on from the acknowledgment.
 * Unlike {@code nf_conntrack_pptp.c}, which parses only a message that starts a segment and
 * fits in it, messages may be split across segments anywhere.
 */
final class ControlStream {
    /** What the stream tells the connection it belongs to. */
    interface Handler {
        /** The field {@code field} of the message being read holds {@code value}: what to write there. */
        int rewrite(RewrittenField field, int value);

        /** A whole message, as the sender sent it (before any rewrite). */
        void message(ControlMessageType type, byte[] original);

        /**
         * The stream no longer frames as PPTP: from now on it is not parsed, and the client's
         * side is dropped ({@link ControlStream#lostVerdict}).
         */
        void lostSync(String why);
    }

    private record Rewrite(int sequence, int value) {
    }

    /**
     * How many octets sent and not yet acknowledged the stream follows: beyond them, new data is
     * dropped until the receiver acknowledges (the sender sends it again). They are kept as first
     * sent, so that a retransmission that differs is dropped: a copy that never reached the
     * receiver (sent with a TTL that ends past the router) could otherwise be followed by other
     * octets in its place, a call request with a call ID of the sender's choosing, passed unparsed
     * as "already seen". The rewrites remembered for retransmissions lie in these octets too
     * ({@link #acknowledged} forgets both), so a stream holds at most this many octets and a
     * rewrite per 16 of them (the shortest message): a few KB, however its peer acknowledges.
     * PPTP's control messages are a few hundred octets in flight at most.
     */
    static final int MAX_UNACKNOWLEDGED = 2048;

    /** Framing state, copied to look ahead without side effects. */
    private static final class Framing {
        final byte[] message = new byte[MAX_MESSAGE_LENGTH];
        int have;
        ControlMessageType type;

        void copyFrom(Framing o) {
            System.arraycopy(o.message, 0, message, 0, o.have);
            have = o.have;
            type = o.type;
        }
    }

    private final Direction direction;
    private final Framing framing = new Framing();
    private final Framing lookahead = new Framing();
    private final ArrayDeque<Rewrite> history = new ArrayDeque<>();
    /** The octets from {@link #unacknowledgedStart} to {@link #nextSequence}, as the sender sent them. */
    private byte[] unacknowledged = new byte[256];
    private int unacknowledgedStart;
    private boolean synced;
    private boolean lost;
    /** The stream skipped octets that crossed unseen, and no header has checked out since. */
    private boolean afterUnseen;
    /** Octets skipped as acknowledged unseen, from {@link #skippedFrom} to {@link #skippedTo}: see {@link #acknowledged}. */
    private boolean skipped;
    private int skippedFrom;
    private int skippedTo;
    private int nextSequence;
    private int firstSequence;

    ControlStream(Direction direction) {
        this.direction = direction;
    }

    boolean lost() {
        return lost;
    }

    /**
     * Forgets where the stream was (segments went by unseen): it picks up again at the next
     * segment that starts with a header. A stream that stopped framing as PPTP stays stopped.
     */
    void resynchronise() {
        synced = false;
        forgetFraming();
        afterUnseen = false;
        skipped = false;
    }

    /** Forgets the message being read and the rewrites remembered: the next octet starts a message. */
    private void forgetFraming() {
        framing.have = 0;
        framing.type = null;
        history.clear();
    }

    /** Follows the stream from {@code sequence}, its next octet taken as a message's start. */
    private void followFrom(int sequence) {
        nextSequence = sequence;
        unacknowledgedStart = sequence;
        forgetFraming();
    }

    /**
     * Whether {@code syn}, a SYN (or SYN-ACK) this way, starts a new TCP connection on the same
     * addresses and ports: this direction was followed already, and the SYN is not a
     * retransmission of the one it started from.
     */
    boolean startsAnotherConnection(TcpSegment syn) {
        return synced && syn.sequence() + 1 != firstSequence;
    }

    /**
     * The other side's SYN-ACK acknowledged this direction's SYN: its data starts at
     * {@code sequence}. Where this direction's own SYN went by unseen (a client's first SYN is
     * not masqueraded yet where the ALG looks), the stream is followed from its first octet all the
     * same, rather than picked up at the first segment that starts with a header: a client could
     * otherwise start every segment inside a message and have its call requests pass unparsed,
     * with call IDs of its choosing (another client's NAT ID, whose server's GRE it would then divert).
     */
    void startAt(int sequence) {
        if (!synced) {
            start(sequence);
        }
    }

    /** Follows the stream afresh from its first data octet, {@code sequence}. */
    private void start(int sequence) {
        firstSequence = sequence;
        followFrom(sequence);
        synced = true;
        lost = false;
        afterUnseen = false;
        skipped = false;
    }

    /**
     * The receiver acknowledged everything before {@code ack}: rewrites that lie wholly before it
     * are forgotten. A copy of those octets sent again (the ACK lost on its way back to the
     * sender) goes unrewritten, which does not matter: the receiver has them, and TCP discards
     * octets it has (RFC 9293 §3.10.7.4) without looking at them.
     *
     * <p>An acknowledgment beyond the octets followed means the receiver has octets that crossed
     * the router unseen. A WAN address dropped and brought back (a modem reboot, a DHCP lease lost
     * and got again) has masquerade flush the connection's conntrack entry; the client's next
     * segment opens a new one, not masqueraded yet in FORWARD where the queue rule looks, and is
     * not queued. Its sender will never send those octets again: waiting for them, as for any gap,
     * dropped every later segment of the connection until it died, calls and all. The stream is
     * followed on from {@code ack} instead, the next octets taken as a message's start: PPTP clients
     * send each message in a segment of its own, and a header's Length, Message Type and Magic
     * Cookie (RFC 2637 §2) must check out, or the stream is lost ({@link Handler#lostSync}, the
     * client's side dropped) rather than passed unparsed as after a mid-stream pick-up.
     *
     * <p>The acknowledgment is taken on trust, so what it skips is never let through: data that
     * falls among the skipped octets is dropped (a receiver that has them loses nothing), or a
     * forged acknowledgment (a segment spoofed as the server's, which conntrack does not check
     * against the window of a connection it picked up mid-stream) would let a call request pass
     * unparsed, with a Call ID of the sender's choosing: another LAN client's NAT ID, whose GRE
     * the server would then send to that client's address. More than {@link #MAX_UNACKNOWLEDGED}
     * unseen (a flush's gap is a few messages) is not followed on: the stream is lost.
     *
     * @param finSent whether this side's FIN went through: it takes a sequence number of its own,
     *                which {@code nextSequence} does not count, and its acknowledgment is no octet unseen
     * @return how many octets crossed unseen (0 almost always)
     */
    int acknowledged(int ack, boolean finSent) {
        int unseen = ack - nextSequence - (finSent ? 1 : 0); // serial arithmetic, RFC 1982
        if (synced && !lost && unseen > MAX_UNACKNOWLEDGED) {
            lost = true;
            return unseen;
        }
        if (synced && !lost && unseen > 0) {
            skipped = true;
            skippedFrom = nextSequence;
            skippedTo = ack;
            followFrom(ack); // every rewrite remembered lay before ack: acknowledged
            afterUnseen = true;
            return unseen;
        }
        while (!history.isEmpty() && history.peekFirst().sequence() + 2 - ack <= 0) { // serial arithmetic
            history.removeFirst();
        }
        int done = Math.min(ack - unacknowledgedStart, nextSequence - unacknowledgedStart);
        if (synced && done > 0) {
            System.arraycopy(unacknowledged, done, unacknowledged, 0, nextSequence - unacknowledgedStart - done);
            unacknowledgedStart += done;
        }
        return 0;
    }

    /**
     * Whether a RST sent this way at {@code sequence} ends the connection at its receiver. A TCP
     * acts on a RST only at exactly the sequence number it expects next, and answers one elsewhere
     * in its window with a challenge ACK and goes on (RFC 5961 §3.2); Linux's conntrack keeps such
     * a connection established too. Expected next is this stream's next octet, or, while octets
     * are in flight, the receiver's last acknowledgment (the RST a reset sender answers a challenge
     * ACK with); after this side's FIN, also the octet after it (the FIN takes a sequence number
     * of its own, which {@code nextSequence} does not count): the RST a closed socket sends when
     * data still arrives. Where the stream's numbers are not known (not started, picked up
     * mid-stream and not yet in step, or no longer followed), any RST does, as before.
     *
     * @param finSent whether this side's FIN went through
     */
    boolean resetAt(int sequence, boolean finSent) {
        return !synced || lost || sequence == nextSequence || sequence == unacknowledgedStart
                || finSent && sequence == nextSequence + 1;
    }

    /** How many rewrites are remembered now (tests). */
    int remembered() {
        return history.size();
    }

    SegmentVerdict accept(TcpSegment s, Handler handler) {
        int dataSequence = s.sequence();
        if (s.syn()) {
            // The SYN occupies one sequence number; the stream starts after it (RFC 9293 §3.4).
            dataSequence++;
            if (synced && dataSequence == firstSequence) {
                // A retransmitted SYN (or SYN-ACK whose ACK was lost): the stream goes on as it was.
                return s.length() == 0 ? SegmentVerdict.ACCEPT : SegmentVerdict.DROP;
            }
            start(dataSequence);
        }
        if (s.length() == 0) {
            return SegmentVerdict.ACCEPT;
        }
        if (lost) {
            return lostVerdict();
        }
        if (!synced) {
            // Picked up mid-stream (the ALG started after the connection, so saw no SYN-ACK):
            // resynchronise on a segment that starts with a PPTP header, as the kernel's helper
            // assumes of every one.
            if (!startsWithHeader(s)) {
                return SegmentVerdict.ACCEPT;
            }
            synced = true;
            nextSequence = dataSequence;
            unacknowledgedStart = dataSequence;
        }
        int ahead = dataSequence - nextSequence; // serial arithmetic, RFC 1982
        if (ahead > 0) {
            return SegmentVerdict.DROP;
        }
        if (skipped && skippedTo - dataSequence > 0 && dataSequence + s.length() - skippedFrom > 0) {
            return SegmentVerdict.DROP; // among octets skipped unseen: see acknowledged
        }
        int seen = Math.min(s.length(), -ahead);
        int fresh = s.length() - seen;
        if (!sameAsFirstSent(s.data(), s.offset(), seen, dataSequence)) {
            return SegmentVerdict.DROP;
        }
        if (fresh > 0) {
            int pending = nextSequence - unacknowledgedStart;
            if (pending + fresh > MAX_UNACKNOWLEDGED) {
                return SegmentVerdict.DROP;
            }
            lookahead.copyFrom(framing);
            if (frame(lookahead, s.data(), s.offset() + seen, fresh, nextSequence, null)) {
                return SegmentVerdict.DROP;
            }
            if (pending + fresh > unacknowledged.length) {
                unacknowledged = Arrays.copyOf(unacknowledged, MAX_UNACKNOWLEDGED);
            }
            System.arraycopy(s.data(), s.offset() + seen, unacknowledged, pending, fresh); // before any rewrite
            frame(framing, s.data(), s.offset() + seen, fresh, nextSequence, handler);
            nextSequence += fresh;
            if (lost) {
                return lostVerdict();
            }
        }
        return replay(s.data(), s.offset(), s.length(), dataSequence) ? SegmentVerdict.ACCEPT_REWRITTEN : SegmentVerdict.ACCEPT;
    }

    /**
     * What becomes of data once the stream no longer frames as PPTP. From the client, it is
     * dropped, and the connection stalls: passed on unparsed, a call request in it would leave with
     * the client's own call ID, which can be another LAN client's NAT ID towards the server, whose
     * GRE for it would then go to that client. A client that speaks PPTP never gets here, and one
     * that does not has nothing to lose by it. From the server, it is passed on as it is: the
     * client's call IDs in it stay NAT IDs, which fails only that connection's calls.
     */
    private SegmentVerdict lostVerdict() {
        return direction == Direction.TO_SERVER ? SegmentVerdict.DROP : SegmentVerdict.ACCEPT;
    }

    /**
     * Feeds {@code n} new octets through the framing. With a null handler it only looks ahead and
     * changes nothing but {@code f}.
     *
     * @return whether the octets end between the two octets of a field the ALG rewrites
     */
    private boolean frame(Framing f, byte[] data, int from, int n, int sequence, Handler handler) {
        for (int i = 0; i < n; i++) {
            f.message[f.have++] = data[from + i];
            if (f.have == HEADER_LENGTH) {
                f.type = checkHeader(f.message);
                if (f.type == null) {
                    if (handler != null) {
                        lost = true;
                        handler.lostSync(direction + ": not a PPTP control message header at sequence "
                                + Integer.toUnsignedString(sequence + i - HEADER_LENGTH + 1) + (afterUnseen
                                ? ", where the stream went on after octets that crossed the router unseen" : ""));
                    }
                    return false;
                }
                if (handler != null) {
                    afterUnseen = false;
                }
            }
            if (f.type == null) {
                continue;
            }
            if (handler != null) {
                for (RewrittenField field : RewrittenField.of(direction, f.type)) {
                    if (f.have == field.offset + 2) {
                        int value = u16(f.message, field.offset);
                        int replacement = handler.rewrite(field, value);
                        if (replacement != value) {
                            remember(new Rewrite(sequence + i - 1, replacement));
                        }
                    }
                }
            }
            if (f.have == f.type.length()) {
                ControlMessageType type = f.type;
                f.have = 0;
                f.type = null;
                if (handler != null) {
                    handler.message(type, Arrays.copyOf(f.message, type.length()));
                    if (lost) {
                        return false;
                    }
                }
            }
        }
        if (f.type == null) {
            return false;
        }
        for (RewrittenField field : RewrittenField.of(direction, f.type)) {
            if (f.have == field.offset + 1) {
                return true;
            }
        }
        return false;
    }

    private void remember(Rewrite r) {
        history.addLast(r); // bounded with the unacknowledged octets it lies in
    }

    /**
     * Whether the {@code n} octets at {@code sequence}, all sent before, are those first sent,
     * where they are not yet acknowledged (acknowledged ones the receiver discards unread).
     */
    private boolean sameAsFirstSent(byte[] data, int offset, int n, int sequence) {
        for (int i = 0; i < n; i++) {
            int at = sequence + i - unacknowledgedStart;
            if (at >= 0 && data[offset + i] != unacknowledged[at]) {
                return false;
            }
        }
        return true;
    }

    /** Writes every remembered rewrite that falls inside the segment; true if any octet changed. */
    private boolean replay(byte[] data, int offset, int length, int sequence) {
        boolean changed = false;
        for (Rewrite r : history) {
            for (int k = 0; k < 2; k++) {
                int at = r.sequence + k - sequence;
                if (at >= 0 && at < length) {
                    byte b = (byte) (k == 0 ? r.value >>> 8 : r.value);
                    if (data[offset + at] != b) {
                        data[offset + at] = b;
                        changed = true;
                    }
                }
            }
        }
        return changed;
    }

    /** RFC 2637 §2: the header's Length must be its type's, Message Type 1, and the Magic Cookie right. */
    private static ControlMessageType checkHeader(byte[] m) {
        int length = u16(m, 0);
        if (u16(m, 2) != MESSAGE_TYPE_CONTROL || u32(m, 4) != MAGIC_COOKIE) {
            return null;
        }
        ControlMessageType type = ControlMessageType.ofCode(u16(m, 8));
        return type != null && type.length() == length ? type : null;
    }

    private static boolean startsWithHeader(TcpSegment s) {
        return s.length() >= HEADER_LENGTH && checkHeader(Arrays.copyOfRange(s.data(), s.offset(), s.offset() + HEADER_LENGTH)) != null;
    }

    /** The big-endian 16-bit field at {@code at} (RFC 2637 §2: every field is in network order). */
    static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    private static int u32(byte[] b, int at) {
        return (u16(b, at) << 16) | u16(b, at + 2);
    }
}
