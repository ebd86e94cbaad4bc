package org.homerouter.pptp.mppe;

import java.nio.ByteBuffer;
import java.util.Objects;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.tunnel.InternetChecksum;

/**
 * Decrypts the packets of one direction in place (RFC 3078 §3, §7, §8) exactly as Linux's
 * drivers/net/ppp/ppp_mppe.c {@code mppe_decompress} does, so that it stays in step with a Linux
 * pppd peer in both modes.
 *
 * <p><b>Sanity rules</b> (Linux): a packet without the D (encrypted) bit, a stateless packet
 * without the A (flushed) bit, and a stateful "flag" packet (low count octet 0xFF) without the A
 * bit are bogus: each costs 100 points of a sanity score that every good packet halves, and at
 * {@code 100 * maxBadPackets} (Linux: SANITY_MAX 1600, i.e. 16) the link should go down
 * ({@link MppeDecryptResult#LINK_FAILURE}, Linux's DECOMP_FATALERROR). A packet with the C bit is
 * treated the same way; that rule is ours (Linux does not look at C), since MPPC is never
 * negotiated here and decrypting such a packet could only yield garbage. A packet too short to
 * hold one encrypted octet is dropped without a score, as Linux does.
 *
 * <p><b>Stateless</b> (RFC 3078 §8.1): one key change per count the sender advanced. Current Linux
 * kernels drop a count more than 2048 ahead as late ("Discard late packet"); older kernels, such
 * as the 2.6-era ppp_mppe.c, followed any count with up to 4095 key changes. Ours: a duplicate
 * (ahead by 0) and a count up to 255 behind are late and dropped at a cost of 1 point (Linux would
 * decrypt a duplicate with a keystream already used up, which yields garbage); a count more than
 * one ahead is followed only when its key decrypts the packet to a checked IPv4 packet (see
 * {@code syncStateless}), so that a forged count cannot make the genuine packets late, and so a
 * count up to 3,840 ahead can be: a burst loss of 2,048 packets or more (a WAN outage of some
 * seconds under a video call) left Linux's receiver dropping every later packet as late until the
 * count came round, and then following it with a key 4,096 changes short of the sender's: the
 * link stayed up and carried garbage for good. The count alone cannot tell a loss of n packets
 * from one of n + 4,096, so a jump whose key does not check out is tried 4,096 key changes
 * further too, and so is a packet taken in step that decrypts to something other than IPv4 when
 * the traffic is known to be IPv4 (below). A loss beyond what that finds ends the link after 16
 * such packets, visibly, rather than leaving it up and carrying nothing.
 *
 * <p><b>A budget for trying jumps</b> (ours). Checking a jump costs one key change per count
 * (RFC 3078 §7.3, §8.1: a SHA-1 and an RC4 key schedule each, about 1 µs on x86 and several on
 * the ARM board), up to 7,936 for one packet (3,840 ahead, then 4,096 further), and a forged one
 * costs 100 sanity points that each good packet halves: 8 forged packets at count+2048 per
 * genuine packet (before this budget, and before the try across the wrap), from anyone on the path
 * or spoofing the client's address with the call ID, kept the GRE receive loop (shared by every
 * session) 2 ms busy per forged packet without ever ending the link. So the key changes of jumps
 * that do not check out come out of a token bucket on the injected {@link Clock}:
 * {@value #TRIAL_BURST} (one jump across the count's wrap) at once, refilled at one every
 * {@value #TRIAL_REFILL_NANOS} ns (20,000 a second, a few percent of a core). A jump is tried
 * only if the bucket holds its key changes, and pays them only if it does not check out: a
 * genuine packet after a loss (ahead 2..3840, or 4,096 further) costs nothing, so genuine losses
 * never drain the bucket; one after a forged jump finds what that left (4,096 less the forged
 * count ahead, and a forged jump's try across the wrap is made only once until the bucket is full
 * again), and waits for the refill (a few tenths of a second) for more. Over budget, a
 * jump is dropped untried ({@link MppeDecryptResult#DROPPED_JUMP_OVER_BUDGET}), at no sanity
 * cost: it may be the genuine packet after a loss, which the next one, once the bucket refills,
 * resynchronises. In-order packets (ahead 1) look at the bucket and the clock only when they
 * decrypt to something not IPv4 (ipv4Only), to try them 4,096 key changes further. Stateful
 * mode needs no budget: a forged flushed packet costs at most 19 key changes there.
 *
 * <p><b>Stateful</b> (RFC 3078 §8.2, Linux's reading of it): in the normal state the count must be
 * the previous one plus one, otherwise the decryptor enters the discard state and answers
 * {@link MppeDecryptResult#RESET_REQUIRED} once, so that CCP sends a Reset-Request. In the discard
 * state packets without the A bit are dropped silently; the first one with A is adopted: one key
 * change per 256-count boundary between the expected count and its count (the "flag" packets the
 * sender re-keyed at), the discard state ends, and then, as for every flushed packet in stateful
 * mode, one more key change before it is decrypted, because the Linux sender re-keys on every
 * packet it marks flushed (flag packets and the first packet after a Reset-Request).
 *
 * <p>FreeBSD's ng_mppc and this class's earlier versions re-initialise RC4 on a reset without a
 * key change, and count key changes from the coherency count alone; a Linux peer and such a
 * receiver fall out of step at the first reset. Our stateful peers are Linux pppd (Windows since
 * Vista negotiates stateless mode only), so Linux semantics win. Stateless mode, which Windows
 * uses, is the same in every implementation.
 *
 * <p><b>Where we go beyond Linux.</b> Linux semantics have a hole: if the sender's first flushed
 * packet after a reset is lost and the sender re-keys again for a second Reset-Request within
 * the same block of 256 counts, a Linux receiver makes one key change too few and, RC4 having no
 * integrity check, delivers garbage for good (every later reset moves both ends by one). A burst
 * of loss (a full socket buffer) makes exactly that likely. So when a flushed packet ends the
 * discard state and Linux's one key change does not decrypt it to an IPv4 packet whose header
 * checks out (PPP protocol 0x21, version 4, total length matching, header checksum valid), up to
 * {@value #MAX_EXTRA_KEY_CHANGES} more key changes are tried, and the first that does is kept.
 * Whenever Linux's choice decrypts correctly it is the one kept, so a Linux peer sees the same
 * behaviour as from Linux, but for that hole closed; non-IPv4 traffic keeps Linux's choice, unless
 * the decryptor knows its traffic is IPv4 (below).
 *
 * <p><b>Traffic known to be IPv4</b> ({@code ipv4Only}, what a PPTP session's decryptor is made
 * with: IPCP is its only network protocol, and nothing else is delivered). Then no flushed packet
 * is believed in stateful mode unless one of its key changes decrypts it to a checked IPv4
 * packet; if none does, the key and the count stay as they were, the decryptor is (or stays) in
 * the discard state (RFC 3078 §8.2), and the packet is dropped as bogus
 * ({@link MppeDecryptResult#DROPPED_UNVERIFIED_FLUSH}, weighted as stateless mode's unverified
 * jump). Key changes only go forward (each key is made from the one before, RFC 3078 §7.3), and
 * the header is in clear: without this check two forged packets with the call ID (a wrong count,
 * which makes us ask for a reset, then a flushed one with a count in another block of 256) put us
 * up to 19 keys ahead of the peer for good, every later packet decrypting to garbage while the
 * link stays up (LCP is not encrypted) and carries nothing. A genuine flushed packet refused
 * (one that is not IPv4) costs one more reset: the packets after it keep CCP asking, and the
 * flushed packet that answers is found with one of the {@value #MAX_EXTRA_KEY_CHANGES} extra key
 * changes. A flushed packet with the expected count is checked too, and treated as lost if it
 * fails: forged with the right count, it would otherwise move the key just the same. In either
 * mode, a packet that decrypts to something not IPv4 is not a good packet
 * ({@link MppeDecryptResult#DROPPED_UNDECIPHERABLE}, weighted as a bogus header): taken for one,
 * a key out of step halved the sanity score at every packet and the link never ended.
 *
 * <p>Not thread-safe; one instance per direction per link. Steady-state decryption allocates
 * nothing: the RC4 engine, SHA-1 digest and key buffers are reused.
 */
