package org.homerouter.pptp.auth;

import java.security.MessageDigest;

import org.bouncycastle.crypto.digests.MD5Digest;

/** CHAP with MD5 (RFC 1994 §4.1, algorithm 5): Response = MD5(Identifier || secret || Challenge). */
public final class ChapMd5 {
    /** MD5 output length, the Value-Size of every CHAP-MD5 Response. */
    public static final int RESPONSE_LENGTH = 16;

    private ChapMd5() {
    }

    /** The Response value for a Challenge with this Identifier (RFC 1994 §4.1). */
    public static byte[] response(int identifier, byte[] secret, byte[] challenge) {
        if (identifier < 0 || identifier > 0xFF) {
            throw new IllegalArgumentException("identifier out of range 0..255: " + identifier);
        }
        MD5Digest md5 = new MD5Digest();
        md5.update((byte) identifier);
        md5.update(secret, 0, secret.length);
        md5.update(challenge, 0, challenge.length);
        byte[] out = new byte[RESPONSE_LENGTH];
        md5.doFinal(out, 0);
        return out;
    }

    /** Whether the peer's Response is right; the comparison is constant-time. */
    public static boolean verify(int identifier, byte[] secret, byte[] challenge, byte[] peerResponse) {
        return MessageDigest.isEqual(response(identifier, secret, challenge), peerResponse);
    }
}
