package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Known-answer tests from RFC 2759 §9.2/§9.3 and RFC 2433 B.2 (see /work/shared/vectors/README.md). */
class MsChapV2Test {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    // RFC 2759 §9.2
    private static final byte[] USER = "User".getBytes(StandardCharsets.US_ASCII);
    private static final String PASSWORD = "clientPass";
    private static final byte[] AUTH_CHALLENGE = hex("5B5D7C7D7B3F2F3E3C2C602132262628");
    private static final byte[] PEER_CHALLENGE = hex("21402324255E262A28295F2B3A337C7E");
    private static final byte[] NT_RESPONSE = hex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    private static final String AUTH_RESPONSE = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

    private static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    /**
     * The octet-wise NT hash is pppd's (each UTF-8 octet widened, chap_ms.c ascii2unicode): kept
     * only where it differs from the NT hash, and only for what pppd can send whole.
     */
    @Test
    void theOctetWiseHashIsPppdsAndKeptOnlyWhereItDiffers() {
        assertArrayEquals(NtPasswordHash.of("Gr\u00c3\u00bc\u00c3\u009fe-2024!"),
                NtPasswordHash.octetWiseOf("Grüße-2024!").orElseThrow(), "ü and ß each as their two UTF-8 octets");
        assertFalse(Arrays.equals(NtPasswordHash.of("Grüße-2024!"), NtPasswordHash.octetWiseOf("Grüße-2024!").get()));
        assertEquals(Optional.empty(), NtPasswordHash.octetWiseOf("clientPass"), "ASCII hashes alike both ways");
        assertTrue(NtPasswordHash.octetWiseOf("ü".repeat(128)).isPresent(), "256 octets");
        assertEquals(Optional.empty(), NtPasswordHash.octetWiseOf("ü".repeat(128) + "a"), "257 octets: pppd cuts it");
    }

    @Test
    void passwordHashAndHashHashMatchRfc2759() {
        byte[] hash = NtPasswordHash.of(PASSWORD);
        assertEquals("44EBBA8D5312B8D611474411F56989AE", HEX.formatHex(hash));
        assertEquals("41C00C584BD2D91C4017A2A12FA59F3F", HEX.formatHex(NtPasswordHash.hashOf(hash)));
    }

    @Test
    void challengeHashMatchesRfc2759() {
        assertEquals("D02E4386BCE91226",
                HEX.formatHex(MsChapV2.challengeHash(PEER_CHALLENGE, AUTH_CHALLENGE, USER)));
    }

    @Test
    void ntResponseMatchesRfc2759() {
        assertArrayEquals(NT_RESPONSE, MsChapV2.generateNtResponse(AUTH_CHALLENGE, PEER_CHALLENGE, USER, PASSWORD));
    }

    @Test
    void authenticatorResponseMatchesRfc2759() {
        assertEquals(AUTH_RESPONSE, MsChapV2.generateAuthenticatorResponse(
                NtPasswordHash.of(PASSWORD), NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE, USER));
    }

    @Test
    void desKeysFromMyPwMatchRfc2759Section93() {
        byte[] hash = NtPasswordHash.of("MyPw");
        assertEquals("FC156AF7EDCD6C0EDDE3337D427F4EAC", HEX.formatHex(hash));
        assertEquals("FD0B5B5E7F6E34D9", HEX.formatHex(SevenOctetDes.expandKey(hash, 0)));
        assertEquals("0E6E796737EA08FE", HEX.formatHex(SevenOctetDes.expandKey(hash, 7)));
    }

    @Test
    void challengeResponseMatchesRfc2433NtResponse() {
        // The same DES construction as MS-CHAPv1's NT response (RFC 2433 B.2).
        assertEquals("4E9D3C8F9CFD385D5BF4D3246791956CA4C351AB409A3D61",
                HEX.formatHex(MsChapV2.challengeResponse(hex("102DB5DF085D3041"), NtPasswordHash.of("MyPw"))));
    }

    @Test
    void serverVerifiesFromStoredNtHashAndReturnsAuthenticatorResponse() {
        byte[] stored = NtPasswordHash.of(PASSWORD);
        assertEquals(Optional.of(AUTH_RESPONSE),
                MsChapV2.verify(stored, AUTH_CHALLENGE, PEER_CHALLENGE, USER, NT_RESPONSE));
    }

