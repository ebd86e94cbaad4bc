package org.homerouter.pptp.auth;

import static org.homerouter.pptp.auth.NtPasswordHash.requireLength;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

import org.bouncycastle.crypto.digests.SHA1Digest;

/**
 * The MS-CHAPv2 computations of RFC 2759 §8, with server-side verification from the NT hash.
 *
 * <p>User names are the raw octets of the CHAP Name field; passwords are Java strings hashed as
 * UTF-16LE. Every function is pure and thread-safe.
 */
public final class MsChapV2 {
    /** Authenticator and Peer challenges are 16 octets (RFC 2759 §3, §4). */
    public static final int CHALLENGE_LENGTH = 16;
    /** NT-Response length (RFC 2759 §4, §8.5). */
    public static final int NT_RESPONSE_LENGTH = 24;
    /** "S=" followed by 40 uppercase hexadecimal digits (RFC 2759 §8.7). */
    public static final int AUTHENTICATOR_RESPONSE_LENGTH = 42;

    // RFC 2759 §8.7: the two magic constants of GenerateAuthenticatorResponse.
    private static final byte[] SIGNING_MAGIC =
            "Magic server to client signing constant".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PAD_MAGIC =
            "Pad to make it do more than one iteration".getBytes(StandardCharsets.US_ASCII);
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private MsChapV2() {
    }

    /**
     * ChallengeHash (RFC 2759 §8.2): the first 8 octets of SHA1(PeerChallenge || AuthenticatorChallenge
     * || UserName). Only the user name without a prepended "DOMAIN\" is hashed (§8.2), so a name
     * given as {@code DOMAIN\\user} is cut after its last backslash, as pppd does.
     */
    public static byte[] challengeHash(byte[] peerChallenge, byte[] authenticatorChallenge, byte[] userName) {
        requireLength("peer challenge", peerChallenge, CHALLENGE_LENGTH);
        requireLength("authenticator challenge", authenticatorChallenge, CHALLENGE_LENGTH);
        int start = 0;
        for (int i = userName.length - 1; i >= 0; i--) {
            if (userName[i] == '\\') {
                start = i + 1;
                break;
            }
        }
        SHA1Digest sha = new SHA1Digest();
        sha.update(peerChallenge, 0, CHALLENGE_LENGTH);
        sha.update(authenticatorChallenge, 0, CHALLENGE_LENGTH);
        sha.update(userName, start, userName.length - start);
        byte[] digest = new byte[sha.getDigestSize()];
        sha.doFinal(digest, 0);
        return Arrays.copyOf(digest, 8);
    }

    /**
     * ChallengeResponse (RFC 2759 §8.5): the 16-octet hash zero-padded to 21 octets, cut into three
     * 7-octet DES keys, each encrypting the 8-octet challenge.
     */
    public static byte[] challengeResponse(byte[] challenge, byte[] passwordHash) {
        requireLength("challenge", challenge, 8);
        requireLength("password hash", passwordHash, NtPasswordHash.LENGTH);
        byte[] zPasswordHash = Arrays.copyOf(passwordHash, 21);
        byte[] response = new byte[NT_RESPONSE_LENGTH];
        for (int i = 0; i < 3; i++) {
            SevenOctetDes.encrypt(zPasswordHash, 7 * i, challenge, 0, response, 8 * i);
        }
        return response;
    }

    /** GenerateNTResponse (RFC 2759 §8.1) from the plaintext password: what a peer sends. */
    public static byte[] generateNtResponse(byte[] authenticatorChallenge, byte[] peerChallenge,
                                            byte[] userName, CharSequence password) {
        return generateNtResponseFromHash(authenticatorChallenge, peerChallenge, userName,
                NtPasswordHash.of(password));
    }

    /** GenerateNTResponse (RFC 2759 §8.1) from the NT password hash. */
    public static byte[] generateNtResponseFromHash(byte[] authenticatorChallenge, byte[] peerChallenge,
                                                    byte[] userName, byte[] passwordHash) {
        return challengeResponse(challengeHash(peerChallenge, authenticatorChallenge, userName), passwordHash);
    }