public final class MppeDecryptor {
    /** Linux's SANITY_MAX is 1600 at 100 per bogus header: 16 bad packets in a row end the link. */
    public static final int DEFAULT_MAX_BAD_PACKETS = 16;
    // Linux ppp_mppe.c weights: a bogus header costs 100, a late packet 1; a good packet halves the score.
    private static final int BAD_HEADER = 100;
    private static final int LATE = 1;
    /** Linux discards stateless counts more than half the count space ahead. */
    private static final int WINDOW = MppeHeader.COUNT_SPACE / 2;
    /**
     * Stateless counts at most this far ahead are tried as jumps; those closer behind (a duplicate,
     * a packet reordered past the GRE reorder window) are late. Beyond Linux's {@link #WINDOW}: a
     * loss of 2,048 to 3,839 packets (ahead 2,049 to 3,840) is found again rather than every later packet dropped as
     * late until the count came round (and then followed with a key 4,096 changes short).
     */
    private static final int COUNT_SPACE_AHEAD = MppeHeader.COUNT_SPACE - 256;
    /** Mask of the count bits above the low octet: Linux's {@code ccount & ~0xff}. */
    private static final int BLOCK_MASK = MppeHeader.COUNT_MASK & ~0xFF;

    /** Key changes tried beyond Linux's one to resynchronise after a lost flushed packet. */
    static final int MAX_EXTRA_KEY_CHANGES = 3;
    /** PPP protocol field (2) and the longest IPv4 header (60): what a resynchronisation check decrypts. */
    private static final int TRIAL_OCTETS = 62;
    private static final int PPP_IPV4 = 0x21;
    /**
     * Key changes that jumps which do not check out may spend at once: one jump across the count's
     * wrap (up to 3,840 + 4,096), or four of Linux's longest (2,048).
     */
    static final long TRIAL_BURST = 2L * MppeHeader.COUNT_SPACE;
    /** One more key change for trying jumps every 50 µs: 20,000 a second. */
    static final long TRIAL_REFILL_NANOS = 50_000;

