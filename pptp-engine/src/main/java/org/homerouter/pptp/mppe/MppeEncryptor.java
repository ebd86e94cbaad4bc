package org.homerouter.pptp.mppe;

import java.nio.ByteBuffer;

/**
 * Encrypts the packets of one direction (RFC 3078 §3, §7). Input is a PPP protocol field and
 * information; output is the MPPE header and their RC4 encryption, to be sent as PPP protocol
 * 0x00FD. The caller decides which protocols to encrypt (Linux encrypts 0x0021-0x00FA).
 *
 * <p>Not thread-safe; one instance per direction per link.
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
            cipher.changeKey();
            cipher.initTables();
            bits |= MppeHeader.FLUSHED;
        } else {
            if (MppeHeader.isFlagPacket(count)) {
                // RFC 3078 §7: change the key before the "flag" packet. The A bit is set on it as
                // Linux does (ppp_mppe.c drops a flag packet without A) and says the truth: the
                // tables were re-initialised.
                cipher.changeKey();
                cipher.initTables();
                bits |= MppeHeader.FLUSHED;
            }
            if (resetPending) {
                // RFC 3078 §8.2: after a CCP Reset-Request, re-initialise the tables from the
                // current session key and say so with A. No key change: key changes happen only
                // at flag packets, so the receiver can always count them from the coherency count
                // even if this flushed packet is lost too.
                if ((bits & MppeHeader.FLUSHED) == 0) {
                    cipher.initTables();
                }
                bits |= MppeHeader.FLUSHED;
                resetPending = false;
            }
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
     * The peer sent a CCP Reset-Request (RFC 1962 §3.1): the next packet goes out flushed.
     * Several Requests before that packet (e.g. after a lost Reset-Ack) still mean one flush.
     * Stateless mode flushes every packet anyway.
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

    /** Key changes so far (one per packet in stateless mode, one per 256 in stateful mode). */
    public long keyChanges() {
        return cipher.keyChanges();
    }
}
