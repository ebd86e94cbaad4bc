package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.bouncycastle.crypto.digests.MD4Digest;
import org.homerouter.pptp.LogCapture;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;

/** The MS-CHAPv2 authenticator driven packet by packet, as a Windows client would. */
class MsChapV2AuthenticatorTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    // RFC 2759 §9.2 (see /work/shared/vectors/README.md)
    private static final byte[] AUTH_CHALLENGE = HEX.parseHex("5B5D7C7D7B3F2F3E3C2C602132262628");
    private static final byte[] PEER_CHALLENGE = HEX.parseHex("21402324255E262A28295F2B3A337C7E");
    private static final byte[] NT_RESPONSE = HEX.parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    private static final String AUTH_RESPONSE = "S=407A5589115FD0D6209F510FE9C04566932CDA56";
    private static final byte[] PASSWORD_HASH_HASH = HEX.parseHex("41C00C584BD2D91C4017A2A12FA59F3F");
    private static final byte[] USER = "User".getBytes(StandardCharsets.US_ASCII);

    private final ManualClock clock = new ManualClock();
    private final List<ControlPacket> sent = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();
    private final InMemoryUserDirectory users = new InMemoryUserDirectory(PppUser.withPassword("User", "clientPass"));

    private MsChapV2Authenticator authenticator(AuthPolicy policy, byte[]... challenges) {
        return new MsChapV2Authenticator(policy, users, "router", clock, new ScriptedRandom(challenges),
                sent::add, listener);
    }

    /** A Response to this challenge as a peer knowing {@code password} would build it. */
    private static ControlPacket response(int id, byte[] challenge, String user, String password) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        byte[] nt = MsChapV2.generateNtResponse(challenge, PEER_CHALLENGE, name, password);
        return ChapValuePacket.response(id, MsChapV2Response.of(PEER_CHALLENGE, nt).encode(), name).toPacket();
    }

    private static MsChapV2Failure failureIn(ControlPacket packet) {
        assertEquals(ChapStatusPacket.FAILURE, packet.code());
        byte[] m = packet.data();
        return MsChapV2Failure.decode(m, 0, m.length);
    }

    @Test
    void rfc2759Section92ResponseIsAcceptedAndSuccessCarriesTheRfcAuthenticatorResponse() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();

        ChapValuePacket challenge = ChapValuePacket.decode(sent.getFirst()).orElseThrow();
        assertEquals(ChapValuePacket.CHALLENGE, challenge.code());
        assertArrayEquals(AUTH_CHALLENGE, challenge.value());
        assertEquals("router", challenge.nameText());

        a.receive(ChapValuePacket.response(challenge.identifier(),
                MsChapV2Response.of(PEER_CHALLENGE, NT_RESPONSE).encode(), USER).toPacket());

        ControlPacket reply = sent.get(1);
        assertEquals(ChapStatusPacket.SUCCESS, reply.code());
        assertEquals(challenge.identifier(), reply.identifier());
        byte[] m = reply.data();
        assertEquals(AUTH_RESPONSE, MsChapV2Success.decode(m, 0, m.length).authenticatorResponse());
        assertEquals(AUTH_RESPONSE + " M=Access granted", new String(m, StandardCharsets.UTF_8));

        AuthResult.Success s = listener.success();
        assertEquals("User", s.userName());
        MppeKeyMaterial keys = s.keyMaterial().orElseThrow();
        assertArrayEquals(PASSWORD_HASH_HASH, keys.passwordHashHash());
        assertArrayEquals(NT_RESPONSE, keys.ntResponse());
        assertTrue(a.deadline().isEmpty(), "no timer runs after the result");
    }

    @Test
    void wrongPasswordWithOneAttemptAllowedGets691WithoutRetry() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        a.receive(response(1, AUTH_CHALLENGE, "User", "clientpass"));

        MsChapV2Failure f = failureIn(sent.get(1));
        assertEquals(1, sent.get(1).identifier());
        assertEquals(691, f.errorCode());
        assertFalse(f.retryAllowed());
        assertEquals(16, f.challenge().length, "C= is present even without retry (RFC 2759 §6)");
        assertEquals(3, f.version());
        AuthResult.Failure result = listener.failure();
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, result.reason());
        assertEquals(OptionalInt.of(691), result.msChapError());

        // A later try, even with the right password, is not judged.
        a.receive(response(2, f.challenge(), "User", "clientPass"));
        assertEquals(2, sent.size());
        assertEquals(1, listener.results.size());
    }

    @Test
    void retryPolicyOffersNewChallengesWithR1UntilTheLastAttemptGetsR0() {
        byte[] second = HEX.parseHex("00112233445566778899AABBCCDDEEFF");
        byte[] third = HEX.parseHex("FFEEDDCCBBAA99887766554433221100");
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT.withMaxAttempts(3), AUTH_CHALLENGE, second, third);
        a.start();

        try (LogCapture log = LogCapture.start()) {
            a.receive(response(1, AUTH_CHALLENGE, "User", "guess1"));
            // Anyone can cause it, and the exchange names no session: the session logs the login's end.
            assertEquals(List.of("DEBUG MS-CHAPv2: attempt 1 of 3 failed for User: wrong password; peer may retry"),
                    log.lines());
        }
        MsChapV2Failure f1 = failureIn(sent.get(1));
        assertTrue(f1.retryAllowed());
        assertArrayEquals(second, f1.challenge());
        assertTrue(listener.results.isEmpty(), "not over while attempts remain");

        a.receive(response(2, second, "User", "guess2"));
        MsChapV2Failure f2 = failureIn(sent.get(2));
        assertEquals(2, sent.get(2).identifier());
        assertTrue(f2.retryAllowed());
        assertArrayEquals(third, f2.challenge());

        a.receive(response(3, third, "User", "guess3"));
        MsChapV2Failure f3 = failureIn(sent.get(3));
        assertEquals(691, f3.errorCode());
        assertFalse(f3.retryAllowed());
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, listener.failure().reason());
    }

    @Test
    void retryWithTheRightPasswordAgainstTheNewChallengeSucceeds() {
        byte[] second = HEX.parseHex("00112233445566778899AABBCCDDEEFF");
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT.withMaxAttempts(2), AUTH_CHALLENGE, second);
        a.start();
        assertFalse(a.peerAnswered());
        a.receive(response(1, AUTH_CHALLENGE, "User", "typo"));
        assertEquals(a.deadline(), OptionalLong.of(Duration.ofSeconds(30).toNanos()),
                "after R=1 only the overall timeout runs: the user may be typing");
        assertTrue(a.peerAnswered(), "a login waiting for a retyped password has answered (PppSessions spares it)");

        // A Response to the old challenge is the peer repeating itself: same Failure again.
        a.receive(response(1, AUTH_CHALLENGE, "User", "typo"));
        assertEquals(sent.get(1), sent.get(2));

        a.receive(response(2, second, "User", "clientPass"));
        ControlPacket reply = sent.getLast();
        assertEquals(ChapStatusPacket.SUCCESS, reply.code());
        assertEquals(2, reply.identifier());
        assertEquals("User", listener.success().userName());
    }

    /**
     * The RFC 2759 §9.2 Response, sent as "User", logs in to the account "user": the challenge hash
     * takes the name as sent (§8.2), so the NT-Response verifies and the Success carries the RFC's
     * authenticator response, and the result names the account. Before, the lookup matched case
     * exactly: 691, "no such user".
     */
    @Test
    void aNameSentInAnotherCaseLogsInToTheAccountWithTheRfcComputationOverTheNameAsSent() {
        users.remove("User");
        users.put(PppUser.withPassword("user", "clientPass"));
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        a.receive(ChapValuePacket.response(1, MsChapV2Response.of(PEER_CHALLENGE, NT_RESPONSE).encode(), USER).toPacket());

        byte[] m = sent.get(1).data();
        assertEquals(ChapStatusPacket.SUCCESS, sent.get(1).code());
        assertEquals(AUTH_RESPONSE, MsChapV2Success.decode(m, 0, m.length).authenticatorResponse());
        AuthResult.Success s = listener.success();
        assertEquals("user", s.userName(), "the account's own name");
        assertArrayEquals(NT_RESPONSE, s.keyMaterial().orElseThrow().ntResponse());
    }

    @Test
    void aNameSentInCapitalsLogsInToTheAccount() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        a.receive(response(1, AUTH_CHALLENGE, "USER", "clientPass"));
        assertEquals(ChapStatusPacket.SUCCESS, sent.get(1).code());
        assertEquals("User", listener.success().userName());
    }

    /**
     * The accounts cannot be read: a failure of its own kind (the router's, not a wrong name), and
     * final, with no retry offered, even where the policy allows retries.
     */
    @Test
    void unreadableAccountsEndTheLoginAsTheRoutersFailureWithoutRetry() {
        MsChapV2Authenticator a = new MsChapV2Authenticator(AuthPolicy.DEFAULT.withMaxAttempts(3), name -> {
            throw new UserDirectory.Unreadable("reading the VPN users from the database failed: disk I/O error", null);
        }, "router", clock, new ScriptedRandom(AUTH_CHALLENGE), sent::add, listener);
        a.start();
        a.receive(response(1, AUTH_CHALLENGE, "User", "clientPass"));

        MsChapV2Failure f = failureIn(sent.get(1));
        assertEquals(691, f.errorCode());
        assertFalse(f.retryAllowed());
        AuthResult.Failure result = listener.failure();
        assertEquals(AuthFailureReason.ACCOUNTS_UNREADABLE, result.reason());
        assertTrue(result.message().contains("disk I/O error"), result.message());
    }

    @Test
    void unknownUserGetsExactlyTheBadPasswordAnswer() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        a.receive(response(1, AUTH_CHALLENGE, "Nobody", "clientPass"));

        MsChapV2Failure f = failureIn(sent.get(1));
        assertEquals(691, f.errorCode());
        assertEquals("Authentication failed", f.message());
        assertEquals(AuthFailureReason.UNKNOWN_USER, listener.failure().reason());
    }

    /**
     * E=647 (ERROR_ACCT_DISABLED): Windows says "the account is disabled". A 649 sent the user
     * looking for a dial-in permission, and was the same answer as the session limit.
     */
    @Test
    void disabledAccountWithTheRightPasswordGets647AndNoRetry() {
        users.put(PppUser.withPassword("User", "clientPass").withEnabled(false));
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT.withMaxAttempts(3), AUTH_CHALLENGE);
        a.start();
        a.receive(response(1, AUTH_CHALLENGE, "User", "clientPass"));

        MsChapV2Failure f = failureIn(sent.get(1));
        assertEquals(647, f.errorCode());
        assertEquals("Account disabled", f.message());
        assertFalse(f.retryAllowed());
        AuthResult.Failure result = listener.failure();
        assertEquals(AuthFailureReason.ACCOUNT_DISABLED, result.reason());
        assertEquals(OptionalInt.of(647), result.msChapError());
    }

    @Test
    void disabledAccountWithAWrongPasswordGetsAPlain691() {
        users.put(PppUser.withPassword("User", "clientPass").withEnabled(false));
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        a.receive(response(1, AUTH_CHALLENGE, "User", "wrong"));

        assertEquals(691, failureIn(sent.get(1)).errorCode());
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, listener.failure().reason());
    }

    @Test
    void duplicateResponseAfterSuccessIsAnsweredWithTheIdenticalSuccess() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        ControlPacket response = response(1, AUTH_CHALLENGE, "User", "clientPass");
        a.receive(response);
        a.receive(response);
        a.receive(response);

        assertEquals(4, sent.size());
        assertEquals(ChapStatusPacket.SUCCESS, sent.get(1).code());
        assertEquals(sent.get(1), sent.get(2));
        assertEquals(sent.get(1), sent.get(3));
        assertEquals(1, listener.results.size());
    }

    @Test
    void duplicateResponseAfterFinalFailureIsAnsweredWithTheIdenticalFailure() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        a.receive(response(1, AUTH_CHALLENGE, "User", "wrong"));
        // RFC 1994 §4.1: the same reply Code, even if this copy happened to be right.
        a.receive(response(1, AUTH_CHALLENGE, "User", "clientPass"));

        assertEquals(sent.get(1), sent.get(2));
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, listener.failure().reason());
    }

    @Test
    void responseWithAnotherIdentifierIsStaleAndIgnored() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        a.receive(response(9, AUTH_CHALLENGE, "User", "clientPass"));
        a.receive(new ControlPacket(ChapStatusPacket.SUCCESS, 1, new byte[0]));

        assertEquals(1, sent.size());
        assertTrue(listener.results.isEmpty());
        assertFalse(a.peerAnswered(), "a stale Response is no answer");
        a.receive(response(1, AUTH_CHALLENGE, "User", "clientPass"));
        assertTrue(listener.only().succeeded());
    }

    @Test
    void lostChallengeIsResentUnchangedEveryThreeSecondsAndAResponseToTheCopySucceeds() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        assertEquals(OptionalLong.of(Duration.ofSeconds(3).toNanos()), a.deadline());

        clock.advance(Duration.ofMillis(2999));
        a.poll();
        assertEquals(1, sent.size(), "not yet");
        clock.advanceMillis(1);
        a.poll();
        assertEquals(2, sent.size());
        assertEquals(sent.get(0), sent.get(1), "same Identifier, same Value");

        a.receive(response(1, AUTH_CHALLENGE, "User", "clientPass"));
        assertTrue(listener.only().succeeded());
    }

    @Test
    void silentPeerGetsTenChallengesThenTheExchangeTimesOut() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT.withOverallTimeout(Duration.ofMinutes(2)),
                AUTH_CHALLENGE);
        a.start();
        while (a.deadline().isPresent()) {
            clock.advance(Duration.ofNanos(a.deadline().getAsLong() - clock.nanos()));
            a.poll();
        }

        assertEquals(10, sent.size());
        assertTrue(sent.stream().allMatch(sent.getFirst()::equals));
        assertEquals(Duration.ofSeconds(30), Duration.ofNanos(clock.nanos()));
        assertEquals(AuthFailureReason.TIMEOUT, listener.failure().reason());
        a.receive(response(1, AUTH_CHALLENGE, "User", "clientPass"));
        assertEquals(10, sent.size(), "a Response after giving up is not answered");
    }

    @Test
    void overallTimeoutEndsAnExchangeThePeerStoppedAnswering() {
        byte[] second = HEX.parseHex("00112233445566778899AABBCCDDEEFF");
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT.withMaxAttempts(3), AUTH_CHALLENGE, second);
        a.start();
        clock.advance(Duration.ofSeconds(1));
        a.receive(response(1, AUTH_CHALLENGE, "User", "typo"));

        clock.advance(Duration.ofMillis(28_999));
        a.poll();
        assertTrue(listener.results.isEmpty());
        clock.advanceMillis(1);
        a.poll();
        assertEquals(AuthFailureReason.TIMEOUT, listener.failure().reason());
        assertTrue(a.deadline().isEmpty());

        // Too late now: the retry is not judged, and no Success goes out after a reported timeout.
        int before = sent.size();
        a.receive(response(2, second, "User", "clientPass"));
        assertEquals(1, listener.results.size());
        assertEquals(before, sent.size());
    }

    @Test
    void responseOfTheWrongSizeIsAProtocolError() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT.withMaxAttempts(3), AUTH_CHALLENGE);
        a.start();
        byte[] md5Sized = ChapMd5.response(1, "clientPass".getBytes(StandardCharsets.UTF_8), AUTH_CHALLENGE);
        a.receive(ChapValuePacket.response(1, md5Sized, USER).toPacket());

        assertFalse(failureIn(sent.get(1)).retryAllowed());
        assertEquals(AuthFailureReason.PROTOCOL_ERROR, listener.failure().reason());
    }

    @Test
    void truncatedResponseIsDiscardedAndTheChallengeStillStands() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        // Value-Size 49 but only 10 octets follow.
        byte[] data = new byte[11];
        data[0] = 49;
        a.receive(new ControlPacket(ChapValuePacket.RESPONSE, 1, data));

        assertEquals(1, sent.size());
        assertTrue(listener.results.isEmpty());
        a.receive(response(1, AUTH_CHALLENGE, "User", "clientPass"));
        assertTrue(listener.only().succeeded());
    }

    @Test
    void everyFinalFailureCarriesAFreshChallengeNotTheOneAnswered() {
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        a.receive(response(1, AUTH_CHALLENGE, "User", "wrong"));

        assertNotEquals(HEX.formatHex(AUTH_CHALLENGE), HEX.formatHex(failureIn(sent.get(1)).challenge()));
    }
    private static final String BEYOND_ASCII = "Grüße-2024!";

    /**
     * The NT hash as pppd computes it (chap_ms.c ascii2unicode, then MD4): each octet of the UTF-8
     * password widened to 16 bits, worked out here by hand rather than through the code under test.
     */
    private static byte[] pppdNtHash(String password) {
        byte[] utf8 = password.getBytes(StandardCharsets.UTF_8);
        byte[] widened = new byte[utf8.length * 2];
        for (int i = 0; i < utf8.length; i++) {
            widened[2 * i] = utf8[i];
        }
        MD4Digest md4 = new MD4Digest();
        md4.update(widened, 0, widened.length);
        byte[] out = new byte[16];
        md4.doFinal(out, 0);
        return out;
    }

    /** A Response as pppd (Linux, Android up to 11, old macOS) builds it for {@code password}. */
    private static ControlPacket pppdResponse(int id, byte[] challenge, String user, String password) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        byte[] nt = MsChapV2.generateNtResponseFromHash(challenge, PEER_CHALLENGE, name, pppdNtHash(password));
        return ChapValuePacket.response(id, MsChapV2Response.of(PEER_CHALLENGE, nt).encode(), name).toPacket();
    }

    /**
     * A password beyond ASCII from a pppd-based client logs in: the Success carries the
     * authenticator response pppd checks with its own hash (RFC 2759 §8.8), and the MPPE keys come
     * from that hash (RFC 3079 §3), as pppd derives them. Before, the Response was checked against
     * Windows' hash only: 691, "wrong password", on every Linux and Android client.
     */
    @Test
    void aPppdClientsResponseToAPasswordBeyondAsciiLogsInWithTheKeysPppdDerives() {
        users.put(PppUser.withPassword("carol", BEYOND_ASCII));
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        ControlPacket response = pppdResponse(1, AUTH_CHALLENGE, "carol", BEYOND_ASCII);
        a.receive(response);

        assertEquals(ChapStatusPacket.SUCCESS, sent.get(1).code());
        byte[] m = sent.get(1).data();
        byte[] nt = MsChapV2Response.decode(ChapValuePacket.decode(response).orElseThrow().value(), 0, 49).ntResponse();
        assertTrue(MsChapV2.checkAuthenticatorResponseFromHash(pppdNtHash(BEYOND_ASCII), nt, PEER_CHALLENGE,
                AUTH_CHALLENGE, "carol".getBytes(StandardCharsets.UTF_8),
                MsChapV2Success.decode(m, 0, m.length).authenticatorResponse()), "pppd takes the router's proof");
        AuthResult.Success s = listener.success();
        assertEquals("carol", s.userName());
        assertEquals(MppeKeyMaterial.of(pppdNtHash(BEYOND_ASCII), nt), s.keyMaterial().orElseThrow());
    }

    @Test
    void windowsResponseToAPasswordBeyondAsciiStillLogsInWithTheKeysOfItsHash() {
        users.put(PppUser.withPassword("carol", BEYOND_ASCII));
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
        a.start();
        ControlPacket response = response(1, AUTH_CHALLENGE, "carol", BEYOND_ASCII);
        a.receive(response);

        assertEquals(ChapStatusPacket.SUCCESS, sent.get(1).code());
        byte[] nt = MsChapV2Response.decode(ChapValuePacket.decode(response).orElseThrow().value(), 0, 49).ntResponse();
        assertEquals(MppeKeyMaterial.of(NtPasswordHash.of(BEYOND_ASCII), nt),
                listener.success().keyMaterial().orElseThrow());
    }

    @Test
    void aWrongPasswordBeyondAsciiFailsFromEitherKindOfClient() {
        users.put(PppUser.withPassword("carol", BEYOND_ASCII));
        byte[] second = HEX.parseHex("00112233445566778899AABBCCDDEEFF");
        MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT.withMaxAttempts(2), AUTH_CHALLENGE, second);
        a.start();
        a.receive(pppdResponse(1, AUTH_CHALLENGE, "carol", "Grüsse-2024!"));
        assertEquals(691, failureIn(sent.get(1)).errorCode());
        a.receive(response(2, second, "carol", "Grüsse-2024!"));
        assertEquals(691, failureIn(sent.get(2)).errorCode());
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, listener.failure().reason());
    }

    /**
     * A refusal costs as many NT-Response checks whoever asks: an unknown name, an account with a
     * password of plain ASCII (no octet-wise hash), one beyond ASCII, one with a previous password.
     * A guesser timing the Failures learns neither which names exist nor which passwords go beyond
     * ASCII.
     */
    @Test
    void everyRefusalChecksAsManyHashes() {
        users.put(PppUser.withPassword("carol", BEYOND_ASCII));
        users.put(PppUser.withPassword("dave", "plain ascii").withPreviousNtHash(NtPasswordHash.of("old")));
        List<Integer> counts = new ArrayList<>();
        for (String name : List.of("Nobody", "User", "carol", "dave")) {
            MsChapV2Authenticator a = authenticator(AuthPolicy.DEFAULT, AUTH_CHALLENGE);
            a.start();
            a.receive(response(1, AUTH_CHALLENGE, name, "a guess"));
            counts.add(a.verifications());
        }
        assertEquals(List.of(3, 3, 3, 3), counts, "unknown, ASCII, beyond ASCII, with a previous password");
    }
}
