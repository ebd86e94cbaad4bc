package org.homerouter.pptp.auth;

import static org.homerouter.pptp.auth.AuthLink.Side.AUTHENTICATOR;
import static org.homerouter.pptp.auth.AuthLink.Side.PEER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Our authenticator against our own peer, for every method, over an in-memory link. */
class AuthExchangePairTest {
    private static final AuthPolicy ALL = AuthPolicy.DEFAULT.withMethods(
            AuthMethod.MSCHAP_V2, AuthMethod.CHAP_MD5, AuthMethod.PAP);

    private final ManualClock clock = new ManualClock();
    private final AuthLink link = new AuthLink();
    private final RecordingListener server = new RecordingListener();
    private final RecordingListener client = new RecordingListener();
    private final InMemoryUserDirectory users = new InMemoryUserDirectory(
            PppUser.withCleartextPassword("alice", "correct horse"),
            PppUser.withCleartextPassword("bob", "b0b").withEnabled(false),
            PppUser.withPassword("carol", "hash only"));

    /** {@link #users}, every account of which holds as many sessions as it may. */
    private final UserDirectory allSessionsTaken = new AllSessionsTaken(users);

    private void connect(AuthPolicy policy, AuthMethod method, PeerCredentials credentials) {
        connect(policy, method, credentials, users);
    }

    private void connect(AuthPolicy policy, AuthMethod method, PeerCredentials credentials, UserDirectory users) {
        Authentication auth = new Authentication(policy, clock, new ScriptedRandom());
        AuthExchange a = auth.authenticator(method, users, "router", link.from(AUTHENTICATOR), server);
        AuthExchange p = auth.peer(method, credentials, link.from(PEER), client);
        link.connect(a, p);
        link.run(clock, Duration.ofMinutes(5));
    }

    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void rightPasswordSucceedsOnBothSides(AuthMethod method) {
        connect(ALL, method, new PeerCredentials("alice", "correct horse"));

        AuthResult.Success s = server.success();
        AuthResult.Success c = client.success();
        assertEquals("alice", s.userName());
        assertEquals("alice", c.userName());
        assertEquals(method, s.method());
        assertEquals(method, c.method());
        assertEquals(method == AuthMethod.MSCHAP_V2, s.keyMaterial().isPresent());
        assertEquals(s.keyMaterial(), c.keyMaterial());
    }

