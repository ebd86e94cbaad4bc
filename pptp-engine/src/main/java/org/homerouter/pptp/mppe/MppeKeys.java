package org.homerouter.pptp.mppe;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * MPPE key derivation from MS-CHAPv2 (RFC 3079 §3) and the key change of RFC 3078 §7.3.
 *
 * <p>All static methods are pure and allocate their results; the per-packet key changes of a live
 * link run in {@link MppeSessionCipher} over the same functions with reused buffers.
 */
public final class MppeKeys {
    /** Master and start keys are 16 octets (RFC 3079 §3.4). */
    public static final int MASTER_KEY_LENGTH = 16;

    // RFC 3079 §3.4: SHSpad1 is 40 zero octets, SHSpad2 is 40 octets of 0xF2.
    static final byte[] SHA_PAD1 = new byte[40];
    static final byte[] SHA_PAD2 = filled(40, (byte) 0xF2);

    // RFC 3079 §3.4: the three magic constants, without terminating NULs.
    private static final byte[] MASTER_MAGIC = ascii("This is the MPPE Master Key");
    private static final byte[] CLIENT_SEND_MAGIC =
            ascii("On the client side, this is the send key; on the server side, it is the receive key.");
    private static final byte[] SERVER_SEND_MAGIC =
            ascii("On the client side, this is the receive key; on the server side, it is the send key.");

    private MppeKeys() {
    }

    /** GetMasterKey (RFC 3079 §3.4): SHA1(PasswordHashHash || NTResponse || magic), first 16 octets. */
    public static byte[] masterKey(byte[] passwordHashHash, byte[] ntResponse) {
        requireLength("password hash hash", passwordHashHash, 16);
        requireLength("NT-Response", ntResponse, 24);
        SHA1Digest sha = new SHA1Digest();
        sha.update(passwordHashHash, 0, passwordHashHash.length);
        sha.update(ntResponse, 0, ntResponse.length);
        sha.update(MASTER_MAGIC, 0, MASTER_MAGIC.length);
        byte[] digest = new byte[sha.getDigestSize()];
        sha.doFinal(digest, 0);
        return Arrays.copyOf(digest, MASTER_KEY_LENGTH);
    }

    /**
     * GetAsymmetricStartKey (RFC 3079 §3.4): the start key for one direction. The server's send key
     * is the client's receive key, and the other way round, which the magic constants encode.
     *
     * @param keyLength 8 for 40/56-bit, 16 for 128-bit; an 8-octet key is the prefix of the 16-octet one
     */
    public static byte[] asymmetricStartKey(byte[] masterKey, int keyLength, boolean isSend, boolean isServer) {
        requireLength("master key", masterKey, MASTER_KEY_LENGTH);
        if (keyLength != 8 && keyLength != 16) {
            throw new IllegalArgumentException("key length must be 8 or 16: " + keyLength);
        }
        byte[] magic = (isSend == isServer) ? SERVER_SEND_MAGIC : CLIENT_SEND_MAGIC;
        SHA1Digest sha = new SHA1Digest();
        sha.update(masterKey, 0, masterKey.length);
        sha.update(SHA_PAD1, 0, SHA_PAD1.length);
        sha.update(magic, 0, magic.length);
        sha.update(SHA_PAD2, 0, SHA_PAD2.length);
        byte[] digest = new byte[sha.getDigestSize()];
        sha.doFinal(digest, 0);
        return Arrays.copyOf(digest, keyLength);
    }

    /**
     * GetNewKeyFromSHA (RFC 3079 §3.4, RFC 3078 §7.3): SHA1(StartKey || SHApad1 || SessionKey || SHApad2),
     * first {@code keyLength} octets.
     */
    public static byte[] newKeyFromSha(byte[] startKey, byte[] sessionKey, int keyLength) {
        byte[] digest = new byte[20];
        newKeyFromSha(sha1(), startKey, sessionKey, keyLength, digest);
        return Arrays.copyOf(digest, keyLength);
    }

    /**
     * The first session key of a direction (RFC 3079 §3.1-§3.3): GetNewKeyFromSHA(StartKey, StartKey),
     * then reduced to the strength. Packets are encrypted with RC4 keyed by this value.
     */
    public static byte[] initialSessionKey(byte[] startKey, MppeStrength strength) {
        int n = strength.keyLength();
        requireAtLeast("start key", startKey, n);
        byte[] key = newKeyFromSha(startKey, startKey, n);
        strength.reduce(key);
        return key;
    }

    /**
     * One key change (RFC 3078 §7.3): InterimKey = GetNewKeyFromSHA(StartKey, SessionKey);
     * SessionKey = RC4(InterimKey, InterimKey), reduced to the strength.
     */
    public static byte[] changeKey(byte[] startKey, byte[] sessionKey, MppeStrength strength) {
        int n = strength.keyLength();
        requireAtLeast("start key", startKey, n);
        requireAtLeast("session key", sessionKey, n);
        byte[] interim = newKeyFromSha(startKey, sessionKey, n);
        byte[] next = new byte[n];
        RC4Engine rc4 = new RC4Engine();
        rc4.init(true, new KeyParameter(interim));
        rc4.processBytes(interim, 0, n, next, 0);
        strength.reduce(next);
        return next;
    }

    /**
     * SHA-1 core of GetNewKeyFromSHA into {@code digest} (20 octets), with a caller-owned digest.
     * Stateless MPPE runs this for every packet, so it takes the JDK's SHA-1: HotSpot compiles it
     * to the CPU's SHA instructions where there are some (about 110 ns for these two blocks here,
     * against 500 ns for BouncyCastle's portable SHA1Digest).
     */
    static void newKeyFromSha(MessageDigest sha, byte[] startKey, byte[] sessionKey, int keyLength, byte[] digest) {
        requireAtLeast("start key", startKey, keyLength);
        requireAtLeast("session key", sessionKey, keyLength);
        sha.update(startKey, 0, keyLength);
        sha.update(SHA_PAD1, 0, SHA_PAD1.length);
        sha.update(sessionKey, 0, keyLength);
        sha.update(SHA_PAD2, 0, SHA_PAD2.length);
        try {
            sha.digest(digest, 0, 20);
        } catch (DigestException e) {
            throw new IllegalArgumentException("digest buffer must hold 20 octets", e);
        }
    }

    /** A fresh SHA-1 digest from the JDK (every Java platform must provide SHA-1). */
    static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no SHA-1", e);
        }
    }

    static void requireLength(String name, byte[] value, int length) {
        if (value == null || value.length != length) {
            throw new IllegalArgumentException(name + " must be " + length + " octets");
        }
    }

    static void requireAtLeast(String name, byte[] value, int length) {
        if (value == null || value.length < length) {
            throw new IllegalArgumentException(name + " must be at least " + length + " octets");
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }
}
