package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.homerouter.pptp.ppp.ControlPacket;

/**
 * A CHAP Success or Failure (RFC 1994 §4.2): a Message filling the Data field. Plain CHAP's
 * Message is free text; MS-CHAPv2 gives it a syntax that does matter (RFC 2759 §5, §6; see
 * {@link MsChapV2Success} and {@link MsChapV2Failure}).
 *
 * @param success true for Success (Code 3), false for Failure (Code 4)
 * @param identifier copied from the Response answered
 * @param message the Message octets
 */
public record ChapStatusPacket(boolean success, int identifier, byte[] message) {
    /** Code of a Success. */
    public static final int SUCCESS = 3;
    /** Code of a Failure. */
    public static final int FAILURE = 4;

    public ChapStatusPacket {
        if (identifier < 0 || identifier > 0xFF) {
            throw new IllegalArgumentException("identifier out of range 0..255: " + identifier);
        }
        message = message.clone();
    }

    /** Whether a packet is a Success or Failure. */
    public static boolean isStatus(ControlPacket packet) {
        return packet.code() == SUCCESS || packet.code() == FAILURE;
    }

    /** Reads a Success or Failure packet; any Data is a valid Message. */
    public static ChapStatusPacket decode(ControlPacket packet) {
        if (!isStatus(packet)) {
            throw new IllegalArgumentException("not a Success or Failure: code " + packet.code());
        }
        return new ChapStatusPacket(packet.code() == SUCCESS, packet.identifier(), packet.data());
    }

    public ControlPacket toPacket() {
        return new ControlPacket(success ? SUCCESS : FAILURE, identifier, message);
    }

    @Override
    public byte[] message() {
        return message.clone();
    }

    /** The Message as text (UTF-8; malformed octets become U+FFFD). */
    public String messageText() {
        return new String(message, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChapStatusPacket p && success == p.success && identifier == p.identifier
                && Arrays.equals(message, p.message);
    }

    @Override
    public int hashCode() {
        return (Boolean.hashCode(success) * 31 + identifier) * 31 + Arrays.hashCode(message);
    }

    @Override
    public String toString() {
        return "Chap" + (success ? "Success" : "Failure") + "[id=" + identifier + ", message=" + messageText() + "]";
    }
}
