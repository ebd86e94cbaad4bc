package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketCodec;
import org.junit.jupiter.api.Test;

/** Our MS-CHAPv2 client against hand-made authenticator packets. */
class MsChapV2PeerTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    // RFC 2759 §9.2
    private static final byte[] AUTH_CHALLENGE = HEX.parseHex("5B5D7C7D7B3F2F3E3C2C602132262628");
    private static final byte[] PEER_CHALLENGE = HEX.parseHex("21402324255E262A28295F2B3A337C7E");
    private static final String AUTH_RESPONSE = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

    private final ManualClock clock = new ManualClock();
    private final List<ControlPacket> sent = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();
    private final MsChapV2Peer peer = new MsChapV2Peer(AuthPolicy.DEFAULT, new PeerCredentials("User", "clientPass"),
            clock, new ScriptedRandom(PEER_CHALLENGE), sent::add, listener);

    private static ControlPacket challenge(int id, byte[] value) {
        return ChapValuePacket.challenge(id, value, "router".getBytes(StandardCharsets.US_ASCII)).toPacket();
    }

    private static ControlPacket status(int code, int id, String message) {
        return new ControlPacket(code, id, message.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void answersTheRfcChallengeWithTheRfcResponseAndAcceptsTheRfcAuthenticatorResponse() {
        peer.start();
        peer.receive(challenge(0x2A, AUTH_CHALLENGE));

        // Hand-written from RFC 2759 §4: Value-Size 49, Peer-Challenge, 8 reserved zeros,
        // NT-Response (§9.2), Flags 0, then the Name "User".
        byte[] expected = HEX.parseHex("02" + "2A" + "003A" + "31"
                + "21402324255E262A28295F2B3A337C7E" + "0000000000000000"
                + "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF" + "00" + "55736572");
        assertArrayEquals(expected, ControlPacketCodec.encode(sent.getFirst()));

        peer.receive(status(ChapStatusPacket.SUCCESS, 0x2A, AUTH_RESPONSE + " M=Access granted"));
        AuthResult.Success s = listener.success();
        assertArrayEquals(HEX.parseHex("41C00C584BD2D91C4017A2A12FA59F3F"),
                s.keyMaterial().orElseThrow().passwordHashHash());
        assertArrayEquals(HEX.parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"),
                s.keyMaterial().orElseThrow().ntResponse());
    }

    /** A router that dials out stores only the NT hash (RFC 2759 §9.2's PasswordHash for "clientPass"). */
    @Test
    void theNtHashAloneGivesTheRfcResponseAndVerifiesTheAuthenticator() {
        MsChapV2Peer hashOnly = new MsChapV2Peer(AuthPolicy.DEFAULT,
                PeerCredentials.ofNtHash("User", HEX.parseHex("44EBBA8D5312B8D611474411F56989AE")),
                clock, new ScriptedRandom(PEER_CHALLENGE), sent::add, listener);
        hashOnly.start();
        hashOnly.receive(challenge(0x2A, AUTH_CHALLENGE));
        assertArrayEquals(HEX.parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"),
                java.util.Arrays.copyOfRange(ControlPacketCodec.encode(sent.getFirst()), 29, 53));

        hashOnly.receive(status(ChapStatusPacket.SUCCESS, 0x2A, AUTH_RESPONSE + " M=Access granted"));
        assertArrayEquals(HEX.parseHex("41C00C584BD2D91C4017A2A12FA59F3F"),
                listener.success().keyMaterial().orElseThrow().passwordHashHash());
    }

    @Test
    void successWithoutMessageTextIsAcceptedAsPppdSendsIt() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.SUCCESS, 1, AUTH_RESPONSE));

        assertTrue(listener.only().succeeded());
    }

    /**
     * Windows Server 2019's RRAS sends no space before M= (pppd had to learn to accept it): our
     * branch router refused the office's right answer as "server not verified", and after the
     * second try stopped dialling for good.
     */
    @Test
    void successWithoutASpaceBeforeTheMessageIsAcceptedAsWindowsServer2019SendsIt() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.SUCCESS, 1, AUTH_RESPONSE + "M=Success. Logging you in..."));

        assertTrue(listener.only().succeeded(), listener.results.toString());
    }

    /** Whatever follows, the authenticator response is still checked. */
    @Test
    void aForgedResponseWithoutASpaceBeforeTheMessageStillFails() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.SUCCESS, 1, "S=407A5589115FD0D6209F510FE9C04566932CDA57M=hi"));

        assertEquals(AuthFailureReason.AUTHENTICATOR_NOT_VERIFIED, listener.failure().reason());
    }

    @Test
    void forgedAuthenticatorResponseFailsTheExchange() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.SUCCESS, 1, "S=407A5589115FD0D6209F510FE9C04566932CDA57 M=hi"));

        assertEquals(AuthFailureReason.AUTHENTICATOR_NOT_VERIFIED, listener.failure().reason());
    }

    @Test
    void resentChallengeGetsTheSameResponseSoBothSidesKeepTheSameNtResponse() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(challenge(1, AUTH_CHALLENGE));

        assertEquals(2, sent.size());
        assertEquals(sent.get(0), sent.get(1));
    }

    @Test
    void successForAnotherIdentifierIsIgnored() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.SUCCESS, 2, AUTH_RESPONSE));

        assertTrue(listener.results.isEmpty());
    }

    @Test
    void failureWithRetryOfferedIsReportedWithItsCode() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.FAILURE, 1,
                "E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=Try again"));

        AuthResult.Failure f = listener.failure();
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, f.reason());
        assertEquals(OptionalInt.of(691), f.msChapError());
        assertEquals(1, sent.size(), "no retry with the same password");
    }

    /**
     * The server's text goes into the dial-out's log line, its event log row and `homerouter
     * status`: a newline in it would forge a line of its own, an escape sequence would act on the
     * administrator's terminal (OSC 52 writes the clipboard), and its length is the server's.
     */
    @Test
    void theServersFailureTextCannotForgeALineNorReachTheTerminalRaw() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.FAILURE, 1, "E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=no\n"
                + "2026-12-05 06:00:00.000 [INFO] DialOut - site-to-site: up\u001b]52;c;cm0gLXJmIH4=\u0007"
                + "x".repeat(1000)));

        String message = listener.failure().message();
        assertTrue(message.contains("M=no") || message.contains(": no\\u000a2026-12-05"), message);
        assertFalse(message.contains("\n") || message.contains("\u001b") || message.contains("\u0007"), message);
        assertTrue(message.length() < 400, "the server chooses how long: " + message.length());
    }

    @Test
    void failure649IsReportedAsDisabledAccount() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.FAILURE, 1, "E=649 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M="));

        assertEquals(AuthFailureReason.ACCOUNT_DISABLED, listener.failure().reason());
    }

    /** E=646: refused for the time of day, which a later attempt may get past; not a disabled account. */
    @Test
    void failure646IsReportedAsOutsideTheLogonHours() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.FAILURE, 1, "E=646 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Hours"));

        assertEquals(AuthFailureReason.RESTRICTED_HOURS_646, listener.failure().reason());
    }

    /** A router like this one refusing for its per-user session limit: a 649 a later attempt may get past. */
    @Test
    void failure649ForTooManySessionsIsReportedAsTheSessionLimit() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.FAILURE, 1, "E=649 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M="
                + MsChapV2Authenticator.TOO_MANY_SESSIONS));

        assertEquals(AuthFailureReason.SESSION_LIMIT, listener.failure().reason());
    }

    /**
     * A router like this one refusing an account that logged in too often lately: a 649 that waiting
     * mends. Read as any other 649 (a disabled account), the dial-out stopped for good.
     */
    @Test
    void failure649ForTooManyLoginsIsReportedAsTheLoginRate() {
        peer.start();
        peer.receive(challenge(1, AUTH_CHALLENGE));
        peer.receive(status(ChapStatusPacket.FAILURE, 1, "E=649 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M="
                + MsChapV2Authenticator.TOO_MANY_LOGINS));

        assertEquals(AuthFailureReason.LOGIN_RATE, listener.failure().reason());
    }

    @Test
    void challengeOfTheWrongSizeIsAProtocolError() {
        peer.start();
        peer.receive(challenge(1, new byte[8]));

        assertEquals(AuthFailureReason.PROTOCOL_ERROR, listener.failure().reason());
        assertTrue(sent.isEmpty());
    }

    @Test
    void silentAuthenticatorTimesOut() {
        peer.start();
        assertEquals(OptionalLong.of(Duration.ofSeconds(30).toNanos()), peer.deadline());
        clock.advance(Duration.ofSeconds(30));
        peer.poll();

        assertEquals(AuthFailureReason.TIMEOUT, listener.failure().reason());
    }
}
