package org.homerouter.pptp.mppe;

import java.nio.ByteBuffer;

/**
 * Decrypts the packets of one direction in place (RFC 3078 §3, §7, §8), with the receive-side
 * sanity rules of Linux's ppp_mppe.c: no D bit, C bit, or (stateless) no A bit is a bogus packet
 * that raises a score which good packets halve; past the limit the link should go down. Counts
 * outside the forward half of the count space are late and never followed.
 *
 * <p>Where stateful mode differs from Linux, it follows the coherency count (RFC 3078 §7, §8.2)
 * so that no loss pattern can desynchronise the keys: key changes happen only at flag packets
 * (low count octet 0xFF), a flushed packet re-initialises RC4 without a key change, a flag packet
 * without the A bit is still taken as one, a flushed packet that itself reveals a gap resumes at
 * once, and a packet behind the expected count is dropped without asking for a reset.
 *
 * <p>Not thread-safe; one instance per direction per link. Steady-state decryption allocates
 * nothing: the RC4 engine, SHA-1 digest and key buffers are reused.
 */
public final class MppeDecryptor {
    /** Linux's SANITY_MAX is 1600 at 100 per bogus header: 16 bad packets in a row end the link. */
    public static final int DEFAULT_MAX_BAD_PACKETS = 16;
    // Linux ppp_mppe.c weights: a malformed header costs 100, a late packet 1 (reordering is
    // benign); every good packet halves the score.
    private static final int BAD_HEADER = 100;
    private static final int LATE = 1;
    /** Linux ppp_mppe.c refuses counts more than half the count space ahead. */
    private static final int WINDOW = MppeHeader.COUNT_SPACE / 2;

    private final MppeSessionCipher cipher;
    private final boolean stateless;
    private final int sanityLimit;
    private int sanityScore;
    /** Stateless: the last count received (starts at 4095, as Linux). Stateful: the next count expected. */
    private int syncCount;
    private boolean awaitingFlush;
    private final long[] results = new long[MppeDecryptResult.values().length];

    /** A decryptor that tolerates {@link #DEFAULT_MAX_BAD_PACKETS} bogus packets in a row. */
    public MppeDecryptor(byte[] startKey, MppeStrength strength, boolean stateless) {
        this(startKey, strength, stateless, DEFAULT_MAX_BAD_PACKETS);
    }

    /**
     * @param startKey the receive start key (RFC 3079 §3.4); only the first {@code strength.keyLength()} octets are used
     * @param stateless whether H was negotiated
     * @param maxBadPackets bogus-header packets in a row (without good ones between to halve the
     *        score) after which {@link MppeDecryptResult#LINK_FAILURE} is returned
     */
    public MppeDecryptor(byte[] startKey, MppeStrength strength, boolean stateless, int maxBadPackets) {
        if (maxBadPackets < 1) {
            throw new IllegalArgumentException("maxBadPackets must be at least 1: " + maxBadPackets);
        }
        this.cipher = new MppeSessionCipher(startKey, strength);
        this.stateless = stateless;
        this.sanityLimit = maxBadPackets * BAD_HEADER;
        this.syncCount = stateless ? MppeHeader.COUNT_MASK : 0;
    }

    /**
     * Decrypts the MPPE packet in {@code packet}'s remaining octets (header and ciphertext, the
     * information of a PPP 0x00FD packet). When {@link MppeDecryptResult#DELIVERED}, the
     * ciphertext is replaced by the PPP protocol field and information and the position moves
     * past the header; otherwise the buffer is left as it was.
     */
    public MppeDecryptResult decrypt(ByteBuffer packet) {
        int at = packet.position();
        int len = packet.remaining() - MppeHeader.LENGTH;
        if (len < 1) {
            return bad(MppeDecryptResult.DROPPED_TOO_SHORT, BAD_HEADER);
        }
        int bits = packet.get(at) & 0xF0;
        int ccount = MppeHeader.count(packet.get(at), packet.get(at + 1));
        boolean flushed = (bits & MppeHeader.FLUSHED) != 0;

        // Sanity checks, as Linux ppp_mppe.c mppe_decompress: "terminate with extreme prejudice".
        if ((bits & MppeHeader.ENCRYPTED) == 0) {
            return bad(MppeDecryptResult.DROPPED_NOT_ENCRYPTED, BAD_HEADER);
        }
        if ((bits & MppeHeader.COMPRESSED) != 0) {
            return bad(MppeDecryptResult.DROPPED_COMPRESSED, BAD_HEADER);
        }
        if (stateless && !flushed) {
            return bad(MppeDecryptResult.DROPPED_NOT_FLUSHED, BAD_HEADER);
        }

        MppeDecryptResult sync = stateless ? syncStateless(ccount) : syncStateful(ccount, flushed);
        if (sync != MppeDecryptResult.DELIVERED) {
            return sync;
        }
        int payload = at + MppeHeader.LENGTH;
        cipher.crypt(packet, payload, packet, payload, len);
        packet.position(payload);
        sanityScore >>= 1; // Linux: "good packet credit"
        return record(MppeDecryptResult.DELIVERED);
    }

