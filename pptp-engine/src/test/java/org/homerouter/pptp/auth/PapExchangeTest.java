package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;

/** PAP authenticator and peer against hand-made packets. */
class PapExchangeTest {
    private static final AuthPolicy POLICY = AuthPolicy.DEFAULT.withMethods(AuthMethod.PAP);

    private final ManualClock clock = new ManualClock();
    private final List<ControlPacket> sent = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();
    private final InMemoryUserDirectory users = new InMemoryUserDirectory(PppUser.withPassword("alice", "s3cret"));

    private PapAuthenticator authenticator() {
        PapAuthenticator a = new PapAuthenticator(POLICY, users, clock, sent::add, listener);
        a.start();
        return a;
    }

    private PapPeer peer() {
        PapPeer p = new PapPeer(POLICY, new PeerCredentials("alice", "s3cret"), clock, sent::add, listener);
        p.start();
        return p;
    }

    private static ControlPacket request(int id, String user, String password) {
        return PapAuthenticateRequest.of(id, user, password).toPacket();
    }

    /**
     * pppd sends a PAP password as its octets, UTF-8 on Linux, Android and macOS: the same
     * password beyond ASCII that Windows proves under MS-CHAPv2 logs in, and a near miss does not.
     */
    @Test
    void aPppdClientsPasswordBeyondAsciiIsAcked() {
        users.put(PppUser.withPassword("carol", "Grüße-2024!"));
        PapAuthenticator a = authenticator();
        a.receive(new PapAuthenticateRequest(1, "carol".getBytes(StandardCharsets.US_ASCII),
                "Grüße-2024!".getBytes(StandardCharsets.UTF_8)).toPacket());
        assertEquals(PapAuthenticateReply.ACK, sent.get(0).code());
        assertEquals("carol", listener.success().userName());

        RecordingListener second = new RecordingListener();
        PapAuthenticator b = new PapAuthenticator(POLICY, users, clock, sent::add, second);
        b.start();
        b.receive(request(1, "carol", "Grüsse-2024!"));
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, second.failure().reason());
    }

    @Test
    void rightPasswordIsAckedAndEveryResentRequestIsAckedUnderItsOwnIdentifier() {
        PapAuthenticator a = authenticator();
        assertTrue(sent.isEmpty(), "the PAP authenticator waits for the peer");
        a.receive(request(5, "alice", "s3cret"));
        a.receive(request(6, "alice", "s3cret"));

        assertEquals(PapAuthenticateReply.of(true, 5, "Access granted").toPacket(), sent.get(0));
        assertEquals(PapAuthenticateReply.of(true, 6, "Access granted").toPacket(), sent.get(1));
        assertEquals("alice", listener.success().userName());
    }

    @Test
    void wrongPasswordIsNakedAndTheDecisionStands() {
        PapAuthenticator a = authenticator();
        a.receive(request(1, "alice", "S3cret"));
        a.receive(request(2, "alice", "s3cret"));

        assertEquals(PapAuthenticateReply.NAK, sent.get(0).code());
        assertEquals(PapAuthenticateReply.of(false, 2, "Access denied").toPacket(), sent.get(1));
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, listener.failure().reason());
    }

    /**
     * Once the password proved right, the Nak says why (pppd logs it): it said "Access denied" as
     * for a wrong password, which sent the user to retype a password that was right.
     */
    @Test
    void aDisabledAccountWithTheRightPasswordIsToldSoAndEveryResendHearsItAgain() {
        users.put(PppUser.withPassword("bob", "pw").withEnabled(false));
        PapAuthenticator a = authenticator();
        a.receive(request(1, "bob", "pw"));
        a.receive(request(2, "bob", "pw"));

        assertEquals(PapAuthenticateReply.of(false, 1, "Account disabled").toPacket(), sent.get(0));
        assertEquals(PapAuthenticateReply.of(false, 2, "Account disabled").toPacket(), sent.get(1));
        assertEquals(AuthFailureReason.ACCOUNT_DISABLED, listener.failure().reason());
    }

    @Test
    void anAccountHoldingAllItsSessionsIsToldSoOnceThePasswordIsRight() {
        UserDirectory full = new AllSessionsTaken(users);
        PapAuthenticator a = new PapAuthenticator(POLICY, full, clock, sent::add, listener);
        a.start();
        a.receive(request(1, "alice", "s3cret"));

        assertEquals(PapAuthenticateReply.of(false, 1, "Too many sessions for this account").toPacket(), sent.get(0));
        assertEquals(AuthFailureReason.SESSION_LIMIT, listener.failure().reason());

        RecordingListener second = new RecordingListener();
        PapAuthenticator b = new PapAuthenticator(POLICY, full, clock, sent::add, second);
        b.start();
        b.receive(request(1, "alice", "wrong"));
        assertEquals(PapAuthenticateReply.of(false, 1, "Access denied").toPacket(), sent.get(1),
                "a wrong password learns nothing of the account's sessions");
    }

    @Test
    void aDisabledAccountWithAWrongPasswordAndAnUnknownNameAreNakedAlike() {
        users.put(PppUser.withPassword("bob", "pw").withEnabled(false));
        PapAuthenticator a = authenticator();
        a.receive(request(1, "bob", "wrong"));
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, listener.failure().reason());

        RecordingListener second = new RecordingListener();
        PapAuthenticator b = new PapAuthenticator(POLICY, users, clock, sent::add, second);
        b.start();
        b.receive(request(1, "nobody", "pw"));
        assertEquals(AuthFailureReason.UNKNOWN_USER, second.failure().reason());
        assertEquals(PapAuthenticateReply.of(false, 1, "Access denied").toPacket(), sent.get(0));
        assertEquals(sent.get(0), sent.get(1), "the peer cannot tell the two apart");
    }

    @Test
    void malformedRequestIsDiscarded() {
        PapAuthenticator a = authenticator();
        // Peer-ID Length 9 but only 3 octets follow.
        a.receive(new ControlPacket(PapAuthenticateRequest.CODE, 1, new byte[] {9, 'a', 'b', 'c'}));

        assertTrue(sent.isEmpty());
        assertTrue(listener.results.isEmpty());
    }

    @Test
    void silentPeerTimesOutTheAuthenticator() {
        PapAuthenticator a = authenticator();
        clock.advance(Duration.ofSeconds(30));
        a.poll();

        assertEquals(AuthFailureReason.TIMEOUT, listener.failure().reason());
        a.receive(request(1, "alice", "s3cret"));
        assertTrue(sent.isEmpty(), "no answer after giving up");
    }

    @Test
    void peerResendsItsRequestWithANewIdentifierEachTime() {
        PapPeer p = peer();
        clock.advance(Duration.ofSeconds(3));
        p.poll();
        clock.advance(Duration.ofSeconds(3));
        p.poll();

        assertEquals(List.of(request(1, "alice", "s3cret"), request(2, "alice", "s3cret"),
                request(3, "alice", "s3cret")), sent);
    }

    @Test
    void peerAcceptsAnAnswerToAnyRequestItSent() {
        PapPeer p = peer();
        clock.advance(Duration.ofSeconds(3));
        p.poll();
        p.receive(PapAuthenticateReply.of(true, 77, "").toPacket());
        assertTrue(listener.results.isEmpty(), "77 was never sent");

        p.receive(PapAuthenticateReply.of(true, 1, "welcome").toPacket());
        assertEquals("alice", listener.success().userName());
        assertTrue(p.deadline().isEmpty());
    }

    @Test
    void peerReportsANak() {
        PapPeer p = peer();
        p.receive(PapAuthenticateReply.of(false, 1, "go away").toPacket());

        AuthResult.Failure f = listener.failure();
        assertEquals(AuthFailureReason.BAD_PASSWORD_691, f.reason());
        assertTrue(f.message().contains("go away"));
    }

    @Test
    void peerGivesUpAfterTenUnansweredRequests() {
        PapPeer p = peer();
        while (p.deadline().isPresent()) {
            clock.advance(Duration.ofNanos(p.deadline().getAsLong() - clock.nanos()));
            p.poll();
        }

        assertEquals(10, sent.size());
        assertEquals(AuthFailureReason.TIMEOUT, listener.failure().reason());
    }
}
