package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class ChapMd5Test {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final byte[] SECRET = "secret".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHALLENGE = HEX.parseHex("000102030405060708090A0B0C0D0E0F");

    @Test
    void responseMatchesComputedVector() {
        assertEquals("740E86463BDA3A4D7017D6E0FBA0699D", HEX.formatHex(ChapMd5.response(1, SECRET, CHALLENGE)));
    }

    @Test
    void verifyAcceptsOnlyTheRightIdentifierSecretAndChallenge() {
        byte[] response = HEX.parseHex("740E86463BDA3A4D7017D6E0FBA0699D");
        assertTrue(ChapMd5.verify(1, SECRET, CHALLENGE, response));
        assertFalse(ChapMd5.verify(2, SECRET, CHALLENGE, response), "identifier is hashed (RFC 1994 §4.1)");
        assertFalse(ChapMd5.verify(1, "Secret".getBytes(StandardCharsets.US_ASCII), CHALLENGE, response));
        assertFalse(ChapMd5.verify(1, SECRET, new byte[16], response));
        assertFalse(ChapMd5.verify(1, SECRET, CHALLENGE, new byte[15]));
    }

    @Test
    void identifierMustBeAnOctet() {
        assertThrows(IllegalArgumentException.class, () -> ChapMd5.response(256, SECRET, CHALLENGE));
    }
}
