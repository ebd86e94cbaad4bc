package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import org.homerouter.pptp.ppp.ControlPacket;

/**
 * A PAP Authenticate-Ack or Authenticate-Nak (RFC 1334 §2.2.2): Msg-Length and Message in the
 * Data field of a Code 2 or 3 packet.
 *
 * @param ack true for Authenticate-Ack, false for Authenticate-Nak
 * @param identifier copied from the Authenticate-Request answered
 * @param message human-readable text, at most 255 octets; it must not affect the protocol
 */
public record PapAuthenticateReply(boolean ack, int identifier, byte[] message) {
    /** Code of an Authenticate-Ack. */
    public static final int ACK = 2;
    /** Code of an Authenticate-Nak. */
    public static final int NAK = 3;

    public PapAuthenticateReply {
        if (identifier < 0 || identifier > 0xFF) {
            throw new IllegalArgumentException("identifier out of range 0..255: " + identifier);
        }
        if (message.length > 0xFF) {
            throw new IllegalArgumentException("message is at most 255 octets (one-octet length)");
        }
        message = message.clone();
    }

    /** A reply with a UTF-8 message. */
    public static PapAuthenticateReply of(boolean ack, int identifier, String message) {
        return new PapAuthenticateReply(ack, identifier, message.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a Code 2 or 3 packet; a Msg-Length running past the Data field makes it invalid. */
    public static Optional<PapAuthenticateReply> decode(ControlPacket packet) {
        if ((packet.code() != ACK && packet.code() != NAK) || packet.dataLength() < 1) {
            return Optional.empty();
        }
        byte[] d = packet.data();
        int length = d[0] & 0xFF;
        if (d.length < 1 + length) {
            return Optional.empty();
        }
        return Optional.of(new PapAuthenticateReply(packet.code() == ACK, packet.identifier(),
                Arrays.copyOfRange(d, 1, 1 + length)));
    }

    /** The Code 2 or 3 packet. */
    public ControlPacket toPacket() {
        byte[] d = new byte[1 + message.length];
        d[0] = (byte) message.length;
        System.arraycopy(message, 0, d, 1, message.length);
        return new ControlPacket(ack ? ACK : NAK, identifier, d);
    }

    @Override
    public byte[] message() {
        return message.clone();
    }

    /** The message as text (UTF-8; malformed octets become U+FFFD). */
    public String messageText() {
        return new String(message, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PapAuthenticateReply r && ack == r.ack && identifier == r.identifier
                && Arrays.equals(message, r.message);
    }

    @Override
    public int hashCode() {
        return (Boolean.hashCode(ack) * 31 + identifier) * 31 + Arrays.hashCode(message);
    }

    @Override
    public String toString() {
        return "PapAuthenticate" + (ack ? "Ack" : "Nak") + "[id=" + identifier + ", message=" + messageText() + "]";
    }
}
