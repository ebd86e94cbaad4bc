package org.homerouter.pptp.ppp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and writes the Configuration Option list carried by the Configure packets (RFC 1661 §6). */
public final class ConfigOptionCodec {
    private ConfigOptionCodec() {
    }

    /**
     * Splits a Configure packet's Data field into options, in order.
     *
     * <p>Each option's Length must be at least 2 (Type and Length themselves) and must fit in what
     * remains (RFC 1661 §6). RFC 1661 does not say what to do with a list that breaks this; its
     * events are defined for "valid" packets only and an "otherwise invalid packet is silently
     * discarded" (§4.3, RCA/RCN), so a malformed list makes the whole packet invalid: the result is
     * empty and the caller discards the packet without affecting the automaton.
     */
    public static Optional<List<ConfigOption>> decode(byte[] data) {
        List<ConfigOption> options = new ArrayList<>();
        int p = 0;
        while (p < data.length) {
            if (data.length - p < ConfigOption.HEADER_LENGTH) {
                return Optional.empty();
            }
            int type = data[p] & 0xFF;
            int length = data[p + 1] & 0xFF;
            if (length < ConfigOption.HEADER_LENGTH || length > data.length - p) {
                return Optional.empty();
            }
            byte[] value = new byte[length - ConfigOption.HEADER_LENGTH];
            System.arraycopy(data, p + ConfigOption.HEADER_LENGTH, value, 0, value.length);
            options.add(new ConfigOption(type, value));
            p += length;
        }
        return Optional.of(List.copyOf(options));
    }

    /** Joins options into a Data field, in the given order. */
    public static byte[] encode(List<ConfigOption> options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ConfigOption option : options) {
            out.write(option.type());
            out.write(option.length());
            out.writeBytes(option.data());
        }
        return out.toByteArray();
    }
}
