package org.homerouter.pptp.mppe;

import java.nio.ByteBuffer;

/**
 * Encrypts the packets of one direction (RFC 3078 §3, §7). Input is a PPP protocol field and
 * information; output is the MPPE header and their RC4 encryption, to be sent as PPP protocol
 * 0x00FD. The caller decides which protocols to encrypt (Linux encrypts 0x0021-0x00FA).
 *
 * <p>Follows Linux's drivers/net/ppp/ppp_mppe.c {@code mppe_compress}: the count starts at 0;
 * stateless mode changes the key (RFC 3078 §7.3, GetNewKeyFromSHA then RC4 of the interim key)
 * and sets the A bit on every packet; stateful mode does both on every "flag" packet (count low
 * octet 0xFF) and on the first packet after a CCP Reset-Request ({@link #resetRequested}), and
 * continues the RC4 keystream otherwise. FreeBSD's ng_mppc re-initialises RC4 from the current
 * key on a reset instead; a Linux receiver, which changes the key on every flushed packet, loses
 * step with that, and our stateful peers are Linux pppd, so the key change is made. Stateless
 * mode, the only one Windows negotiates since Vista, is the same everywhere. See
 * {@link MppeDecryptor} for the receiving half.
 *
 * <p>Not thread-safe; one instance per direction per link. Steady-state encryption allocates nothing.
 */
public final class MppeEncryptor {
    private final MppeSessionCipher cipher;
    private final boolean stateless;
    // Linux starts at 4095 so that the first packet carries count 0 (ppp_mppe.c mppe_init).
    private int count = MppeHeader.COUNT_MASK;
    private boolean resetPending;
    private long packets;

    /**
     * @param startKey the send start key (RFC 3079 §3.4); only the first {@code strength.keyLength()} octets are used
     * @param stateless whether H was negotiated
     */
    public MppeEncryptor(byte[] startKey, MppeStrength strength, boolean stateless) {
        this.cipher = new MppeSessionCipher(startKey, strength);
        this.stateless = stateless;
    }

    /**
     * Encrypts {@code plaintext}'s remaining octets (protocol field and information) into {@code out}:
     * the 2-octet header, then the ciphertext. Both positions advance.
     *
     * @return the coherency count of this packet
     */
    public int encrypt(ByteBuffer plaintext, ByteBuffer out) {
        int len = plaintext.remaining();
        if (len == 0) {
            throw new IllegalArgumentException("nothing to encrypt: a PPP packet has at least a protocol field");
        }
        if (out.remaining() < len + MppeHeader.LENGTH) {
            throw new IllegalArgumentException("output needs " + (len + MppeHeader.LENGTH) + " octets");
        }
        count = (count + 1) & MppeHeader.COUNT_MASK;
        int bits = MppeHeader.ENCRYPTED;
        if (stateless) {
            // RFC 3078 §7: a new key for every packet, and the A bit on every packet.
            cipher.rekey();
            bits |= MppeHeader.FLUSHED;
        } else if (MppeHeader.isFlagPacket(count) || resetPending) {
            // Linux mppe_compress: re-key before a "flag" packet (RFC 3078 §7) and before the first
            // packet after a CCP Reset-Request, and mark it flushed. Once, even when both apply.
            cipher.rekey();
            bits |= MppeHeader.FLUSHED;
            resetPending = false;
        }
        int at = out.position();
        out.put(at, (byte) (bits | (count >>> 8)));
        out.put(at + 1, (byte) count);
        cipher.crypt(plaintext, plaintext.position(), out, at + MppeHeader.LENGTH, len);
        out.position(at + MppeHeader.LENGTH + len);
        plaintext.position(plaintext.limit());
        packets++;
        return count;
    }

    /**
     * The peer sent a CCP Reset-Request (RFC 1962 §3.1, answered with a Reset-Ack): the next
     * packet goes out with a new key and the A bit. Several Requests before that packet (after a
     * lost Reset-Ack) still mean one key change, as in Linux's mppe_comp_reset: the receiver
     * cannot know how many Requests arrived. Stateless mode re-keys every packet anyway.
     */
    public void resetRequested() {
        if (!stateless) {
            resetPending = true;
        }
    }

    /** Packets encrypted so far. */
    public long packets() {
        return packets;
    }

    /** Key changes so far: one per packet in stateless mode; per flag packet and per reset in stateful mode. */
    public long keyChanges() {
        return cipher.keyChanges();
    }
}
