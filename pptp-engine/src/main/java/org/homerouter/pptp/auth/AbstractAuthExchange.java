package org.homerouter.pptp.auth;

import java.util.Optional;
import java.util.OptionalLong;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.Printable;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every exchange shares: the one-time start, the overall timeout, the single result and its
 * report, and an optional retransmission timer.
 */
abstract class AbstractAuthExchange implements AuthExchange {
    private static final Logger log = LoggerFactory.getLogger(AbstractAuthExchange.class);

    final AuthMethod method;
    final AuthPolicy policy;
    final Clock clock;
    final RetransmitTimer timer;
    private final ControlPacketSender sender;
    private final AuthListener listener;

    private boolean started;
    private long overallDeadline;
    private AuthResult result;
    private AuthResult.Failure laterFailure;
    private boolean peerAnswered;

    AbstractAuthExchange(AuthMethod method, AuthPolicy policy, Clock clock, ControlPacketSender sender,
                         AuthListener listener) {
        this.method = method;
        this.policy = policy;
        this.clock = clock;
        this.sender = sender;
        this.listener = listener;
        this.timer = new RetransmitTimer(clock, policy.restartTimeout(), policy.maxTransmissions());
    }

    @Override
    public final AuthMethod method() {
        return method;
    }

    @Override
    public final void start() {
        if (started) {
            throw new IllegalStateException(this + " already started");
        }
        started = true;
        overallDeadline = clock.nanos() + policy.overallTimeout().toNanos();
        if (!policy.allows(method)) {
            finish(AuthResult.failure(method, AuthFailureReason.METHOD_NOT_ALLOWED,
                    method + " is not allowed by the authentication policy"));
            return;
        }
        begin();
    }

    /** The method-specific first step of {@link #start()}. */
    abstract void begin();

    @Override
    public final void receive(ControlPacket packet) {
        if (!started) {
            log.debug("{}: {} before start, discarded", this, packet);
            return;
        }
        handle(packet);
    }

    /** Handles a packet after start, also after the result (to answer repeats). */
    abstract void handle(ControlPacket packet);

    @Override
    public final OptionalLong deadline() {
        if (!started || result != null) {
            return OptionalLong.empty();
        }
        OptionalLong resend = timer.deadline();
        return resend.isPresent() && resend.getAsLong() - overallDeadline < 0 ? resend : OptionalLong.of(overallDeadline);
    }

    @Override
    public final void poll() {
        if (!started || result != null) {
            return;
        }
        long now = clock.nanos();
        if (now - overallDeadline >= 0) {
            timer.stop();
            finish(AuthResult.failure(method, AuthFailureReason.TIMEOUT,
                    "not finished within " + policy.overallTimeout().toSeconds() + " s"));
            return;
        }
        if (timer.due(now)) {
            if (timer.exhausted()) {
                timer.stop();
                finish(AuthResult.failure(method, AuthFailureReason.TIMEOUT,
                        "no answer after " + timer.transmissions() + " transmissions"));
            } else {
                timer.transmitted();
                retransmit();
            }
        }
    }

    /** Sends the packet the timer guards once more; the timer has already been rearmed. */
    void retransmit() {
        throw new IllegalStateException(this + " has no packet to retransmit");
    }

    @Override
    public final Optional<AuthResult> result() {
        return Optional.ofNullable(result);
    }

    @Override
    public final boolean peerAnswered() {
        return peerAnswered;
    }

    /** An authenticator is about to judge what the peer sent ({@link #peerAnswered()}). */
    final void markPeerAnswered() {
        peerAnswered = true;
    }

    final boolean finished() {
        return result != null;
    }

    final void send(ControlPacket packet) {
        sender.send(packet);
    }

    /** Records the result and reports it; only the first call counts. */
    final void finish(AuthResult outcome) {
        if (result != null) {
            return;
        }
        result = outcome;
        // Debug only: the session that ran the exchange logs the outcome once, with its call and a
        // printable user name (one line per login, success or failure).
        switch (outcome) {
            case AuthResult.Success s -> log.debug("{}: {} authenticated", this, Printable.of(s.userName()));
            case AuthResult.Failure f -> log.debug("{}: failed, {} ({}){}", this, f.reason(), f.message(),
                    f.userName().map(u -> ", user " + Printable.of(u)).orElse(""));
        }
        listener.finished(outcome);
    }

    /**
     * A peer's side: the authenticator challenged again after our login succeeded (RFC 1994 §3), and
     * that later exchange failed. Reported as a second and last result, which ends the link; the
     * first ({@link #result()}) stands for everything else. Only the first call counts, and only
     * after a success.
     */
    final void failLater(AuthResult.Failure outcome) {
        if (!(result instanceof AuthResult.Success) || laterFailure != null) {
            return;
        }
        laterFailure = outcome;
        log.debug("{}: failed after the login, {} ({})", this, outcome.reason(), outcome.message());
        listener.finished(outcome);
    }

    /** Whether {@link #failLater} has reported a failure. */
    final boolean failedLater() {
        return laterFailure != null;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
