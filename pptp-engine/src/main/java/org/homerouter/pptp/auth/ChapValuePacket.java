package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

import org.homerouter.pptp.ppp.ControlPacket;

/**
 * A CHAP Challenge or Response (RFC 1994 §4.1): Value-Size, Value and Name in the Data field.
 * MS-CHAPv2 uses the same layout with a 16-octet challenge Value and a 49-octet response Value
 * (RFC 2759 §3, §4; see {@link MsChapV2Response} for the latter's inside).
 *
 * @param code {@link #CHALLENGE} or {@link #RESPONSE}
 * @param identifier the Identifier; a Response copies its Challenge's
 * @param value the Value, 1 to 255 octets
 * @param name the Name: the system (Challenge) or user (Response) identifying itself
 */
public record ChapValuePacket(int code, int identifier, byte[] value, byte[] name) {
    /** Code of a Challenge. */
    public static final int CHALLENGE = 1;
    /** Code of a Response. */
    public static final int RESPONSE = 2;

    public ChapValuePacket {
        if (code != CHALLENGE && code != RESPONSE) {
            throw new IllegalArgumentException("not a Challenge or Response code: " + code);
        }
        if (identifier < 0 || identifier > 0xFF) {
            throw new IllegalArgumentException("identifier out of range 0..255: " + identifier);
        }
        // RFC 1994 §4.1: "Value-Size ... indicates the length of the Value field", one octet, and
        // a Challenge or Response without a Value makes no sense.
        if (value.length < 1 || value.length > 0xFF) {
            throw new IllegalArgumentException("value must be 1..255 octets");
        }
        if (1 + value.length + name.length > ControlPacket.MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("name too long");
        }
        value = value.clone();
        name = name.clone();
    }

    public static ChapValuePacket challenge(int identifier, byte[] value, byte[] name) {
        return new ChapValuePacket(CHALLENGE, identifier, value, name);
    }

    public static ChapValuePacket response(int identifier, byte[] value, byte[] name) {
        return new ChapValuePacket(RESPONSE, identifier, value, name);
    }

    /**
     * Reads a Challenge or Response. A zero Value-Size, or one running past the Data field, makes
     * the packet invalid: nothing is returned and the caller discards it.
     */
    public static Optional<ChapValuePacket> decode(ControlPacket packet) {
        if ((packet.code() != CHALLENGE && packet.code() != RESPONSE) || packet.dataLength() < 1) {
            return Optional.empty();
        }
        byte[] d = packet.data();
        int size = d[0] & 0xFF;
        if (size == 0 || d.length < 1 + size) {
            return Optional.empty();
        }
        return Optional.of(new ChapValuePacket(packet.code(), packet.identifier(),
                Arrays.copyOfRange(d, 1, 1 + size), Arrays.copyOfRange(d, 1 + size, d.length)));
    }

    public ControlPacket toPacket() {
        byte[] d = new byte[1 + value.length + name.length];
        d[0] = (byte) value.length;
        System.arraycopy(value, 0, d, 1, value.length);
        System.arraycopy(name, 0, d, 1 + value.length, name.length);
        return new ControlPacket(code, identifier, d);
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    /** The Name as text (UTF-8; malformed octets become U+FFFD). */
    public String nameText() {
        return new String(name, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChapValuePacket p && code == p.code && identifier == p.identifier
                && Arrays.equals(value, p.value) && Arrays.equals(name, p.name);
    }

    @Override
    public int hashCode() {
        return ((code * 31 + identifier) * 31 + Arrays.hashCode(value)) * 31 + Arrays.hashCode(name);
    }

    @Override
    public String toString() {
        return (code == CHALLENGE ? "ChapChallenge" : "ChapResponse") + "[id=" + identifier
                + ", value=" + HexFormat.of().formatHex(value) + ", name=" + nameText() + "]";
    }
}
