package org.homerouter.pptp.mppe;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The RC4 state and session key of one direction, with key changes that allocate nothing:
 * stateless mode changes the key for every packet, so this runs per packet.
 *
 * <p>The next key change is worked out ahead: keying the tables for a session key
 * ({@link #initTables()}) also keys a second engine with the interim key of the change after it
 * (RFC 3078 §7.3: the interim key needs only the start and current session keys), in the same
 * loop, and takes the next session key from it. The following {@link #changeKey()} then only
 * copies that key. Two key schedules run together in about 65% of the time of two in a row
 * (see {@link Rc4#initTogether}): a stateless packet's key change took 1.1 µs here, and takes 0.67.
 */
final class MppeSessionCipher {
    // Keyed with the next change's interim key while the tables are keyed (see the class comment),
    // and of no use once that key is out: one per thread, not one per direction of every session
    // (10,000 sessions' two directions at each end would hold 40 MB of them).
    private static final ThreadLocal<Rc4> AHEAD = ThreadLocal.withInitial(Rc4::new);

    private final MppeStrength strength;
    private final int keyLength;
    private final byte[] startKey;
    private final byte[] sessionKey;
    private final byte[] digest = new byte[20];
    private final MessageDigest sha = MppeKeys.sha1();
    // Our own RC4: keyed twice per packet in stateless mode, where BouncyCastle's keying costs as
    // much as encrypting a full-size packet (see Rc4).
    private final Rc4 rc4 = new Rc4();
    // The session key after sessionKey, valid while nextKeyKnown.
    private final byte[] nextKey;
    private boolean nextKeyKnown;
    private long keyChanges;

    MppeSessionCipher(byte[] startKey, MppeStrength strength) {
        this.strength = strength;
        this.keyLength = strength.keyLength();
        MppeKeys.requireAtLeast("start key", startKey, keyLength);
        this.startKey = Arrays.copyOf(startKey, keyLength);
        this.sessionKey = MppeKeys.initialSessionKey(this.startKey, strength);
        this.nextKey = new byte[keyLength];
        initTables();
    }

    /**
     * Key change, RFC 3078 §7.3: SessionKey = RC4(Interim, Interim), Interim = GetNewKeyFromSHA(Start, Session).
     * Leaves the RC4 tables stale (keyed with the interim key, or still with the previous session
     * key when the change was worked out ahead): follow with {@link #initTables()} (or more key
     * changes, then that) before crypting.
     */
    void changeKey() {
        if (nextKeyKnown) {
            System.arraycopy(nextKey, 0, sessionKey, 0, keyLength);
            nextKeyKnown = false;
        } else {
            MppeKeys.newKeyFromSha(sha, startKey, sessionKey, keyLength, digest);
            rc4Init(digest);
            rc4.process(digest, 0, keyLength, sessionKey, 0);
            strength.reduce(sessionKey);
        }
        keyChanges++;
    }

    /**
     * Re-initialises the RC4 tables from the current session key, and works out the next key
     * change with them when it is not known yet.
     */
    void initTables() {
        if (nextKeyKnown) {
            rc4Init(sessionKey);
            return;
        }
        MppeKeys.newKeyFromSha(sha, startKey, sessionKey, keyLength, digest);
        Rc4 ahead = AHEAD.get();
        rc4.initTogether(sessionKey, ahead, digest, keyLength);
        ahead.process(digest, 0, keyLength, nextKey, 0);
        strength.reduce(nextKey);
        nextKeyKnown = true;
    }

    /** A key change and fresh RC4 tables from the new key: Linux's {@code mppe_rekey(state, 0)}. */
    void rekey() {
        changeKey();
        initTables();
    }

    private void rc4Init(byte[] key) {
        rc4.init(key, keyLength);
    }

    /**
     * XORs {@code len} octets of keystream over {@code src[srcIndex..]} into {@code dst[dstIndex..]}
     * (absolute indices; positions untouched). The buffers may be the same, at the same index.
     */
    void crypt(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int len) {
        if (src.hasArray() && dst.hasArray()) {
            rc4.process(src.array(), src.arrayOffset() + srcIndex, len,
                    dst.array(), dst.arrayOffset() + dstIndex);
            return;
        }
        // Direct buffers (the raw socket's receive slots): in place, no copies.
        rc4.process(src, srcIndex, len, dst, dstIndex);
    }

    long keyChanges() {
        return keyChanges;
    }

    /** Copies the session key into {@code into} (at least the key length): a point to come back to. */
    void saveKey(byte[] into) {
        System.arraycopy(sessionKey, 0, into, 0, keyLength);
    }

    /**
     * Goes back to a session key {@link #saveKey saved} {@code changesSince} key changes ago, as if
     * they had not been made (tables included: follow with {@link #initTables()} or key changes).
     */
    void restoreKey(byte[] from, long changesSince) {
        System.arraycopy(from, 0, sessionKey, 0, keyLength);
        nextKeyKnown = false;
        keyChanges -= changesSince;
    }
}