    private final MppeSessionCipher cipher;
    private final byte[] savedKey = new byte[16];
    /** The key when a stateful resynchronisation began, before the missed flag packets' key changes. */
    private final byte[] keyBeforeResync = new byte[16];
    private final ByteBuffer trial = ByteBuffer.allocate(TRIAL_OCTETS);
    private long resynchronisedBeyondLinux;
    /** Stateless packets found 4,096 key changes beyond their count: losses the count went round. */
    private long resynchronisedAcrossWrap;
    /**
     * A try 4,096 key changes further did not check out since the last packet delivered: no more
     * are made until one is, or the budget for trying jumps is full again ({@link #wrapTryAllowed}).
     * After a loss the count went round, the first packet that comes tells; one that does not is
     * forged or corrupt, or the loss is longer still (then 16 failed tries end the link). Without
     * it, every packet of a stream that decrypts to garbage cost 4,096 key changes.
     */
    private boolean wrapTriedInVain;
    private final boolean stateless;
    /** Stateful mode refuses flushed packets that do not decrypt to checked IPv4 (see the class comment). */
    private final boolean ipv4Only;
    private final int sanityLimit;
    private int sanityScore;
    /**
     * Linux's {@code state->ccount}: the last count received, starting at 4095 so that the first
     * packet is expected to carry 0 (mppe_init). In the stateful discard state it is the count that
     * was expected when the loss was detected.
     */
    private int ccount = MppeHeader.COUNT_MASK;
    /** Linux's {@code state->discard}: stateful mode lost a packet and waits for a flushed one. */
    private boolean discard;
    private final long[] results = new long[MppeDecryptResult.values().length];
    private final Clock clock;
    /** Key changes jumps that do not check out may still spend (see the class comment). */
    private long trialBudget = TRIAL_BURST;
    /** When {@link #trialBudget} was last refilled, in clock nanos. */
    private long trialBudgetAt;
    private long keyChangesUndone;

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
        this(startKey, strength, stateless, maxBadPackets, false);
    }

    /**
     * @param ipv4Only whether the peer sends IPv4 and nothing else (a PPTP session: IPCP is its only
     *        network protocol), so that in stateful mode a flushed packet whose key change does not
     *        decrypt it to a checked IPv4 packet is refused rather than followed (see the class
     *        comment); without it, stateful mode follows Linux for traffic it cannot check
     */
    public MppeDecryptor(byte[] startKey, MppeStrength strength, boolean stateless, int maxBadPackets,
            boolean ipv4Only) {
        this(startKey, strength, stateless, maxBadPackets, ipv4Only, Clock.SYSTEM);
    }

    /**
     * @param clock times the budget for trying stateless jumps (see the class comment); read only
     *        for packets whose count jumps ahead, or that decrypt to garbage
     */
    public MppeDecryptor(byte[] startKey, MppeStrength strength, boolean stateless, int maxBadPackets,
            boolean ipv4Only, Clock clock) {
        if (maxBadPackets < 1) {
            throw new IllegalArgumentException("maxBadPackets must be at least 1: " + maxBadPackets);
        }
        this.cipher = new MppeSessionCipher(startKey, strength);
        this.stateless = stateless;
        this.ipv4Only = ipv4Only;
        this.sanityLimit = maxBadPackets * BAD_HEADER;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.trialBudgetAt = clock.nanos();
    }

    /**
     * Decrypts the MPPE packet in {@code packet}'s remaining octets (header and ciphertext, the
     * information of a PPP 0x00FD packet). When {@link MppeDecryptResult#DELIVERED}, the
     * ciphertext is replaced by the PPP protocol field and information and the position moves
     * past the header; otherwise the buffer is left as it was, but for a stateful packet that
     * decrypted to something not IPv4 ({@link MppeDecryptResult#DROPPED_UNDECIPHERABLE}: its
     * keystream is spent, as the sender's was).
     */
    public MppeDecryptResult decrypt(ByteBuffer packet) {
        int at = packet.position();
        int len = packet.remaining() - MppeHeader.LENGTH;
        if (len < 1) {
            return record(MppeDecryptResult.DROPPED_TOO_SHORT); // Linux: "short pkt", no sanity cost
        }
        int bits = packet.get(at) & 0xF0;
        int count = MppeHeader.count(packet.get(at), packet.get(at + 1));
        boolean flushed = (bits & MppeHeader.FLUSHED) != 0;

        // Sanity checks, in Linux's order: "terminate with extreme prejudice".
        if ((bits & MppeHeader.ENCRYPTED) == 0) {
            return bogus(MppeDecryptResult.DROPPED_NOT_ENCRYPTED, BAD_HEADER);
        }
        if (stateless && !flushed) {
            return bogus(MppeDecryptResult.DROPPED_NOT_FLUSHED, BAD_HEADER);
        }
        if (!stateless && MppeHeader.isFlagPacket(count) && !flushed) {
            return bogus(MppeDecryptResult.DROPPED_FLAG_NOT_FLUSHED, BAD_HEADER);
        }
        if ((bits & MppeHeader.COMPRESSED) != 0) {
            return bogus(MppeDecryptResult.DROPPED_COMPRESSED, BAD_HEADER);
        }

        int payload = at + MppeHeader.LENGTH;
        MppeDecryptResult sync = stateless ? syncStateless(count, packet, payload, len)
                : syncStateful(count, flushed, packet, payload, len);
        if (sync != MppeDecryptResult.DELIVERED) {
            return sync;
        }
        cipher.crypt(packet, payload, packet, payload, len);
        if (ipv4Only && !beginsIpv4(packet, payload)) {
            // Garbage: the key is out of step with the sender's (in stateless mode, a loss of a
            // multiple of 4,096 packets: the count came round to the next one expected), or the
            // packet is forged or corrupt. Not a good packet: delivered as one, garbage halved the
            // score for good while the link carried nothing (IpDataPath drops it as not IP) and
            // stayed up, keepalives answered, for as long as the peer kept sending.
            if (stateless) {
                if (!wrapTryAllowed()) {
                    // A try across the wrap failed lately and the budget has not filled up since: this
                    // one is not tried, and costs nothing (the try that comes once it has, may find it).
                    return record(MppeDecryptResult.DROPPED_UNDECIPHERABLE);
                }
                if (followedAcrossWrap(packet, payload, len)) {
                    return delivered(packet, payload);
                }
            }
            return bogus(MppeDecryptResult.DROPPED_UNDECIPHERABLE, BAD_HEADER);
        }
        return delivered(packet, payload);
    }

    private MppeDecryptResult delivered(ByteBuffer packet, int payload) {
        wrapTriedInVain = false;
        packet.position(payload);
        sanityScore >>= 1; // Linux: "good packet credit"
        return record(MppeDecryptResult.DELIVERED);
    }

    /**
     * Whether the decrypted frame at {@code at} begins as an IPv4 one: PPP protocol 0x21 (with or
     * without field compression) and IP version 4, what {@code IpDataPath} delivers. Random octets
     * pass with odds of about 1 in 4,000: a sanity score, not a proof.
     */
    private static boolean beginsIpv4(ByteBuffer b, int at) {
        int first = b.get(at) & 0xFF;
        if (first == PPP_IPV4) {
            return b.limit() > at + 1 && (b.get(at + 1) & 0xF0) == 0x40;
        }
        return first == 0 && b.limit() > at + 2 && (b.get(at + 1) & 0xFF) == PPP_IPV4 && (b.get(at + 2) & 0xF0) == 0x40;
    }

    /**
     * Stateless mode, a packet taken in step ({@code ccount} already its count) that decrypted to
     * garbage in place: whether the key {@value MppeHeader#COUNT_SPACE} changes further on
     * decrypts it to a checked IPv4 packet, as after a loss of 4,096 packets, where the count
     * alone cannot tell. If so the key stays there and the packet is decrypted; if not (or the
     * budget for trying jumps does not hold it) the key is as it was and the packet is lost.
     */
    private boolean followedAcrossWrap(ByteBuffer packet, int payload, int len) {
        // RC4 is an XOR: the same keystream again gives the ciphertext back.
        cipher.initTables();
        cipher.crypt(packet, payload, packet, payload, len);
        if (!trialBudgetHolds(MppeHeader.COUNT_SPACE)) {
            return false; // undecipherable as it stands, and costs as much
        }
        cipher.saveKey(savedKey);
        if (keyChangesDecrypt(MppeHeader.COUNT_SPACE, packet, payload, len)) {
            resynchronisedAcrossWrap++;
            cipher.crypt(packet, payload, packet, payload, len);
            return true;
        }
        undo(MppeHeader.COUNT_SPACE);
        wrapTriedInVain = true;
        return false;
    }

    /**
     * Whether a try 4,096 key changes further may be made: none failed since the last packet
     * delivered, or the budget for trying jumps has filled up again since one did (a forged or
     * corrupt packet that happened to come first after a genuine loss must not leave it unfound).
     */
    private boolean wrapTryAllowed() {
        if (wrapTriedInVain && trialBudgetHolds((int) TRIAL_BURST)) {
            wrapTriedInVain = false;
        }
        return !wrapTriedInVain;
    }

    /** Makes {@code changes} key changes and tells whether the key then decrypts the packet to checked IPv4. */
    private boolean keyChangesDecrypt(int changes, ByteBuffer packet, int payload, int len) {
        for (int i = 0; i < changes; i++) {
            cipher.changeKey();
        }
        cipher.initTables();
        return decryptsToCheckedIpv4(packet, payload, len);
    }

    /** Back to {@link #savedKey}, {@code changes} key changes ago, paid from the budget for trying jumps. */
    private void undo(int changes) {
        cipher.restoreKey(savedKey, changes);
        cipher.initTables();
        trialBudget -= changes;
        keyChangesUndone += changes;
    }

    /**
     * RFC 3078 §8.1 as Linux: one key change per count the sender advanced, late counts refused.
     * Beyond Linux: a count more than one ahead is followed only if its key decrypts this packet
     * to a checked IPv4 packet (all a PPTP session here carries: IPCP is its only network
     * protocol). Otherwise it was forged (the header is in clear and anyone who knows the call ID
     * and the client's address can send one), and following it would make the genuine packets
     * that come next "late" for up to 3,840 counts; it is dropped as a bogus packet instead, with
     * the key as it was. A jump is tried only within the budget for trying jumps (see the class
     * comment), which pays for the ones that do not check out.
     */
    private MppeDecryptResult syncStateless(int count, ByteBuffer packet, int payload, int len) {
        int ahead = (count - ccount) & MppeHeader.COUNT_MASK;
        if (ahead == 0 || ahead > COUNT_SPACE_AHEAD) {
            return bogus(MppeDecryptResult.DROPPED_LATE, LATE);
        }
        if (ahead == 1) {
            cipher.changeKey();
            cipher.initTables();
            ccount = count;
            return MppeDecryptResult.DELIVERED; // checked once decrypted (ipv4Only)
        }
        // A jump: the sender made ahead key changes, or 4,096 more (RFC 3078 §8.1 counts only to
        // 4,095; a burst loss of thousands of packets, a WAN outage under a video call, goes
        // round). Each is followed only if its key decrypts this packet to checked IPv4.
        int most = ahead + MppeHeader.COUNT_SPACE;
        if (!trialBudgetHolds(ahead)) {
            return record(MppeDecryptResult.DROPPED_JUMP_OVER_BUDGET);
        }
        cipher.saveKey(savedKey);
        boolean found = keyChangesDecrypt(ahead, packet, payload, len);
        if (!found && wrapTryAllowed() && trialBudgetHolds(most)) {
            found = keyChangesDecrypt(MppeHeader.COUNT_SPACE, packet, payload, len);
            if (found) {
                resynchronisedAcrossWrap++;
            } else {
                undo(most);
                wrapTriedInVain = true;
            }
        } else if (!found) {
            undo(ahead);
        }
        if (!found) {
            // A bogus header's weight, not a late packet's: the genuine packet after a loss
            // checks out and costs nothing, however large the loss; one that does not is forged
            // or the peer is out of step, which 16 in a row should end visibly. An attacker
            // ends the link as fast with 16 packets without the D bit, so less would buy nothing.
            return bogus(MppeDecryptResult.DROPPED_UNVERIFIED_JUMP, BAD_HEADER);
        }
        ccount = count;
        return MppeDecryptResult.DELIVERED;
    }

    /**
     * Whether the budget for trying jumps holds {@code keyChanges}, after refilling it for the time
     * since it was last refilled (in whole key changes, the remainder carried over).
     */
    private boolean trialBudgetHolds(int keyChanges) {
        long now = clock.nanos();
        long refill = (now - trialBudgetAt) / TRIAL_REFILL_NANOS;
        if (refill > 0) {
            if (refill >= TRIAL_BURST - trialBudget) {
                trialBudget = TRIAL_BURST;
                trialBudgetAt = now;
            } else {
                trialBudget += refill;
                trialBudgetAt += refill * TRIAL_REFILL_NANOS;
            }
        }
        return trialBudget >= keyChanges;
    }

    /**
     * RFC 3078 §8.2 as Linux's mppe_decompress reads it, with the key changes the packet needs
     * (for a flushed one, checked when {@link #ipv4Only}); see the class comment.
     */
    private MppeDecryptResult syncStateful(int count, boolean flushed, ByteBuffer packet, int payload, int len) {
        if (!discard) {
            ccount = (ccount + 1) & MppeHeader.COUNT_MASK;
            if (count != ccount) {
                // Loss (or reordering, which stateful mode cannot survive either): ask once.
                discard = true;
                return record(MppeDecryptResult.RESET_REQUIRED);
            }
            if (!flushed) {
                return MppeDecryptResult.DELIVERED;
            }
            // As for every flushed packet in stateful mode: the sender re-keyed before it.
            if (!ipv4Only) {
                cipher.rekey();
                return MppeDecryptResult.DELIVERED;
            }
            cipher.saveKey(savedKey);
            cipher.rekey();
            if (decryptsToCheckedIpv4(packet, payload, len)) {
                return MppeDecryptResult.DELIVERED;
            }
            // Forged with the next count, or not IPv4: no key change we could not take back (RFC
            // 3078 §7.3). Treated as lost (§8.2): ccount is the count expected, and the next
            // flushed packet (a reset's answer, or the next flag packet) decides the key changes.
            cipher.restoreKey(savedKey, 1);
            cipher.initTables();
            discard = true;
            return bogus(MppeDecryptResult.DROPPED_UNVERIFIED_FLUSH, BAD_HEADER);
        }
        if (!flushed) {
            return record(MppeDecryptResult.DROPPED_AWAITING_FLUSH);
        }
        cipher.saveKey(keyBeforeResync);
        int expected = ccount;
        // One key change for every flag packet missed: at most 15, whatever the count says.
        int missedFlags = 0;
        while ((count & BLOCK_MASK) != (ccount & BLOCK_MASK)) {
            cipher.changeKey();
            ccount = (ccount + 0x100) & MppeHeader.COUNT_MASK;
            missedFlags++;
        }
        if (!rekeyToDecrypt(packet, payload, len)) {
            if (ipv4Only) {
                // A forged count (anyone who knows the call ID can send one) would otherwise leave
                // us keys ahead of the peer for good: stay in the discard state (RFC 3078 §8.2) on
                // the key we had, and let the next flushed packet show the way.
                cipher.restoreKey(keyBeforeResync, missedFlags);
                cipher.initTables();
                ccount = expected;
                return bogus(MppeDecryptResult.DROPPED_UNVERIFIED_FLUSH, BAD_HEADER);
            }
            cipher.rekey(); // not IPv4, or corrupt: Linux's one key change
        }
        discard = false;
        ccount = count;
        return MppeDecryptResult.DELIVERED;
    }

    /**
     * The key change(s) for the flushed packet that ends the discard state: Linux's one, unless
     * that does not decrypt the packet to a checked IPv4 packet and 2..{@value #MAX_EXTRA_KEY_CHANGES}+1
     * changes do (see the class comment). Trials decrypt a copy of the first octets only; each
     * trial adds one key change to the one before.
     *
     * @return whether one did; if not, the key is back where it was (tables stale: follow with
     *         {@link MppeSessionCipher#rekey()} or a restore)
     */
    private boolean rekeyToDecrypt(ByteBuffer packet, int payload, int len) {
        cipher.saveKey(savedKey);
        for (int changes = 1; changes <= 1 + MAX_EXTRA_KEY_CHANGES; changes++) {
            cipher.rekey();
            if (decryptsToCheckedIpv4(packet, payload, len)) {
                if (changes > 1) {
                    resynchronisedBeyondLinux++;
                }
                return true;
            }
        }
        cipher.restoreKey(savedKey, 1 + MAX_EXTRA_KEY_CHANGES);
        return false;
    }

    /**
     * Whether the current key decrypts the packet to a checked IPv4 frame: a trial on a copy of its
     * first octets, after which the tables are back at the keystream's start for the real decryption.
     */
    private boolean decryptsToCheckedIpv4(ByteBuffer packet, int payload, int len) {
        int n = Math.min(len, TRIAL_OCTETS);
        cipher.crypt(packet, payload, trial, 0, n);
        cipher.initTables();
        return isCheckedIpv4(trial, n, len);
    }

    /**
     * Whether the {@code n} decrypted octets in {@code b} begin a PPP IPv4 frame of {@code len}
     * octets: protocol 0x21 (with or without field compression), version 4, a total length that
     * fills the frame, a valid header checksum. Random octets pass with odds of about 2^-40.
     */
    private static boolean isCheckedIpv4(ByteBuffer b, int n, int len) {
        int ip;
        if ((b.get(0) & 0xFF) == PPP_IPV4) {
            ip = 1;
        } else if (n >= 2 && b.get(0) == 0 && (b.get(1) & 0xFF) == PPP_IPV4) {
            ip = 2;
        } else {
            return false;
        }
        if (n < ip + 20 || (b.get(ip) & 0xF0) != 0x40) {
            return false;
        }
        int headerLength = (b.get(ip) & 0x0F) * 4;
        return headerLength >= 20 && ip + headerLength <= n
                && (b.getShort(ip + 2) & 0xFFFF) == len - ip
                && InternetChecksum.verifies(InternetChecksum.add(0, b, ip, headerLength));
    }

    private MppeDecryptResult bogus(MppeDecryptResult reason, int weight) {
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

    /** Stateless packets followed 4,096 key changes beyond what their count says (a loss the count went round). */
    public long resynchronisedAcrossWrap() {
        return resynchronisedAcrossWrap;
    }

    /** Resynchronisations that needed more key changes than Linux makes (the hole it leaves, closed). */
    public long resynchronisedBeyondLinux() {
        return resynchronisedBeyondLinux;
    }

    /**
     * Key changes made to try stateless jumps that did not check out, and undone (not in
     * {@link #keyChanges()}): the work forged counts cost, bounded by the budget for trying jumps.
     */
    public long keyChangesUndone() {
        return keyChangesUndone;
    }

    /** Key changes performed so far. */
    public long keyChanges() {
        return cipher.keyChanges();
    }

    /** Stateful mode: a gap was seen and no flushed packet has arrived since (Linux's discard state). */
    public boolean awaitingFlush() {
        return discard;
    }
}
