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
 * <p>Periodic re-authentication (RFC 1994 §2, step 4) is not supported: once the result is known,
 * further packets are discarded.
 */
abstract sealed class ChapPeer extends AbstractAuthExchange permits ChapMd5Peer, MsChapV2Peer {
    private static final Logger log = LoggerFactory.getLogger(ChapPeer.class);

    final PeerCredentials credentials;
    final byte[] userNameOctets;
    private int challengeIdentifier = -1;
    private byte[] challengeValue;
    private ControlPacket response;

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
        if (finished()) {
            log.debug("{}: {} after the result, discarded", this, packet);
            return;
        }
        if (packet.code() == ChapValuePacket.CHALLENGE) {
            ChapValuePacket.decode(packet).ifPresentOrElse(this::answer,
                    () -> log.debug("{}: malformed Challenge, discarded", this));
        } else if (ChapStatusPacket.isStatus(packet)) {
            if (response == null || packet.identifier() != challengeIdentifier) {
                log.debug("{}: {} does not answer our Response, discarded", this, packet);
                return;
            }
            ChapStatusPacket status = ChapStatusPacket.decode(packet);
            finish(status.success() ? succeeded(status) : failed(status));
        } else {
            log.debug("{}: code {} is not for the peer, discarded", this, packet.code());
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
        if (value.isEmpty()) {
            finish(AuthResult.failure(method, AuthFailureReason.PROTOCOL_ERROR, credentials.userName(),
                    "Challenge value of " + challenge.value().length + " octets is not valid for " + method));
            return;
        }
        challengeIdentifier = challenge.identifier();
        challengeValue = challenge.value();
        response = ChapValuePacket.response(challengeIdentifier, value.get(), userNameOctets).toPacket();
        send(response);
    }
}
