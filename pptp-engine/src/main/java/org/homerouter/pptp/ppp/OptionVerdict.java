package org.homerouter.pptp.ppp;

import java.util.Arrays;

/**
 * An option handler's answer to one option of the peer's Configure-Request (RFC 1661 §5.2-5.4).
 *
 * @param kind acknowledge, suggest another value, or refuse the option
 * @param nakValue for {@link Kind#NAK}, the Data of the option to put in the Configure-Nak;
 *     empty otherwise
 */
public record OptionVerdict(Kind kind, byte[] nakValue) {
    /** The three possible answers. */
    public enum Kind { ACK, NAK, REJECT }

    private static final OptionVerdict ACK = new OptionVerdict(Kind.ACK, new byte[0]);
    private static final OptionVerdict REJECT = new OptionVerdict(Kind.REJECT, new byte[0]);

    public OptionVerdict {
        nakValue = nakValue.clone();
    }

    /** The value is acceptable. */
    public static OptionVerdict ack() {
        return ACK;
    }

    /** The option is recognised but the value is not acceptable; suggest this one instead (§5.3). */
    public static OptionVerdict nak(byte[] suggestion) {
        return new OptionVerdict(Kind.NAK, suggestion);
    }

    /** The option is not negotiable with us (§5.4). */
    public static OptionVerdict reject() {
        return REJECT;
    }

    @Override
    public byte[] nakValue() {
        return nakValue.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptionVerdict v && v.kind == kind && Arrays.equals(v.nakValue, nakValue);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(nakValue);
    }

    @Override
    public String toString() {
        return kind == Kind.NAK ? "NAK" + Arrays.toString(nakValue) : kind.name();
    }
}
