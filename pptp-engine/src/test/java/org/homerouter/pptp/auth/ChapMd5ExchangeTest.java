package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;

/** CHAP-MD5 authenticator and peer against hand-made packets. */
class ChapMd5ExchangeTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    // /work/shared/vectors/README.md, RFC 1994: id 01, secret "secret", challenge 00..0F.
    private static final byte[] CHALLENGE = HEX.parseHex("000102030405060708090A0B0C0D0E0F");
    private static final byte[] RESPONSE = HEX.parseHex("740E86463BDA3A4D7017D6E0FBA0699D");
    private static final AuthPolicy POLICY = AuthPolicy.DEFAULT.withMethods(AuthMethod.CHAP_MD5);

    private final ManualClock clock = new ManualClock();
    private final List<ControlPacket> sent = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();
    private final InMemoryUserDirectory users =
            new InMemoryUserDirectory(PppUser.withCleartextPassword("user", "secret"));

    private ChapMd5Authenticator authenticator() {
        return new ChapMd5Authenticator(POLICY, users, "router", clock, new ScriptedRandom(CHALLENGE), sent::add,
                listener);
    }

    private static ControlPacket response(int id, byte[] value) {
        return ChapValuePacket.response(id, value, "user".getBytes(StandardCharsets.US_ASCII)).toPacket();
    }

    @Test
    void knownAnswerResponseIsAccepted() {
        ChapMd5Authenticator a = authenticator();
        a.start();
        ChapValuePacket challenge = ChapValuePacket.decode(sent.getFirst()).orElseThrow();
        assertEquals(1, challenge.identifier());
        assertArrayEquals(CHALLENGE, challenge.value());

        a.receive(response(1, RESPONSE));

        assertEquals(new ChapStatusPacket(true, 1, "Access granted".getBytes(StandardCharsets.US_ASCII)).toPacket(),
                sent.get(1));
        assertEquals("user", listener.success().userName());
        assertTrue(listener.success().keyMaterial().isEmpty());
    }

    @Test
    void wrongResponseFailsAndARepeatGetsTheSameFailure() {
        ChapMd5Authenticator a = authenticator();
        a.start();
        byte[] wrong = RESPONSE.clone();
        wrong[15] ^= 1;
        a.receive(response(1, wrong));
        a.receive(response(1, RESPONSE));

        assertEquals(ChapStatusPacket.FAILURE, sent.get(1).code());
        assertEquals(sent.get(1), sent.get(2));
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, listener.failure().reason());
    }

    /** The Failure's Message (pppd logs it) says why only once the password proved right. */
    @Test
    void aDisabledAccountWithTheRightPasswordIsToldSo() {
        users.put(PppUser.withCleartextPassword("user", "secret").withEnabled(false));
        ChapMd5Authenticator a = authenticator();
        a.start();
        a.receive(response(1, RESPONSE));

        assertEquals(new ChapStatusPacket(false, 1, "Account disabled".getBytes(StandardCharsets.US_ASCII)).toPacket(),
                sent.get(1));
        assertEquals(AuthFailureReason.ACCOUNT_DISABLED, listener.failure().reason());
    }

    @Test
    void aDisabledAccountWithAWrongPasswordHearsWhatAnUnknownNameHears() {
        users.put(PppUser.withCleartextPassword("user", "secret").withEnabled(false));
        ChapMd5Authenticator a = authenticator();
        a.start();
        byte[] wrong = RESPONSE.clone();
        wrong[15] ^= 1;
        a.receive(response(1, wrong));

        ChapMd5Authenticator b = new ChapMd5Authenticator(POLICY, users, "router", clock,
                new ScriptedRandom(CHALLENGE), sent::add, new RecordingListener());
        b.start();
        b.receive(ChapValuePacket.response(1, RESPONSE, "nobody".getBytes(StandardCharsets.US_ASCII)).toPacket());

        assertEquals(new ChapStatusPacket(false, 1, "Access denied".getBytes(StandardCharsets.US_ASCII)).toPacket(),
                sent.get(1));
        assertEquals(sent.get(1), sent.get(3), "the peer cannot tell the two apart");
    }

    @Test
    void anAccountHoldingAllItsSessionsIsToldSo() {
        UserDirectory full = new AllSessionsTaken(users);
        ChapMd5Authenticator a = new ChapMd5Authenticator(POLICY, full, "router", clock, new ScriptedRandom(CHALLENGE),
                sent::add, listener);
        a.start();
        a.receive(response(1, RESPONSE));

        assertEquals(new ChapStatusPacket(false, 1,
                "Too many sessions for this account".getBytes(StandardCharsets.US_ASCII)).toPacket(), sent.get(1));
        assertEquals(AuthFailureReason.SESSION_LIMIT, listener.failure().reason());
    }

    @Test
    void challengeIsResentOnTimeoutAndTheExchangeGivesUpAfterTen() {
        ChapMd5Authenticator a = authenticator();
        a.start();
        for (int i = 1; i < 10; i++) {
            clock.advance(Duration.ofSeconds(3));
            a.poll();
            assertEquals(i + 1, sent.size());
        }
        assertTrue(sent.stream().allMatch(sent.getFirst()::equals));
        clock.advance(Duration.ofSeconds(3));
        a.poll();

        assertEquals(10, sent.size());
        assertEquals(AuthFailureReason.TIMEOUT, listener.failure().reason());
    }

    @Test
    void peerAnswersTheKnownAnswerChallenge() {
        ChapMd5Peer peer = new ChapMd5Peer(POLICY, new PeerCredentials("user", "secret"), clock, sent::add, listener);
        peer.start();
        peer.receive(ChapValuePacket.challenge(1, CHALLENGE, "router".getBytes(StandardCharsets.US_ASCII)).toPacket());

        assertEquals(response(1, RESPONSE), sent.getFirst());
        peer.receive(new ControlPacket(ChapStatusPacket.SUCCESS, 1, new byte[0]));
        assertEquals("user", listener.success().userName());
    }

    @Test
    void peerTakesANewChallengeAsANewQuestion() {
        ChapMd5Peer peer = new ChapMd5Peer(POLICY, new PeerCredentials("user", "secret"), clock, sent::add, listener);
        peer.start();
        byte[] name = "router".getBytes(StandardCharsets.US_ASCII);
        peer.receive(ChapValuePacket.challenge(1, CHALLENGE, name).toPacket());
        peer.receive(ChapValuePacket.challenge(2, CHALLENGE, name).toPacket());

        // The Identifier is hashed too (RFC 1994 §4.1), so the second answer differs from the first.
        assertArrayEquals(RESPONSE, ChapValuePacket.decode(sent.get(0)).orElseThrow().value());
        assertArrayEquals(ChapMd5.response(2, "secret".getBytes(StandardCharsets.US_ASCII), CHALLENGE),
                ChapValuePacket.decode(sent.get(1)).orElseThrow().value());
        // A Failure for the first, superseded Identifier is not ours any more.
        peer.receive(new ControlPacket(ChapStatusPacket.FAILURE, 1, new byte[0]));
        assertTrue(listener.results.isEmpty());
        peer.receive(new ControlPacket(ChapStatusPacket.SUCCESS, 2, new byte[0]));
        assertTrue(listener.only().succeeded());
    }
}
