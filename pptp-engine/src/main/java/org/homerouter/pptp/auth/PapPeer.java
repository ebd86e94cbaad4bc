package org.homerouter.pptp.auth;

import java.util.BitSet;
import java.util.Optional;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.Printable;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates our own client with PAP (RFC 1334 §2): sends an Authenticate-Request with the
 * name and password, and resends it on the restart timeout, with a new Identifier each time as
 * §2.2.1 requires, until an Authenticate-Ack or -Nak arrives or the transmissions run out. An
 * answer to any of the Requests sent counts: they all carry the same credentials.
 */
public final class PapPeer extends AbstractAuthExchange {
    private static final Logger log = LoggerFactory.getLogger(PapPeer.class);

    private final PeerCredentials credentials;
    private final BitSet sentIdentifiers = new BitSet(256);
    private int identifier;

    public PapPeer(AuthPolicy policy, PeerCredentials credentials, Clock clock, ControlPacketSender sender,
                   AuthListener listener) {
        super(AuthMethod.PAP, policy, clock, sender, listener);
        // Fail now rather than at start: Peer-ID and Password have one-octet lengths.
        PapAuthenticateRequest.of(0, credentials.userName(), credentials.requirePassword(AuthMethod.PAP));
        this.credentials = credentials;
    }

    @Override
    void begin() {
        timer.reset();
        timer.transmitted();
        sendRequest();
    }

    @Override
    void retransmit() {
        log.debug("{}: no answer to Authenticate-Request id {}, sending again", this, identifier);
        sendRequest();
    }

    private void sendRequest() {
        identifier = (identifier + 1) & 0xFF;
        sentIdentifiers.set(identifier);
        send(PapAuthenticateRequest.of(identifier, credentials.userName(), credentials.requirePassword(AuthMethod.PAP)).toPacket());
    }

    @Override
    void handle(ControlPacket packet) {
        if (finished()) {
            log.debug("{}: {} after the result, discarded", this, packet);
            return;
        }
        Optional<PapAuthenticateReply> reply = PapAuthenticateReply.decode(packet);
        if (reply.isEmpty() || !sentIdentifiers.get(reply.get().identifier())) {
            log.debug("{}: {} is not an answer to our Requests, discarded", this, packet);
            return;
        }
        timer.stop();
        if (reply.get().ack()) {
            finish(AuthResult.success(method, credentials.userName()));
        } else {
            finish(AuthResult.failure(method, AuthFailureReason.BAD_PASSWORD_691, credentials.userName(),
                    "authenticator refused the credentials: " + Printable.of(reply.get().messageText())));
        }
    }
}
