package org.homerouter.pptp.auth;

import static org.homerouter.pptp.auth.AuthLink.Side.AUTHENTICATOR;
import static org.homerouter.pptp.auth.AuthLink.Side.PEER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our client logged in, then challenged again by the authenticator in the Network phase (RFC 1994
 * §3), as accel-ppp with {@code [auth] interval} and pppd with {@code chap-interval} do. Each later
 * exchange is run by a fresh authenticator of ours (the server's own code judging the Responses),
 * on the same link and the same peer exchange, with another first Identifier.
 */
class ChapPeerReauthenticationTest {
    private static final AuthPolicy CHAP = AuthPolicy.DEFAULT.withMethods(AuthMethod.MSCHAP_V2, AuthMethod.CHAP_MD5);

    private final ManualClock clock = new ManualClock();
    private final AuthLink link = new AuthLink();
    private final Authentication auth = new Authentication(CHAP, clock, new ScriptedRandom());
    private final RecordingListener client = new RecordingListener();
    private final InMemoryUserDirectory users = new InMemoryUserDirectory(
            PppUser.withCleartextPassword("alice", "correct horse"));
    private AuthExchange peer;

    /** Logs alice in with {@code method}; returns the first result the client was told. */
    private AuthResult.Success loggedIn(AuthMethod method) {
        RecordingListener server = new RecordingListener();
        peer = auth.peer(method, new PeerCredentials("alice", "correct horse"), link.from(PEER), client);
        link.connect(auth.authenticator(method, users, "router", link.from(AUTHENTICATOR), server, 1), peer);
        link.run(clock, Duration.ofMinutes(1));
        server.success();
        return client.success();
    }

    /** The authenticator challenges again, with Challenge Identifier {@code id}, checking against {@code directory}. */
    private RecordingListener challengedAgain(AuthMethod method, UserDirectory directory, int id) {
        RecordingListener server = new RecordingListener();
        AuthExchange again = auth.authenticator(method, directory, "router", link.from(AUTHENTICATOR), server, id);
        link.connect(again, peer);
        again.start();
        link.runTimers(clock, Duration.ofMinutes(1));
        return server;
    }

    private List<ControlPacket> responses() {
        return link.sentBy(PEER).stream().filter(p -> p.code() == ChapValuePacket.RESPONSE).toList();
    }

    @ParameterizedTest
    @EnumSource(value = AuthMethod.class, names = {"CHAP_MD5", "MSCHAP_V2"})
    void aNewChallengeAfterTheLoginGetsAFreshResponseThatTheServerAccepts(AuthMethod method) {
        AuthResult.Success first = loggedIn(method);

        RecordingListener server = challengedAgain(method, users, 65);
        assertEquals("alice", server.success().userName(), "the authenticator's own check accepted the new Response");
        List<ControlPacket> responses = responses();
        assertEquals(2, responses.size());
        assertEquals(65, responses.get(1).identifier());
        if (method == AuthMethod.MSCHAP_V2) {
            // RFC 2759 §4: a new Peer-Challenge, so a new NT-Response; its S= checked the server again.
            assertNotEquals(ntResponse(responses.get(0)), ntResponse(responses.get(1)));
        }
        assertSame(first, client.only(), "the login is told once: the session's keys and network phase stay");
        assertTrue(peer.deadline().isEmpty());

        // Another one later: answered as well.
        challengedAgain(method, users, 129).success();
        assertSame(first, client.only());
    }

    private static String ntResponse(ControlPacket response) {
        byte[] value = ChapValuePacket.decode(response).orElseThrow().value();
        return java.util.HexFormat.of().formatHex(MsChapV2Response.decode(value, 0, value.length).ntResponse());
    }

    /** Our Response, or the server's Success, was lost: the Challenge comes again and gets the very same Response. */
    @ParameterizedTest
    @EnumSource(value = AuthMethod.class, names = {"CHAP_MD5", "MSCHAP_V2"})
    void aResentChallengeAfterTheLoginGetsTheSameResponseAgain(AuthMethod method) {
        AuthResult.Success first = loggedIn(method);

        link.dropNext(PEER, 1);
        RecordingListener server = challengedAgain(method, users, 65);
        server.success();
        List<ControlPacket> responses = responses();
        assertEquals(3, responses.size(), "answered twice: " + responses);
        assertEquals(responses.get(1), responses.get(2));
        assertSame(first, client.only());
    }

    @ParameterizedTest
    @EnumSource(value = AuthMethod.class, names = {"CHAP_MD5", "MSCHAP_V2"})
    void aFailureAfterTheLoginIsToldOnceMoreWithTheServersWordsAndNothingIsAnsweredAfter(AuthMethod method) {
        loggedIn(method);

        // The password was changed on the server meanwhile.
        InMemoryUserDirectory changed = new InMemoryUserDirectory(PppUser.withCleartextPassword("alice", "battery staple"));
        challengedAgain(method, changed, 65);
        assertEquals(2, client.results.size(), client.results.toString());
        AuthResult.Failure f = assertInstanceOf(AuthResult.Failure.class, client.results.get(1));
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, f.reason());
        assertTrue(f.message().startsWith("on a new Challenge after the login: authenticator refused"), f.message());
        assertTrue(f.message().contains(RefusalText.of(AuthFailureReason.BAD_PASSWORD_691))
                || f.message().contains("Authentication failed"), f.message());
        if (method == AuthMethod.MSCHAP_V2) {
            assertEquals(OptionalInt.of(691), f.msChapError());
        }

        int answered = responses().size();
        challengedAgain(method, users, 129);
        assertEquals(answered, responses().size(), "the link is ending: nothing more is answered");
        assertEquals(2, client.results.size());
    }

    /** RFC 2759 §8.8: a wrong authenticator response ends the session, after the login as at it. */
    @Test
    void aWrongAuthenticatorResponseAfterTheLoginIsToldAsNotVerified() {
        loggedIn(AuthMethod.MSCHAP_V2);

        link.forgeAuthenticatorResponses();
        challengedAgain(AuthMethod.MSCHAP_V2, users, 65).success();
        assertEquals(2, client.results.size(), client.results.toString());
        AuthResult.Failure f = assertInstanceOf(AuthResult.Failure.class, client.results.get(1));
        assertEquals(AuthFailureReason.AUTHENTICATOR_NOT_VERIFIED, f.reason());
        assertTrue(f.message().contains("S= is wrong"), f.message());
    }

    /** The Success to a later Response comes twice (it answered a repeated Response): taken once. */
    @Test
    void aRepeatedSuccessAfterTheLoginIsTakenOnce() {
        AuthResult.Success first = loggedIn(AuthMethod.MSCHAP_V2);
        challengedAgain(AuthMethod.MSCHAP_V2, users, 65).success();
        ControlPacket success = link.sentBy(AUTHENTICATOR).getLast();
        assertEquals(ChapStatusPacket.SUCCESS, success.code());

        // Forged into a wrong one the second time: a check made again would fail it.
        byte[] m = success.data();
        m[2] = (byte) (m[2] == '0' ? '1' : '0');
        peer.receive(new ControlPacket(success.code(), success.identifier(), m));
        assertSame(first, client.only());
    }
}
