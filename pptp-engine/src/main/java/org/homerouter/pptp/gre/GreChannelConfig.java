package org.homerouter.pptp.gre;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of one {@link GreChannel}.
 *
 * <p>Defaults and why:
 * <ul>
 * <li>{@code reorderWindow} 64 packets: RFC 2637 §4.3 lets the receiver reorder instead of
 * dropping; 64 covers the reordering of a burst at full rate on a home uplink and matches the
 * Packet Receive Window Size commonly advertised in Outgoing-Call-Request/Reply (§2.7, §2.8).</li>
 * <li>{@code reorderTimeout} 100 ms: pptp-linux's pqueue holds a packet that arrived ahead of a gap
 * for DEFAULT_PACKET_TIMEOUT = 0.3 s (tunable 0.01..10 s) and then declares the gap lost and
 * releases it. We use the same rule, counted from the arrival of the held packet, but a shorter
 * default: every real loss stalls all traffic behind it for the whole timeout, the 0.3 s figure
 * dates from dial-up links where one 1500-octet packet took about 0.2 s to serialise, and today's
 * path reordering spans milliseconds. TCP inside the tunnel recovers the actual losses itself.</li>
 * <li>{@code ackDelay} 100 ms: when we receive data and have nothing to send, an ack-only packet
 * (§4.1, S=0 A=1) goes out after this delay, long enough for a reply to carry the ack for free
 * and short against the peer's adaptive ack timeout (§4.4).</li>
 * <li>{@code ackEvery} 32 packets: the peer may not have more than our advertised receive window
 * unacknowledged (§4.2), so with one-way traffic we acknowledge at half that window at once
 * instead of waiting for the delay and stalling the peer's sender.</li>
 * <li>{@code firstSendSequence} 0: the first data packet we send carries 0. Android's PPTP client
 * (the PPPoPNS driver of Android 4 to 11) expects 0 first and holds any later number until a
 * packet arrives a second afterwards: with 1, our first LCP Configure-Request waited for its own
 * retransmission, 3 s later, on every connection. Linux's pptp.c starts expecting 0 too
 * (seq_recv = 0xffffffff), and pptp-linux takes any. Tests start near 2^32 to exercise the wrap.</li>
 * </ul>
 *
 * @param reorderWindow     packets that may wait for a missing one, 1..4096
 * @param reorderTimeout    longest wait for a missing packet, 1 ms..10 s
 * @param ackDelay          longest delay of an owed acknowledgement, 0..10 s
 * @param ackEvery          received packets after which an ack goes out at once, at least 1
 * @param firstSendSequence sequence number of the first data packet sent (an unsigned 32-bit pattern)
 */
public record GreChannelConfig(int reorderWindow, Duration reorderTimeout, Duration ackDelay, int ackEvery,
                               int firstSendSequence) {

    // Declared before DEFAULTS: static initialisers run in order and the constructor reads it.
    private static final Duration MAX_WAIT = Duration.ofSeconds(10);

    /** The defaults described above. */
    public static final GreChannelConfig DEFAULTS =
            new GreChannelConfig(64, Duration.ofMillis(100), Duration.ofMillis(100), 32, 0);

    public GreChannelConfig {
        Objects.requireNonNull(reorderTimeout, "reorderTimeout");
        Objects.requireNonNull(ackDelay, "ackDelay");
        if (reorderWindow < 1 || reorderWindow > 4096) {
            throw new IllegalArgumentException("reorder window must be 1..4096: " + reorderWindow);
        }
        if (reorderTimeout.compareTo(Duration.ofMillis(1)) < 0 || reorderTimeout.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("reorder timeout must be 1 ms..10 s: " + reorderTimeout);
        }
        if (ackDelay.isNegative() || ackDelay.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("ack delay must be 0..10 s: " + ackDelay);
        }
        if (ackEvery < 1) {
            throw new IllegalArgumentException("ackEvery must be at least 1: " + ackEvery);
        }
    }

    public GreChannelConfig withReorderWindow(int packets) {
        return new GreChannelConfig(packets, reorderTimeout, ackDelay, ackEvery, firstSendSequence);
    }

    public GreChannelConfig withReorderTimeout(Duration timeout) {
        return new GreChannelConfig(reorderWindow, timeout, ackDelay, ackEvery, firstSendSequence);
    }

    public GreChannelConfig withAckDelay(Duration delay) {
        return new GreChannelConfig(reorderWindow, reorderTimeout, delay, ackEvery, firstSendSequence);
    }

    public GreChannelConfig withAckEvery(int packets) {
        return new GreChannelConfig(reorderWindow, reorderTimeout, ackDelay, packets, firstSendSequence);
    }

    public GreChannelConfig withFirstSendSequence(int sequence) {
        return new GreChannelConfig(reorderWindow, reorderTimeout, ackDelay, ackEvery, sequence);
    }
}
