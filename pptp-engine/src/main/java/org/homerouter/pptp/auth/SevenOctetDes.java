package org.homerouter.pptp.auth;

import org.bouncycastle.crypto.engines.DESEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Single-block DES keyed by 7 octets (56 key bits), as MS-CHAP uses it (RFC 2759 §8.6 DesEncrypt).
 *
 * <p>DES takes a 64-bit key in which the low bit of every octet is a parity bit; MS-CHAP hands it
 * 56 bits. The RFC says to spread the 56 bits over 8 octets and insert the parity bits yourself;
 * §9.3 gives the expected 8-octet keys, which {@link #expandKey} reproduces with odd parity.
 */
public final class SevenOctetDes {
    /** DES block and expanded key length. */
    public static final int BLOCK = 8;
    /** Key material length before expansion. */
    public static final int KEY_OCTETS = 7;

    private SevenOctetDes() {
    }

    /** Spreads {@code src[off .. off+6]} over 8 octets, 7 bits each, and sets odd parity (§8.6, §9.3). */
    public static byte[] expandKey(byte[] src, int off) {
        if (off < 0 || off + KEY_OCTETS > src.length) {
            throw new IllegalArgumentException("need 7 key octets at offset " + off);
        }
        byte[] key = new byte[BLOCK];
        int carry = 0; // bits left over from the previous source octet, left-aligned
        for (int i = 0; i < KEY_OCTETS; i++) {
            int b = src[off + i] & 0xFF;
            // Output octet i takes (7 - i) high bits of b after the i carried bits.
            key[i] = (byte) (carry | (b >>> i));
            carry = (b << (7 - i)) & 0xFF;
        }
        key[7] = (byte) carry;
        for (int i = 0; i < BLOCK; i++) {
            int seven = key[i] & 0xFE;
            // Odd parity: the low bit makes the total number of one bits odd.
            key[i] = (byte) (seven | ((Integer.bitCount(seven) & 1) ^ 1));
        }
        return key;
    }

    /** DesEncrypt(Clear, Key, Cypher): encrypts one 8-octet block with a 7-octet key (§8.6). */
    public static void encrypt(byte[] key7, int keyOff, byte[] clear, int clearOff, byte[] out, int outOff) {
        DESEngine des = new DESEngine();
        des.init(true, new KeyParameter(expandKey(key7, keyOff)));
        des.processBlock(clear, clearOff, out, outOff);
    }
}
