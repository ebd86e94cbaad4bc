package org.homerouter.pptp.mppe;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The MPPE CCP Configuration Option (type 18, length 6; RFC 3078 §2): a 32-bit Supported Bits
 * field, most significant octet first.
 *
 * <pre>
 *  3                   2                   1
 *  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0
 * |               |H|     (zero)                  |M|S|L|D| |C|
 * </pre>
 *
 * Bit values as RFC 3078 §2 draws them and Linux's ppp_mppe.h defines them: H (stateless) is the
 * low bit of the first octet; in the last octet M = 56-bit 0x80, S = 128-bit 0x40, L = 40-bit 0x20,
 * D = obsolete 0x10, C = MPPC compression 0x01 (RFC 2118, which shares this option).
 */
public record MppeOption(int supportedBits) {
    /** CCP option type (RFC 3078 §2). */
    public static final int TYPE = 18;
    /** Option length including type and length octets. */
    public static final int LENGTH = 6;

    public static final int H_STATELESS = 0x0100_0000;
    public static final int M_56_BIT = 0x80;
    public static final int S_128_BIT = 0x40;
    public static final int L_40_BIT = 0x20;
    public static final int D_OBSOLETE = 0x10;
    public static final int C_MPPC = 0x01;
    /** Every bit RFC 3078 defines; anything else is unknown. */
    public static final int KNOWN_BITS = H_STATELESS | M_56_BIT | S_128_BIT | L_40_BIT | D_OBSOLETE | C_MPPC;
    static final int STRENGTH_BITS = M_56_BIT | S_128_BIT | L_40_BIT;

    /** An option offering these strengths, stateless or stateful. */
    public static MppeOption of(Set<MppeStrength> strengths, boolean stateless) {
        int bits = stateless ? H_STATELESS : 0;
        for (MppeStrength s : strengths) {
            bits |= s.optionBit();
        }
        return new MppeOption(bits);
    }

    /** Parses the whole option (type, length, 4-octet value). */
    public static MppeOption decode(byte[] buf, int off, int len) {
        if (len != LENGTH || (buf[off] & 0xFF) != TYPE || (buf[off + 1] & 0xFF) != LENGTH) {
            throw new IllegalArgumentException("MPPE option must be type 18, length 6 (RFC 3078 §2)");
        }
        return decodeValue(buf, off + 2, 4);
    }

    /** Parses the 4-octet Supported Bits value. */
    public static MppeOption decodeValue(byte[] buf, int off, int len) {
        if (len != 4) {
            throw new IllegalArgumentException("MPPE Supported Bits must be 4 octets, got " + len);
        }
        return new MppeOption(((buf[off] & 0xFF) << 24) | ((buf[off + 1] & 0xFF) << 16)
                | ((buf[off + 2] & 0xFF) << 8) | (buf[off + 3] & 0xFF));
    }

    /** The whole option: 18, 6, Supported Bits big-endian. */
    public byte[] encode() {
        return new byte[] {(byte) TYPE, (byte) LENGTH, (byte) (supportedBits >>> 24),
                (byte) (supportedBits >>> 16), (byte) (supportedBits >>> 8), (byte) supportedBits};
    }

    /** H: the sender re-keys before every packet (RFC 3078 §7). */
    public boolean stateless() {
        return (supportedBits & H_STATELESS) != 0;
    }

    /** C: MPPC compression (RFC 2118), which this implementation never does. */
    public boolean mppc() {
        return (supportedBits & C_MPPC) != 0;
    }

    /** Bits RFC 3078 does not define. */
    public int unknownBits() {
        return supportedBits & ~KNOWN_BITS;
    }

    /** Every strength whose bit is set. */
    public Set<MppeStrength> strengths() {
        EnumSet<MppeStrength> set = EnumSet.noneOf(MppeStrength.class);
        for (MppeStrength s : MppeStrength.values()) {
            if ((supportedBits & s.optionBit()) != 0) {
                set.add(s);
            }
        }
        return set;
    }

    /** The strength, if exactly one strength bit is set, as in an agreed option. */
    public Optional<MppeStrength> singleStrength() {
        Set<MppeStrength> s = strengths();
        return s.size() == 1 ? Optional.of(s.iterator().next()) : Optional.empty();
    }

    /**
     * This option with its strongest strength alone (S over M over L), the rest kept. A peer that
     * acks a request naming several strengths encrypts with the strongest: Linux's ppp_mppe picks
     * 128 bits when both 40 and 128 are set (RFC 3078 §2 leaves one key length in use per direction).
     */
    public MppeOption strongestOnly() {
        for (int bit : new int[] {S_128_BIT, M_56_BIT, L_40_BIT}) {
            if ((supportedBits & bit) != 0) {
                return new MppeOption((supportedBits & ~STRENGTH_BITS) | bit);
            }
        }
        return this;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("MppeOption[0x").append(String.format("%08X", supportedBits));
        b.append(stateless() ? " +H" : " -H");
        b.append((supportedBits & M_56_BIT) != 0 ? " +M" : " -M");
        b.append((supportedBits & S_128_BIT) != 0 ? " +S" : " -S");
        b.append((supportedBits & L_40_BIT) != 0 ? " +L" : " -L");
        b.append((supportedBits & D_OBSOLETE) != 0 ? " +D" : " -D");
        b.append(mppc() ? " +C" : " -C");
        if (unknownBits() != 0) {
            b.append(" +unknown");
        }
        return b.append(']').toString();
    }
}