    /**
     * GenerateAuthenticatorResponse (RFC 2759 §8.7) from the NT password hash: "S=" followed by 40
     * uppercase hexadecimal digits, the authenticator's proof that it too knows the password.
     */
    public static String generateAuthenticatorResponse(byte[] passwordHash, byte[] ntResponse,
                                                       byte[] peerChallenge, byte[] authenticatorChallenge,
                                                       byte[] userName) {
        requireLength("NT-Response", ntResponse, NT_RESPONSE_LENGTH);
        byte[] passwordHashHash = NtPasswordHash.hashOf(passwordHash);
        SHA1Digest sha = new SHA1Digest();
        byte[] digest = new byte[sha.getDigestSize()];
        sha.update(passwordHashHash, 0, passwordHashHash.length);
        sha.update(ntResponse, 0, ntResponse.length);
        sha.update(SIGNING_MAGIC, 0, SIGNING_MAGIC.length);
        sha.doFinal(digest, 0);

        byte[] challenge = challengeHash(peerChallenge, authenticatorChallenge, userName);
        sha.update(digest, 0, digest.length);
        sha.update(challenge, 0, challenge.length);
        sha.update(PAD_MAGIC, 0, PAD_MAGIC.length);
        sha.doFinal(digest, 0);
        return "S=" + HEX.formatHex(digest);
    }

    /**
     * CheckAuthenticatorResponse (RFC 2759 §8.8): the peer checks the authenticator's "S=..." string.
     * The comparison runs in constant time over the decoded 20 octets; hex case is not significant.
     */
    public static boolean checkAuthenticatorResponse(CharSequence password, byte[] ntResponse,
                                                     byte[] peerChallenge, byte[] authenticatorChallenge,
                                                     byte[] userName, String receivedResponse) {
        return checkAuthenticatorResponseFromHash(NtPasswordHash.of(password), ntResponse, peerChallenge,
                authenticatorChallenge, userName, receivedResponse);
    }

    /** CheckAuthenticatorResponse (RFC 2759 §8.8) from the NT password hash, for a peer that stores only that. */
    public static boolean checkAuthenticatorResponseFromHash(byte[] passwordHash, byte[] ntResponse,
                                                             byte[] peerChallenge, byte[] authenticatorChallenge,
                                                             byte[] userName, String receivedResponse) {
        String expected = generateAuthenticatorResponse(passwordHash, ntResponse,
                peerChallenge, authenticatorChallenge, userName);
        Optional<byte[]> received = decodeAuthenticatorResponse(receivedResponse);
        return received.isPresent()
                && MessageDigest.isEqual(HEX.parseHex(expected, 2, expected.length()), received.get());
    }

    /**
     * Server-side check of a peer's NT-Response using only the stored NT hash (RFC 2759 §8.1 run by
     * the authenticator). Returns the authenticator response for the Success packet when the
     * NT-Response is right, empty otherwise. The NT-Response comparison is constant-time.
     */
    public static Optional<String> verify(byte[] ntHash, byte[] authenticatorChallenge, byte[] peerChallenge,
                                          byte[] userName, byte[] ntResponse) {
        requireLength("NT-Response", ntResponse, NT_RESPONSE_LENGTH);
        byte[] expected = generateNtResponseFromHash(authenticatorChallenge, peerChallenge, userName, ntHash);
        if (!MessageDigest.isEqual(expected, ntResponse)) {
            return Optional.empty();
        }
        return Optional.of(generateAuthenticatorResponse(ntHash, ntResponse, peerChallenge,
                authenticatorChallenge, userName));
    }

    /** The 20 octets of an "S=" + 40 hex string, or empty if it is not of that form. */
    static Optional<byte[]> decodeAuthenticatorResponse(String s) {
        if (s == null || s.length() != AUTHENTICATOR_RESPONSE_LENGTH || !s.startsWith("S=")) {
            return Optional.empty();
        }
        for (int i = 2; i < s.length(); i++) {
            if (!HexFormat.isHexDigit(s.charAt(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(HexFormat.of().parseHex(s, 2, s.length()));
    }
}
