package org.homerouter.pptp.ppp.lcp;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.IntSupplier;

/**
 * Finds the largest LCP packet that crosses the link both ways, with Echo-Requests padded to size
 * (RFC 1661 §5.8 lets the Data field be any length, and the peer echoes it back). The classic PPTP
 * "MTU trouble" is a path between client and router that silently drops large GRE packets — a DSL
 * or mobile link with a smaller MTU and the ICMP "fragmentation needed" filtered — so that pings and
 * small pages work and everything large hangs. Neither end notices; this does.
 *
 * <p>Each round sends a padded probe of the size under test and, beside it, a minimal echo as the
 * control: if the control comes back and the probe does not, {@code attempts} times in a row, that
 * size is lost on the way. The first round tries the full size; after a loss the size is bisected
 * down to {@code granularity} octets. A round where neither echo returns proves nothing about size
 * (the link is down or the peer does not echo at all) and ends the probe without a verdict, leaving
 * the keepalive to judge the link.
 *
 * <p>Pure state: the owner sends the echoes it is told to and feeds the replies back. Not thread-safe.
 */
final class PathProbe {
    /** What the owner must send now: a padded probe and a minimal control echo. */
    record Round(int probeIdentifier, int probeLength, int controlIdentifier) {
    }

    /** The verdict: the largest LCP packet that crossed (empty: none above the floor), of {@code tried}. */
    record Verdict(OptionalInt largestDelivered, int tried) {
        boolean fullSizePasses() {
            return largestDelivered.isPresent() && largestDelivered.getAsInt() >= tried;
        }
    }

    private final PathProbeSettings settings;
    private int floor;
    private int largest;
    /** Largest size known to cross (0: none yet) and smallest known lost. */
    private int delivered;
    private int lost;
    private int size;
    private int attempt;
    private boolean running;
    private long due;
    private int probeId = -1;
    private int controlId = -1;
    private boolean probeAnswered;
    private boolean controlAnswered;
    private Verdict verdict;

    PathProbe(PathProbeSettings settings) {
        this.settings = settings;
    }

    /** Starts probing sizes from {@code floor} to {@code largest} (an LCP packet's length, header included). */
    void start(int floor, int largest, long now) {
        if (!settings.enabled() || largest <= floor) {
            return;
        }
        this.floor = floor;
        this.largest = largest;
        delivered = 0;
        lost = largest + 1;
        size = largest;
        attempt = 0;
        running = true;
        verdict = null;
        due = now;
    }

    void stop() {
        running = false;
    }

    boolean running() {
        return running;
    }

    OptionalLong deadline() {
        return running ? OptionalLong.of(due) : OptionalLong.empty();
    }

    /**
     * Called when the deadline is due: judges the round that ran (if any) and says what to send
     * next. {@code identifiers} hands out Echo-Request identifiers.
     *
     * @return the round to send, or null; {@link #verdict()} tells whether the probe has finished
     */
    Round poll(long now, IntSupplier identifiers) {
        if (!running || now - due < 0) {
            return null;
        }
        if (probeId >= 0) {
            boolean answered = probeAnswered;
            boolean control = controlAnswered;
            probeId = controlId = -1;
            if (answered) {
                delivered = size;
                attempt = 0;
            } else if (!control) {
                // Nothing came back at all: no evidence either way.
                running = false;
                verdict = null;
                return null;
            } else if (++attempt < settings.attempts()) {
                return send(now, identifiers); // same size again: one loss is not a pattern
            } else {
                lost = size;
                attempt = 0;
            }
            if (!nextSize()) {
                running = false;
                verdict = new Verdict(delivered > 0 ? OptionalInt.of(delivered) : OptionalInt.empty(), largest);
                return null;
            }
        }
        return send(now, identifiers);
    }

    /** The result once the probe has finished with one; empty while running or if inconclusive. */
    Optional<Verdict> verdict() {
        return running ? Optional.empty() : Optional.ofNullable(verdict);
    }

    /** Picks the next size to try; false when the search is over. */
    private boolean nextSize() {
        if (delivered >= largest) {
            return false;
        }
        int low = Math.max(delivered, floor);
        if (lost - low <= settings.granularity()) {
            return false;
        }
        // Midpoint, rounded down to the granularity, strictly between what passed and what was lost.
        int mid = low + (lost - low) / 2;
        mid -= mid % settings.granularity();
        size = Math.max(low + 1, Math.min(mid, lost - 1));
        return true;
    }

    private Round send(long now, IntSupplier identifiers) {
        probeId = identifiers.getAsInt();
        controlId = identifiers.getAsInt();
        probeAnswered = controlAnswered = false;
        due = now + settings.timeout().toNanos();
        return new Round(probeId, size, controlId);
    }

    /**
     * An Echo-Reply arrived; true if it answered one of the probe's requests. Once the padded probe
     * is back the round is decided, so the next one is due at once.
     */
    boolean replied(int identifier, long now) {
        if (!running || probeId < 0) {
            return false;
        }
        if (identifier == probeId) {
            probeAnswered = true;
            due = now;
            return true;
        }
        if (identifier == controlId) {
            controlAnswered = true;
            return true;
        }
        return false;
    }
}
