package org.homerouter.pptp.control;

import io.netty.handler.codec.DecoderException;

import java.io.Serial;

/**
 * A PPTP control message (or the stream carrying it) violates RFC 2637 §1.4/§2 framing. The
 * control connection cannot recover from this: TCP gives no resynchronisation point, so the
 * connection handler logs the message and closes the connection.
 *
 * <p>It extends Netty's {@link DecoderException} so that the pipeline delivers it to
 * {@code exceptionCaught} as-is rather than wrapped, with its {@link Reason} intact.
 */
public final class MalformedControlMessageException extends DecoderException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** What was wrong, for logs and counters. */
    public enum Reason {
        /** Fewer octets, or a smaller Length field, than the 12-octet header. */
        TOO_SHORT,
        /** Length field larger than the largest control message (ICRQ, 220 octets). */
        TOO_LONG,
        /** Length field differs from the frame's size or from the type's fixed length. */
        LENGTH_MISMATCH,
        /** PPTP Message Type other than 1 (control). */
        BAD_MESSAGE_TYPE,
        /** Magic Cookie other than 0x1A2B3C4D. */
        BAD_MAGIC_COOKIE,
        /** Control Message Type 0 or 16..65535. */
        UNKNOWN_CONTROL_TYPE
    }

    private final Reason reason;

    public MalformedControlMessageException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
