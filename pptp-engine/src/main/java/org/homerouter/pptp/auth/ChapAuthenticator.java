package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authenticator half of CHAP (RFC 1994 §4) that CHAP-MD5 and MS-CHAPv2 share: send a random
 * Challenge and resend it unchanged until a Response with its Identifier arrives or the
 * transmissions run out; judge that Response once; answer every later Response bearing the judged
 * Identifier with the very same Success or Failure packet.
 *
 * <p>The Challenge is resent byte for byte, Identifier included, as pppd and accel-ppp do: a
 * Response to any copy is then a Response to the one Challenge, and a slow Response is not thrown
 * away for arriving after the resend.
 *
 * <p>RFC 1994 §4.1, implementation note: "any Response packets received having the current
 * Challenge Identifier MUST return the same reply Code"; repeating the exact packet satisfies that
 * and tells a prober nothing new. Responses with any other Identifier are stale and silently
 * discarded.
 */
abstract sealed class ChapAuthenticator extends AbstractAuthExchange
        permits ChapMd5Authenticator, MsChapV2Authenticator {
    private static final Logger log = LoggerFactory.getLogger(ChapAuthenticator.class);

    final UserDirectory directory;
    final RandomSource random;
    private final byte[] localName;

    private int identifier;
    /**
     * The first Challenge's Identifier. RFC 1994 §4.1: it changes with each Challenge, also from one
     * exchange to the next on the same link (after an LCP renegotiation), or a late Response to the
     * earlier exchange would be judged against this one's Challenge.
     */
    private int firstIdentifier = 1;
    private byte[] challenge;
    private ControlPacket challengePacket;
    /** Whether a Response with {@link #identifier} is awaited. */
    private boolean awaiting;
    private int answeredIdentifier = -1;
    private ControlPacket answer;

    /**
     * What judging a Response decided.
     *
     * @param reply the Success or Failure to send (and to repeat for repeated Responses)
     * @param result the final outcome, or empty when the peer may try again
     * @param retryChallenge when the peer may try again (MS-CHAPv2 R=1), the new challenge that the
     *     Failure carries; the retried Response has the Failure's Identifier plus one
     */
    record Verdict(ControlPacket reply, Optional<AuthResult> result, Optional<byte[]> retryChallenge) {
        static Verdict last(ChapStatusPacket reply, AuthResult result) {
            return new Verdict(reply.toPacket(), Optional.of(result), Optional.empty());
        }

        static Verdict retry(ChapStatusPacket reply, byte[] nextChallenge) {
            return new Verdict(reply.toPacket(), Optional.empty(), Optional.of(nextChallenge));
        }
    }

    ChapAuthenticator(AuthMethod method, AuthPolicy policy, UserDirectory directory, String localName,
                      Clock clock, RandomSource random, ControlPacketSender sender, AuthListener listener) {
        super(method, policy, clock, sender, listener);
        this.directory = directory;
        this.random = random;
        this.localName = localName.getBytes(StandardCharsets.UTF_8);
    }

    /** Sets the first Challenge's Identifier (1 unless set); before {@link #begin()}. */
    final void firstIdentifier(int id) {
        firstIdentifier = id & 0xFF;
    }

    /** Octets in this method's challenge Value. */
    abstract int challengeLength();

    /**
     * Judges a Response with the current Identifier against the challenge it answers.
     *
     * @return what to send and whether the exchange is over; never null
     */
    abstract Verdict judge(ChapValuePacket response, byte[] challengeAnswered);

    @Override
    final void begin() {
        identifier = firstIdentifier;
        challenge = random.bytes(challengeLength());
        challengePacket = ChapValuePacket.challenge(identifier, challenge, localName).toPacket();
        awaiting = true;
        timer.reset();
        timer.transmitted();
        send(challengePacket);
    }

    @Override
    final void retransmit() {
        log.debug("{}: no Response, Challenge id {} sent again", this, identifier);
        send(challengePacket);
    }

    @Override
    final void handle(ControlPacket packet) {
        if (packet.code() != ChapValuePacket.RESPONSE) {
            log.debug("{}: code {} is not for the authenticator, discarded", this, packet.code());
            return;
        }
        if (answer != null && packet.identifier() == answeredIdentifier) {
            log.debug("{}: Response id {} repeated, same answer sent again", this, answeredIdentifier);
            send(answer);
            return;
        }
        if (finished()) {
            // Gave up (timeout, method refused) before any answer: too late to judge anything.
            log.debug("{}: Response id {} after giving up, discarded", this, packet.identifier());
            return;
        }
        if (!awaiting || packet.identifier() != identifier) {
            log.debug("{}: stale Response id {} (awaiting {}), discarded", this, packet.identifier(),
                    awaiting ? identifier : "none");
            return;
        }
        Optional<ChapValuePacket> response = ChapValuePacket.decode(packet);
        if (response.isEmpty()) {
            log.debug("{}: malformed Response id {}, discarded", this, packet.identifier());
            return;
        }
        timer.stop();
        awaiting = false;
        markPeerAnswered();
        Verdict verdict = judge(response.get(), challenge);
        answeredIdentifier = packet.identifier();
        answer = verdict.reply();
        verdict.retryChallenge().ifPresent(next -> {
            // No resend timer now: the Failure carries the challenge, the peer's user may be typing
            // a new password (RFC 2759 §6: R=1 "disables short timeouts"); the overall timeout
            // still bounds the wait.
            identifier = (packet.identifier() + 1) & 0xFF;
            challenge = next.clone();
            awaiting = true;
        });
        send(answer);
        verdict.result().ifPresent(this::finish);
    }
}
