package org.homerouter.pptp.gre;

/**
 * The enhanced GRE header of RFC 2637 §4.1, reduced to the fields that may vary: the constant bits
 * (C=0, R=0, K=1, s=0, Recur=0, Flags=0, Ver=1, Protocol Type 0x880B) are implied.
 *
 * <p>Sequence and acknowledgement numbers are unsigned 32-bit values stored as {@code int} bit
 * patterns; compare them with serial-number arithmetic, never with {@code <}.
 *
 * @param callId          the Key's low half: the Call ID of the <em>receiver</em> of the packet (§4.1)
 * @param payloadLength   the Key's high half: payload octets after the header, 0..65535
 * @param sequencePresent S bit: set exactly when a payload is present; an ack-only packet has S=0
 * @param sequence        the payload's sequence number; 0 when absent
 * @param ackPresent      A bit: the packet acknowledges data the sender received
 * @param ack             highest sequence number the sender received (§4.1); 0 when absent
 */
public record GreHeader(int callId, int payloadLength, boolean sequencePresent, int sequence,
                        boolean ackPresent, int ack) {

    /** Fixed part: flags, version, protocol type, and the Key (payload length + call ID). */
    public static final int BASE_LENGTH = 8;
    /** Longest header: base plus sequence number plus acknowledgement number. */
    public static final int MAX_LENGTH = 16;
    /** The Key's payload length is 16 bits wide. */
    public static final int MAX_PAYLOAD_LENGTH = 0xFFFF;

    public GreHeader {
        if ((callId & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("call ID is 16 bits: " + callId);
        }
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("payload length is 16 bits: " + payloadLength);
        }
        // §4.1: S is "set to one (1) when a payload (data) packet is present" and zero for an
        // acknowledgement-only packet, so S and a non-empty payload go together.
        if (sequencePresent != (payloadLength > 0)) {
            throw new IllegalArgumentException("S bit must be set exactly when a payload is present");
        }
        if (!sequencePresent && !ackPresent) {
            throw new IllegalArgumentException("a packet with neither payload nor ack carries nothing");
        }
        if (!sequencePresent && sequence != 0 || !ackPresent && ack != 0) {
            throw new IllegalArgumentException("absent sequence/ack fields must be zero");
        }
    }

    /** A data packet without a piggybacked acknowledgement. */
    public static GreHeader data(int callId, int payloadLength, int sequence) {
        return new GreHeader(callId, payloadLength, true, sequence, false, 0);
    }

    /** A data packet that also acknowledges {@code ack}. */
    public static GreHeader data(int callId, int payloadLength, int sequence, int ack) {
        return new GreHeader(callId, payloadLength, true, sequence, true, ack);
    }

    /** An acknowledgement-only packet (§4.1: S=0, A=1, no payload). */
    public static GreHeader ackOnly(int callId, int ack) {
        return new GreHeader(callId, 0, false, 0, true, ack);
    }

    /** Octets of header on the wire: 8, 12 or 16. */
    public int headerLength() {
        return headerLength(sequencePresent, ackPresent);
    }

    static int headerLength(boolean sequencePresent, boolean ackPresent) {
        return BASE_LENGTH + (sequencePresent ? 4 : 0) + (ackPresent ? 4 : 0);
    }

    /** Whether this packet carries only an acknowledgement. */
    public boolean isAckOnly() {
        return !sequencePresent;
    }

    @Override
    public String toString() {
        return "GreHeader[callId=" + callId + ", payloadLength=" + payloadLength
                + (sequencePresent ? ", seq=" + Integer.toUnsignedString(sequence) : "")
                + (ackPresent ? ", ack=" + Integer.toUnsignedString(ack) : "") + "]";
    }
}
