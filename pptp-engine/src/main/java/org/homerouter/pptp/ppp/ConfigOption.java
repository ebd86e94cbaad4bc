package org.homerouter.pptp.ppp;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One Configuration Option (RFC 1661 §6): Type and Data; the Length octet follows from the data.
 * Immutable: the data array is copied in and out.
 *
 * @param type the Type octet, 0..255
 * @param data the Data field, at most 253 octets (Length is one octet and counts Type and Length)
 */
public record ConfigOption(int type, byte[] data) {
    /** Type and Length octets. */
    public static final int HEADER_LENGTH = 2;
    /** Largest Data field a one-octet Length can describe. */
    public static final int MAX_DATA_LENGTH = 0xFF - HEADER_LENGTH;

    public ConfigOption {
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("option type out of range 0..255: " + type);
        }
        if (data.length > MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("option data longer than " + MAX_DATA_LENGTH);
        }
        data = data.clone();
    }

    /** An option with no data, e.g. Protocol-Field-Compression. */
    public ConfigOption(int type) {
        this(type, new byte[0]);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Length of the Data field without copying it. */
    public int dataLength() {
        return data.length;
    }

    /** The value of the Length octet: Type, Length and Data. */
    public int length() {
        return HEADER_LENGTH + data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigOption c && c.type == type && Arrays.equals(c.data, data);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "ConfigOption[type=" + type + ", data=" + HexFormat.of().formatHex(data) + "]";
    }
}