    @Test
    void serverRejectsWrongPasswordTamperedResponseAndOtherChallenge() {
        assertTrue(MsChapV2.verify(NtPasswordHash.of("clientpass"), AUTH_CHALLENGE, PEER_CHALLENGE, USER,
                NT_RESPONSE).isEmpty());
        byte[] tampered = NT_RESPONSE.clone();
        tampered[23] ^= 1;
        assertTrue(MsChapV2.verify(NtPasswordHash.of(PASSWORD), AUTH_CHALLENGE, PEER_CHALLENGE, USER,
                tampered).isEmpty());
        byte[] otherChallenge = AUTH_CHALLENGE.clone();
        otherChallenge[0] ^= 1;
        assertTrue(MsChapV2.verify(NtPasswordHash.of(PASSWORD), otherChallenge, PEER_CHALLENGE, USER,
                NT_RESPONSE).isEmpty());
        assertTrue(MsChapV2.verify(NtPasswordHash.of(PASSWORD), AUTH_CHALLENGE, PEER_CHALLENGE,
                "user".getBytes(StandardCharsets.US_ASCII), NT_RESPONSE).isEmpty());
    }

    @Test
    void domainPrefixIsNotHashed() {
        byte[] withDomain = "CORP\\User".getBytes(StandardCharsets.US_ASCII);
        assertEquals(Optional.of(AUTH_RESPONSE), MsChapV2.verify(NtPasswordHash.of(PASSWORD), AUTH_CHALLENGE,
                PEER_CHALLENGE, withDomain, NT_RESPONSE));
    }

    @Test
    void peerChecksAuthenticatorResponse() {
        assertTrue(MsChapV2.checkAuthenticatorResponse(PASSWORD, NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE,
                USER, AUTH_RESPONSE));
        assertTrue(MsChapV2.checkAuthenticatorResponse(PASSWORD, NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE,
                USER, "S=" + AUTH_RESPONSE.substring(2).toLowerCase()), "hex case is not significant");
        String oneOff = AUTH_RESPONSE.substring(0, 41) + "7";
        assertFalse(MsChapV2.checkAuthenticatorResponse(PASSWORD, NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE,
                USER, oneOff));
        assertFalse(MsChapV2.checkAuthenticatorResponse("wrong", NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE,
                USER, AUTH_RESPONSE), "a server that does not know the password is caught");
        assertFalse(MsChapV2.checkAuthenticatorResponse(PASSWORD, NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE,
                USER, AUTH_RESPONSE.substring(0, 40)));
        assertFalse(MsChapV2.checkAuthenticatorResponse(PASSWORD, NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE,
                USER, "X" + AUTH_RESPONSE.substring(1)));
        assertFalse(MsChapV2.checkAuthenticatorResponse(PASSWORD, NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE,
                USER, AUTH_RESPONSE.substring(0, 41) + "G"));
    }

    @Test
    void nonAsciiPasswordIsHashedAsUtf16Le() {
        // "é" is U+00E9: UTF-16LE E9 00 (RFC 2759 §8.3: the password as Unicode). The RFC has no vector
        // beyond ASCII; these were computed outside this code, by OpenSSL's MD4 over iconv's UTF-16LE
        // ("printf 'é' | iconv -f utf-8 -t utf-16le | openssl dgst -md4 -provider legacy"), the same
        // command giving the RFC's 44EBBA8D5312B8D611474411F56989AE for "clientPass" (§9.2).
        assertEquals("E77286D072C7858E9110CC3A011D2AC8", HEX.formatHex(NtPasswordHash.of("\u00e9")));
        assertEquals("411B68984D6B19BBB302455798320A06", HEX.formatHex(NtPasswordHash.of("p\u00e4ss")));
    }

    @Test
    void rejectsWrongLengths() {
        assertThrows(IllegalArgumentException.class, () -> NtPasswordHash.of("x".repeat(257)));
        assertThrows(IllegalArgumentException.class,
                () -> MsChapV2.challengeHash(new byte[15], AUTH_CHALLENGE, USER));
        assertThrows(IllegalArgumentException.class,
                () -> MsChapV2.verify(NtPasswordHash.of(PASSWORD), AUTH_CHALLENGE, PEER_CHALLENGE, USER,
                        new byte[23]));
    }
}
