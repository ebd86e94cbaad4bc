package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer half of CHAP (RFC 1994 §4) that CHAP-MD5 and MS-CHAPv2 share: answer each Challenge
 * with a Response carrying its Identifier, then take the Success or Failure bearing that
 * Identifier as the result.
 *
 * <p>The authenticator owns retransmission (it resends its Challenge); the peer only answers. A
 * Challenge identical to the last one (same Identifier and Value) is a resend, because our Response
 * or its answer was lost, and gets the very same Response again: for MS-CHAPv2 a fresh Peer-Challenge
 * would yield a second NT-Response, and the authenticator and we could end up holding MPPE key
 * material from different Responses (pppd keeps a response cache for the same reason).
 *
 * <p>The authenticator may challenge again at any time during the Network phase (RFC 1994 §3,
 * §4.1), as accel-ppp with {@code [auth] interval} and pppd with {@code chap-interval} do; a peer
 * that stays silent is hung up after a few tries. So once logged in, a Challenge with a new
 * Identifier or Value gets a fresh Response (for MS-CHAPv2 a new Peer-Challenge and the NT-Response
 * for the new challenge, RFC 2759 §4), and the Success or Failure to it is checked as the first
 * one was. A Success is not told again: the link is logged in already, and its MPPE keys are those
 * the first exchange gave (RFC 3079 §3 derives the initial keys; RFC 3078 §7 changes them from
 * there). A Failure, or for MS-CHAPv2 a Success whose authenticator response is wrong (RFC 2759
 * §8.8: the peer MUST end the session), is told as the later failure that ends the link.
 */
abstract sealed class ChapPeer extends AbstractAuthExchange permits ChapMd5Peer, MsChapV2Peer {
    private static final Logger log = LoggerFactory.getLogger(ChapPeer.class);

    final PeerCredentials credentials;
    final byte[] userNameOctets;
    private int challengeIdentifier = -1;
    private byte[] challengeValue;
    private ControlPacket response;
    /** Whether the Success or Failure answering {@link #response} has been taken: a repeat of it is not. */
    private boolean statusTaken;

    ChapPeer(AuthMethod method, AuthPolicy policy, PeerCredentials credentials, Clock clock,
             ControlPacketSender sender, AuthListener listener) {
        super(method, policy, clock, sender, listener);
        this.credentials = credentials;
        this.userNameOctets = credentials.userName().getBytes(StandardCharsets.UTF_8);
    }

    /** The Response Value for this Challenge, or empty if the Challenge is unusable. */
    abstract Optional<byte[]> responseValue(ChapValuePacket challenge);

    /** The result a Success answering our last Response stands for. */
    abstract AuthResult succeeded(ChapStatusPacket success);

    /** The result a Failure answering our last Response stands for. */
    abstract AuthResult failed(ChapStatusPacket failure);

    @Override
    final void begin() {
        log.debug("{}: waiting for a Challenge", this);
    }

    @Override
    final void handle(ControlPacket packet) {
        if (refused()) {
            log.debug("{}: {} after the login failed, discarded", this, packet);
            return;
        }
        if (packet.code() == ChapValuePacket.CHALLENGE) {
            ChapValuePacket.decode(packet).ifPresentOrElse(this::answer,
                    () -> log.debug("{}: malformed Challenge, discarded", this));
        } else if (ChapStatusPacket.isStatus(packet)) {
            if (response == null || statusTaken || packet.identifier() != challengeIdentifier) {
                log.debug("{}: {} does not answer a Response awaiting one, discarded", this, packet);
                return;
            }
            statusTaken = true;
            ChapStatusPacket status = ChapStatusPacket.decode(packet);
            conclude(status.success() ? succeeded(status) : failed(status));
        } else {
            log.debug("{}: code {} is not for the peer, discarded", this, packet.code());
        }
    }

    /** Whether a login of this exchange, the first or a later one, failed: nothing more to answer. */
    private boolean refused() {
        return result().map(r -> !r.succeeded()).orElse(false) || failedLater();
    }

    /** The outcome of one Challenge's exchange: the result if it is the first, else only a failure. */
    private void conclude(AuthResult outcome) {
        if (!finished()) {
            finish(outcome);
        } else if (outcome instanceof AuthResult.Failure f) {
            failLater(new AuthResult.Failure(f.method(), f.reason(), f.msChapError(), f.userName(),
                    "on a new Challenge after the login: " + f.message()));
        } else {
            log.debug("{}: Challenge id {} after the login answered, accepted", this, challengeIdentifier);
        }
    }

    private void answer(ChapValuePacket challenge) {
        if (response != null && challenge.identifier() == challengeIdentifier
                && Arrays.equals(challenge.value(), challengeValue)) {
            log.debug("{}: Challenge id {} resent, same Response again", this, challengeIdentifier);
            send(response);
            return;
        }
        Optional<byte[]> value = responseValue(challenge);
        if (value.isEmpty() && finished()) {
            // After the login, an unusable Challenge is dropped rather than taken for a refused
            // login (anyone on the path with the call ID could send one): a real authenticator
            // that gets no Response ends the link itself, in its own words.
            log.debug("{}: unusable Challenge after the login ({} octets), discarded", this, challenge.value().length);
            return;
        }
        if (value.isEmpty()) {
            conclude(AuthResult.failure(method, AuthFailureReason.PROTOCOL_ERROR, credentials.userName(),
                    "Challenge value of " + challenge.value().length + " octets is not valid for " + method));
            return;
        }
        challengeIdentifier = challenge.identifier();
        challengeValue = challenge.value();
        response = ChapValuePacket.response(challengeIdentifier, value.get(), userNameOctets).toPacket();
        statusTaken = false;
        send(response);
    }
}
