package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.Printable;
import org.homerouter.pptp.ppp.ControlPacketSender;

/**
 * Authenticates our own client with CHAP-MD5 (RFC 1994): answers each Challenge with
 * MD5(Identifier || password || Challenge) (§4.1), the password taken as UTF-8 octets.
 */
public final class ChapMd5Peer extends ChapPeer {
    private final byte[] secret;

    public ChapMd5Peer(AuthPolicy policy, PeerCredentials credentials, Clock clock, ControlPacketSender sender,
                       AuthListener listener) {
        super(AuthMethod.CHAP_MD5, policy, credentials, clock, sender, listener);
        this.secret = credentials.requirePassword(AuthMethod.CHAP_MD5).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    Optional<byte[]> responseValue(ChapValuePacket challenge) {
        return Optional.of(ChapMd5.response(challenge.identifier(), secret, challenge.value()));
    }

    @Override
    AuthResult succeeded(ChapStatusPacket success) {
        return AuthResult.success(method, credentials.userName());
    }

    @Override
    AuthResult failed(ChapStatusPacket failure) {
        return AuthResult.failure(method, AuthFailureReason.BAD_PASSWORD_691, credentials.userName(),
                "authenticator refused the credentials: " + Printable.of(failure.messageText()));
    }
}
