package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The Response value and the Success/Failure message formats of RFC 2759 §4-§6. */
class MsChapV2MessagesTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final byte[] PEER_CHALLENGE = HEX.parseHex("21402324255E262A28295F2B3A337C7E");
    private static final byte[] NT_RESPONSE = HEX.parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    private static final String AUTH_RESPONSE = "S=407A5589115FD0D6209F510FE9C04566932CDA56";
    private static final byte[] CHALLENGE = HEX.parseHex("5B5D7C7D7B3F2F3E3C2C602132262628");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void responseValueLayout() {
        byte[] value = MsChapV2Response.of(PEER_CHALLENGE, NT_RESPONSE).encode();
        assertEquals("21402324255E262A28295F2B3A337C7E" + "0000000000000000"
                + "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF" + "00", HEX.formatHex(value));
    }

    @Test
    void responseValueDecodesAtAnOffset() {
        byte[] packet = new byte[3 + 49];
        System.arraycopy(MsChapV2Response.of(PEER_CHALLENGE, NT_RESPONSE).encode(), 0, packet, 3, 49);
        MsChapV2Response r = MsChapV2Response.decode(packet, 3, 49);
        assertArrayEquals(PEER_CHALLENGE, r.peerChallenge());
        assertArrayEquals(NT_RESPONSE, r.ntResponse());
        assertEquals(0, r.flags());
        assertEquals(MsChapV2Response.of(PEER_CHALLENGE, NT_RESPONSE), r);
        assertThrows(IllegalArgumentException.class, () -> MsChapV2Response.decode(packet, 3, 48));
    }

    @Test
    void successBuildsAndParses() {
        byte[] wire = new MsChapV2Success(AUTH_RESPONSE, "Access granted").encode();
        assertEquals(AUTH_RESPONSE + " M=Access granted", new String(wire, StandardCharsets.US_ASCII));
        assertEquals(new MsChapV2Success(AUTH_RESPONSE, "Access granted"),
                MsChapV2Success.decode(wire, 0, wire.length));
    }

    @Test
    void successWithoutMessageParses() {
        byte[] wire = ascii(AUTH_RESPONSE);
        assertEquals(new MsChapV2Success(AUTH_RESPONSE, ""), MsChapV2Success.decode(wire, 0, wire.length));
    }

    @Test
    void aSuccessWithoutAWellFormedAuthenticatorResponseIsRefusedAndAnyTextAfterOneIsRead() {
        byte[] shortOne = ascii(AUTH_RESPONSE.substring(0, 30));
        assertThrows(IllegalArgumentException.class, () -> MsChapV2Success.decode(shortOne, 0, shortOne.length));
        // What follows the authenticator response is the server's text, however it is written.
        byte[] noSpace = ascii(AUTH_RESPONSE + "M=Success");
        assertEquals(new MsChapV2Success(AUTH_RESPONSE, "Success"), MsChapV2Success.decode(noSpace, 0, noSpace.length));
        byte[] bare = ascii(AUTH_RESPONSE + " Welcome");
        assertEquals(new MsChapV2Success(AUTH_RESPONSE, "Welcome"), MsChapV2Success.decode(bare, 0, bare.length));
        byte[] notHex = ascii("S=" + "Z".repeat(40));
        assertThrows(IllegalArgumentException.class, () -> MsChapV2Success.decode(notHex, 0, notHex.length));
    }

    @Test
    void failureBuildsInRfcFieldOrder() {
        byte[] wire = MsChapV2Failure.of(MsChapError.AUTHENTICATION_FAILURE, true, CHALLENGE,
                "Authentication failure").encode();
        assertEquals("E=691 R=1 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=Authentication failure",
                new String(wire, StandardCharsets.US_ASCII));
    }

    @Test
    void failureRoundTripsForEveryRfcErrorCode() {
        int[] codes = {646, 647, 648, 649, 691, 709};
        MsChapError[] errors = MsChapError.values();
        assertEquals(codes.length, errors.length);
        for (int i = 0; i < codes.length; i++) {
            assertEquals(codes[i], errors[i].code());
            MsChapV2Failure f = MsChapV2Failure.of(errors[i], false, CHALLENGE, "text with  spaces M=x");
            byte[] wire = f.encode();
            MsChapV2Failure back = MsChapV2Failure.decode(wire, 0, wire.length);
            assertEquals(f, back);
            assertEquals(Optional.of(errors[i]), back.error());
        }
    }

    @Test
    void failureFromPppdParses() {
        // pppd's chap_ms.c sends V=0 and "Access denied".
        byte[] wire = ascii("E=691 R=1 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=0 M=Access denied");
        MsChapV2Failure f = MsChapV2Failure.decode(wire, 0, wire.length);
        assertEquals(691, f.errorCode());
        assertEquals(true, f.retryAllowed());
        assertArrayEquals(CHALLENGE, f.challenge());
        assertEquals(0, f.version());
        assertEquals("Access denied", f.message());
    }

    @Test
    void failureWithoutOptionalFieldsParses() {
        byte[] wire = ascii("E=648");
        MsChapV2Failure f = MsChapV2Failure.decode(wire, 0, wire.length);
        assertEquals(Optional.of(MsChapError.PASSWORD_EXPIRED), f.error());
        assertEquals(false, f.retryAllowed());
        assertEquals(0, f.challenge().length);
        assertEquals("", f.message());
        assertThrows(IllegalStateException.class, f::encode, "C= must be present when sending");
    }

    @Test
    void unknownErrorCodeIsKeptAsANumber() {
        byte[] wire = ascii("E=12345 R=0 V=3 M=odd");
        MsChapV2Failure f = MsChapV2Failure.decode(wire, 0, wire.length);
        assertEquals(12345, f.errorCode());
        assertEquals(Optional.empty(), f.error());
    }

    @Test
    void malformedFailureIsRefused() {
        for (String bad : new String[] {"R=1 E=691", "E=69x", "E=691 C=ABCD", "E=691 C=" + "G".repeat(32),
                "E=691 R", "", "E=99999999999"}) {
            byte[] wire = ascii(bad);
            assertThrows(IllegalArgumentException.class, () -> MsChapV2Failure.decode(wire, 0, wire.length), bad);
        }
    }
}
