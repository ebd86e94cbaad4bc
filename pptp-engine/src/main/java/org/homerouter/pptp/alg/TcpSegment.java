package org.homerouter.pptp.alg;

import java.util.Objects;

/**
 * One TCP segment of a control connection, as handed to {@link PptpAlg#onSegment}: its flow and
 * direction, its sequence number and flags, and its payload, which the ALG may rewrite in place
 * ({@code data[offset, offset + length)}; the length never changes, so sequence numbers stay valid).
 * {@code ack} is whether the ACK flag is set, {@code acknowledgment} the number it then carries.
 */
public record TcpSegment(ControlFlow flow, Direction direction, int sequence, boolean syn, boolean fin, boolean rst,
                         byte[] data, int offset, int length, boolean ack, int acknowledgment) {
    public TcpSegment {
        Objects.requireNonNull(flow);
        Objects.requireNonNull(direction);
        Objects.checkFromIndexSize(offset, length, data.length);
    }

    /** A segment whose acknowledgment does not matter (no SYN-ACK). */
    public TcpSegment(ControlFlow flow, Direction direction, int sequence, boolean syn, boolean fin, boolean rst,
                      byte[] data, int offset, int length) {
        this(flow, direction, sequence, syn, fin, rst, data, offset, length, false, 0);
    }

    /** A segment whose whole array is the payload. */
    public static TcpSegment of(ControlFlow flow, Direction direction, int sequence, byte[] payload) {
        return new TcpSegment(flow, direction, sequence, false, false, false, payload, 0, payload.length);
    }
}
