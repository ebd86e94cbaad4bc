package org.homerouter.pptp.auth;

import java.time.Duration;
import java.util.OptionalLong;

import org.homerouter.pptp.Clock;

/**
 * The resend timer of a CHAP Challenge or PAP Authenticate-Request: a deadline on the clock and a
 * count of transmissions against a maximum (RFC 1994 §4.1 "until a valid Response packet is
 * received, or an optional retry counter expires"; RFC 1334 §2.2.1).
 */
final class RetransmitTimer {
    private final Clock clock;
    private final long periodNanos;
    private final int maxTransmissions;
    private int transmissions;
    private boolean running;
    private long deadline;

    RetransmitTimer(Clock clock, Duration period, int maxTransmissions) {
        this.clock = clock;
        this.periodNanos = period.toNanos();
        this.maxTransmissions = maxTransmissions;
    }

    /** Counts one transmission and runs the timer from now. */
    void transmitted() {
        transmissions++;
        running = true;
        deadline = clock.nanos() + periodNanos;
    }

    /** Stops the timer and forgets the count, for a new packet to be sent. */
    void reset() {
        running = false;
        transmissions = 0;
    }

    void stop() {
        running = false;
    }

    boolean due(long now) {
        return running && now - deadline >= 0;
    }

    /** Whether every allowed transmission has been made. */
    boolean exhausted() {
        return transmissions >= maxTransmissions;
    }

    int transmissions() {
        return transmissions;
    }

    OptionalLong deadline() {
        return running ? OptionalLong.of(deadline) : OptionalLong.empty();
    }
}