    @Test
    void msChapV2KeyMaterialIsTheSameOnBothSidesAndMatchesThePassword() {
        connect(AuthPolicy.DEFAULT, AuthMethod.MSCHAP_V2, new PeerCredentials("alice", "correct horse"));

        MppeKeyMaterial serverKeys = server.success().keyMaterial().orElseThrow();
        MppeKeyMaterial clientKeys = client.success().keyMaterial().orElseThrow();
        assertEquals(serverKeys, clientKeys);
        assertArrayEquals(NtPasswordHash.hashOf(NtPasswordHash.of("correct horse")), serverKeys.passwordHashHash());
        // The NT-Response the keys use is the one that travelled in the Response packet.
        ControlPacket response = link.sentBy(PEER).getFirst();
        byte[] value = ChapValuePacket.decode(response).orElseThrow().value();
        assertArrayEquals(MsChapV2Response.decode(value, 0, value.length).ntResponse(), serverKeys.ntResponse());
    }

    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void wrongPasswordFailsOnBothSides(AuthMethod method) {
        connect(ALL, method, new PeerCredentials("alice", "wrong"));

        AuthResult.Failure s = server.failure();
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, s.reason());
        assertEquals(Optional.of("alice"), s.userName());
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, client.failure().reason());
        OptionalInt expectedCode = method == AuthMethod.MSCHAP_V2 ? OptionalInt.of(691) : OptionalInt.empty();
        assertEquals(expectedCode, s.msChapError());
        assertEquals(expectedCode, client.failure().msChapError());
    }

    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void disabledAccountWithTheRightPasswordIsRefusedAsDisabled(AuthMethod method) {
        connect(ALL, method, new PeerCredentials("bob", "b0b"));

        assertEquals(AuthFailureReason.ACCOUNT_DISABLED, server.failure().reason());
        // Only MS-CHAPv2 can tell the peer why (E=647, ERROR_ACCT_DISABLED); a PAP Nak or CHAP
        // Failure just says no. A router like this one dialling out stops at it.
        assertEquals(method == AuthMethod.MSCHAP_V2 ? AuthFailureReason.ACCOUNT_DISABLED
                : AuthFailureReason.BAD_PASSWORD_691, client.failure().reason());
        assertEquals(method == AuthMethod.MSCHAP_V2 ? OptionalInt.of(647) : OptionalInt.empty(),
                client.failure().msChapError());
        assertTrue(client.failure().message().endsWith("Account disabled"), client.failure().message());
    }

    /**
     * The password from before the account's last change fails as a wrong one on the wire, but is
     * told apart for the router (a device not yet given the new password): MS-CHAPv2 and PAP, which
     * can check an NT hash. CHAP-MD5 keeps only the current cleartext secret.
     */
    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void thePasswordFromBeforeTheLastChangeIsToldApartForTheRouterOnly(AuthMethod method) {
        UserDirectory changed = name -> users.find(name)
                .map(u -> u.withPreviousNtHash(NtPasswordHash.of("old horse")));
        connect(ALL, method, new PeerCredentials("alice", "old horse"), changed);

        assertEquals(method == AuthMethod.CHAP_MD5 ? AuthFailureReason.BAD_PASSWORD_691
                : AuthFailureReason.PREVIOUS_PASSWORD, server.failure().reason());
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, client.failure().reason(), "the wire says 691 as for any");
    }

    /**
     * An account the directory refuses for now (its sessions are all taken) is refused as the
     * login's answer, never with a Success first; only after the password proved right, so a
     * guesser learns nothing of it.
     */
    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void anAccountRefusedForNowGetsNoSuccess(AuthMethod method) {
        connect(ALL, method, new PeerCredentials("alice", "correct horse"), allSessionsTaken);

        assertEquals(AuthFailureReason.SESSION_LIMIT, server.failure().reason());
        assertEquals("alice already has 8 sessions", server.failure().message());
        // A router like this one dialling out knows the 649 by its message: one a later attempt may get past.
        assertEquals(method == AuthMethod.MSCHAP_V2 ? AuthFailureReason.SESSION_LIMIT
                : AuthFailureReason.BAD_PASSWORD_691, client.failure().reason());
        assertTrue(client.failure().message().endsWith("Too many sessions for this account"),
                client.failure().message());
    }

    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void aWrongPasswordForAnAccountRefusedForNowIsJustAWrongPassword(AuthMethod method) {
        connect(ALL, method, new PeerCredentials("alice", "wrong"), allSessionsTaken);
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, server.failure().reason());
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, client.failure().reason());
        assertFalse(client.failure().message().contains("sessions"), client.failure().message());
    }

    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void unknownUserIsLoggedAsUnknownButLooksLikeABadPasswordToThePeer(AuthMethod method) {
        connect(ALL, method, new PeerCredentials("mallory", "guess"));

        assertEquals(AuthFailureReason.UNKNOWN_USER, server.failure().reason());
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, client.failure().reason());
    }

    @Test
    void chapMd5IsRefusedForAnAccountWithoutACleartextSecret() {
        connect(ALL, AuthMethod.CHAP_MD5, new PeerCredentials("carol", "hash only"));

        assertEquals(AuthFailureReason.NO_SECRET_FOR_METHOD, server.failure().reason());
        assertFalse(client.only().succeeded());
    }

    @ParameterizedTest
    @EnumSource(value = AuthMethod.class, names = {"PAP", "MSCHAP_V2"})
    void hashOnlyAccountWorksForPapAndMsChapV2(AuthMethod method) {
        connect(ALL, method, new PeerCredentials("carol", "hash only"));

        assertEquals("carol", server.success().userName());
        assertTrue(client.only().succeeded());
    }

    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void windowsStyleDomainPrefixFindsTheLocalAccount(AuthMethod method) {
        connect(ALL, method, new PeerCredentials("WORKGROUP\\alice", "correct horse"));

        assertEquals("alice", server.success().userName());
        assertEquals("WORKGROUP\\alice", client.success().userName());
    }

    @Test
    void methodOutsideThePolicyFailsAtStartWithoutSendingAnything() {
        connect(AuthPolicy.DEFAULT, AuthMethod.PAP, new PeerCredentials("alice", "correct horse"));

        assertEquals(AuthFailureReason.METHOD_NOT_ALLOWED, server.failure().reason());
        assertEquals(AuthFailureReason.METHOD_NOT_ALLOWED, client.failure().reason());
        assertTrue(link.sentBy(AUTHENTICATOR).isEmpty());
        assertTrue(link.sentBy(PEER).isEmpty());
    }

    @ParameterizedTest
    @EnumSource(AuthMethod.class)
    void lostFirstPacketsAreRecoveredByRetransmission(AuthMethod method) {
        // CHAP: the authenticator's Challenge is lost twice; PAP: the peer's Request is.
        link.dropNext(method == AuthMethod.PAP ? PEER : AUTHENTICATOR, 2);
        connect(ALL, method, new PeerCredentials("alice", "correct horse"));

        assertEquals("alice", server.success().userName());
        assertTrue(client.only().succeeded());
        assertEquals(Duration.ofSeconds(6), Duration.ofNanos(clock.nanos()));
    }

    @ParameterizedTest
    @EnumSource(value = AuthMethod.class, names = {"CHAP_MD5", "MSCHAP_V2"})
    void lostSuccessIsRecoveredWhenTheChallengeIsResent(AuthMethod method) {
        // The Response arrives, the Success is lost: the peer sees the Challenge again (a resend
        // that crossed), answers identically, and the authenticator repeats the same Success.
        Authentication auth = new Authentication(ALL, clock, new ScriptedRandom());
        AuthExchange a = auth.authenticator(method, users, "router", link.from(AUTHENTICATOR), server);
        AuthExchange p = auth.peer(method, new PeerCredentials("alice", "correct horse"), link.from(PEER), client);
        link.connect(a, p);
        a.start();
        p.start();
        ControlPacket challenge = link.sentBy(AUTHENTICATOR).getFirst();
        link.pump(); // Challenge -> Response -> Success
        assertEquals(1, server.results.size());
        assertEquals(1, client.results.size());
        ControlPacket success = link.sentBy(AUTHENTICATOR).get(1);

        // Replay on a fresh peer what it would see if the Success had been lost.
        RecordingListener secondClient = new RecordingListener();
        AuthExchange p2 = auth.peer(method, new PeerCredentials("alice", "correct horse"), link.from(PEER),
                secondClient);
        p2.start();
        p2.receive(challenge);
        ControlPacket response = link.sentBy(PEER).getLast();
        p2.receive(challenge);
        assertEquals(response, link.sentBy(PEER).getLast(), "a resent Challenge gets the same Response");
        a.receive(link.sentBy(PEER).get(0));
        assertEquals(success, link.sentBy(AUTHENTICATOR).getLast(), "a repeated Response gets the same Success");
        assertEquals(1, server.results.size(), "the authenticator reported once");
    }

    @Test
    void forgedAuthenticatorResponseIsRefusedByTheMsChapV2Peer() {
        link.forgeAuthenticatorResponses();
        connect(AuthPolicy.DEFAULT, AuthMethod.MSCHAP_V2, new PeerCredentials("alice", "correct horse"));

        assertTrue(server.only().succeeded());
        AuthResult.Failure f = client.failure();
        assertEquals(AuthFailureReason.AUTHENTICATOR_NOT_VERIFIED, f.reason());
    }

    @Test
    void successWithoutAuthenticatorResponseIsRefusedByTheMsChapV2Peer() {
        link.rewriteToPeer(packet -> packet.code() == ChapStatusPacket.SUCCESS
                ? new ControlPacket(packet.code(), packet.identifier(), "M=Welcome".getBytes())
                : packet);
        connect(AuthPolicy.DEFAULT, AuthMethod.MSCHAP_V2, new PeerCredentials("alice", "correct horse"));

        assertEquals(AuthFailureReason.AUTHENTICATOR_NOT_VERIFIED, client.failure().reason());
    }

    @Test
    void authenticatorThatDoesNotKnowThePasswordIsCaughtByMutualAuthentication() {
        // An impostor server that says Success to anything, with an S= computed from another password.
        users.put(PppUser.withPassword("alice", "impostor's guess"));
        link.rewriteToPeer(packet -> packet.code() == ChapStatusPacket.FAILURE
                ? new ControlPacket(ChapStatusPacket.SUCCESS, packet.identifier(),
                        new MsChapV2Success("S=" + "AB".repeat(20), "ok").encode())
                : packet);
        connect(AuthPolicy.DEFAULT, AuthMethod.MSCHAP_V2, new PeerCredentials("alice", "correct horse"));

        assertEquals(AuthFailureReason.AUTHENTICATOR_NOT_VERIFIED, client.failure().reason());
    }
}