    /**
     * RFC 3078 §8.1: one key change per count the sender advanced. Counts not in the forward half
     * of the count space are late (Linux ppp_mppe.c "discard late packet"): following one would
     * mean thousands of key changes, and a forged count must not buy that.
     */
    private MppeDecryptResult syncStateless(int ccount) {
        int ahead = (ccount - syncCount) & MppeHeader.COUNT_MASK;
        if (ahead == 0 || ahead > WINDOW) {
            // A duplicate (ahead == 0) would be decrypted with a used keystream: drop it too.
            return bad(MppeDecryptResult.DROPPED_LATE, LATE);
        }
        for (int i = 0; i < ahead; i++) {
            cipher.changeKey();
        }
        cipher.initTables();
        syncCount = ccount;
        return MppeDecryptResult.DELIVERED;
    }

    /**
     * RFC 3078 §8.2. In order and not flushed: continue the keystream. A gap: drop, ask for a
     * reset, and drop until a flushed packet. A flushed packet (or a flag packet, whose count
     * alone says the tables were re-initialised) resynchronises from its count: one key change per
     * flag packet missed, as Linux does, plus one if it is itself a flag packet.
     */
    private MppeDecryptResult syncStateful(int ccount, boolean flushed) {
        int ahead = (ccount - syncCount) & MppeHeader.COUNT_MASK;
        if (ahead > WINDOW) {
            // Behind what we expect: a late or replayed packet. Dropping it costs no sync, since
            // its keystream was never used; a forged flushed count cannot force key changes.
            return bad(MppeDecryptResult.DROPPED_LATE, LATE);
        }
        boolean flag = MppeHeader.isFlagPacket(ccount);
        if (flushed || flag) {
            int missedFlags = ((ccount >>> 8) - (syncCount >>> 8)) & 0xF;
            for (int i = 0; i < missedFlags; i++) {
                cipher.changeKey();
            }
            if (flag) {
                cipher.changeKey();
            }
            cipher.initTables();
            awaitingFlush = false;
        } else if (awaitingFlush) {
            return record(MppeDecryptResult.DROPPED_AWAITING_FLUSH);
        } else if (ahead != 0) {
            // The expected count stays: the flushed packet's catch-up counts flag packets from it.
            awaitingFlush = true;
            return record(MppeDecryptResult.RESET_REQUIRED);
        }
        syncCount = (ccount + 1) & MppeHeader.COUNT_MASK;
        return MppeDecryptResult.DELIVERED;
    }

    private MppeDecryptResult bad(MppeDecryptResult reason, int weight) {
        record(reason);
        sanityScore += weight;
        if (sanityScore >= sanityLimit) {
            return record(MppeDecryptResult.LINK_FAILURE);
        }
        return reason;
    }

    private MppeDecryptResult record(MppeDecryptResult r) {
        results[r.ordinal()]++;
        return r;
    }

    /** How many packets had this outcome (a LINK_FAILURE packet also counts under its reason). */
    public long count(MppeDecryptResult result) {
        return results[result.ordinal()];
    }

    /** Key changes performed so far. */
    public long keyChanges() {
        return cipher.keyChanges();
    }

    /** Stateful mode: a gap was seen and no flushed packet has arrived since. */
    public boolean awaitingFlush() {
        return awaitingFlush;
    }
}
