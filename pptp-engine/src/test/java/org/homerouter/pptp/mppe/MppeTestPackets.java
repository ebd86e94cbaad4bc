package org.homerouter.pptp.mppe;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;

/** Packets and buffers shared by the MPPE transform tests. */
final class MppeTestPackets {
    /** The RFC 3079 §3.5 server send start key. */
    static final byte[] START = HexFormat.of().parseHex("8B7CDC149B993A1BA118CB153F56DCCB");

    private MppeTestPackets() {
    }

    /** A PPP protocol field 0x0021 (IPv4), as the PPP layer hands it over, then random octets. */
    static byte[] plaintext(Random rnd, int size) {
        byte[] p = new byte[size];
        rnd.nextBytes(p);
        p[0] = 0x00;
        if (size > 1) {
            p[1] = 0x21;
        }
        return p;
    }

    /** The MPPE header and ciphertext of {@code plain}, ready to read. */
    static ByteBuffer encrypt(MppeEncryptor enc, byte[] plain) {
        ByteBuffer out = ByteBuffer.allocate(plain.length + MppeHeader.LENGTH);
        enc.encrypt(ByteBuffer.wrap(plain), out);
        return out.flip();
    }

    /** A copy of the remaining octets, leaving the buffer as it was. */
    static byte[] remaining(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    static boolean flushed(byte[] wire) {
        return (wire[0] & MppeHeader.FLUSHED) != 0;
    }
}
