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

    /**
     * As {@link #plaintext}, with an IPv4 header that checks out after the protocol field, as every
     * packet of a real session has (at least 22 octets): what stateless mode checks when a count
     * jumps ahead.
     */
    static byte[] ipv4Plaintext(Random rnd, int size) {
        byte[] p = plaintext(rnd, size);
        ByteBuffer ip = ByteBuffer.wrap(p, 2, 20).slice();
        ip.put(0, (byte) 0x45);
        ip.putShort(2, (short) (size - 2));
        ip.putShort(10, (short) 0);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ip.getShort(i) & 0xFFFF;
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        ip.putShort(10, (short) ~sum);
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
