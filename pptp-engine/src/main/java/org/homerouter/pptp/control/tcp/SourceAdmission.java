package org.homerouter.pptp.control.tcp;

import java.net.InetAddress;
import java.util.Optional;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.SourceBuckets;
import org.homerouter.pptp.Tally;
import org.homerouter.pptp.control.ClientSource;

/**
 * Who may open another control connection: at most {@code maxConnections} at once in all, at most
 * {@code perSource} at once from one address (not counting those carrying a logged-in session),
 * and at most {@code ratePerMinute} new ones a minute from one address (a token bucket). An IPv6 address counts as its /64 ({@link ClientSource}).
 * One scanner or slow-loris source then holds a few slots and
 * cannot starve the others, which a global limit alone would let it do. Not thread-safe: the
 * server calls it from one place under its own lock.
 */
final class SourceAdmission {
    private final int maxConnections;
    private final int perSource;
    private final int ratePerMinute;
    private final Clock clock;
    private final Tally<InetAddress> open = new Tally<>();
    private final SourceBuckets<InetAddress> rates;
    private int total;

    SourceAdmission(int maxConnections, int perSource, int ratePerMinute, Clock clock) {
        if (maxConnections < 1 || perSource < 1 || ratePerMinute < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
        this.maxConnections = maxConnections;
        this.perSource = perSource;
        this.ratePerMinute = ratePerMinute;
        this.clock = clock;
        this.rates = new SourceBuckets<>(ratePerMinute, ratePerMinute); // a minute's worth at once
    }

    /**
     * Admits a new connection from {@code source} and counts it, or says in plain words why not.
     * An admitted connection must be {@link #closed} exactly once.
     */
    Optional<String> admit(InetAddress address) {
        return admit(address, false, 0);
    }

    /**
     * {@link #admit(InetAddress)}, with {@code roomMade}: the caller is closing another connection
     * for this one, so the limit in all does not refuse it (the count is one over until that
     * close); and where {@code working} of the source's open connections carry a logged-in
     * session: those do not count toward the per-address limit, which is there against strangers
     * holding slots, not against the workers of one office sharing its NAT.
     */
    Optional<String> admit(InetAddress address, boolean roomMade, int working) {
        InetAddress source = ClientSource.of(address);
        if (total >= maxConnections && !roomMade) {
            return Optional.of("already " + total + " control connections (the limit)");
        }
        int fromSource = open.count(source) - working;
        if (fromSource >= perSource) {
            return Optional.of("already " + fromSource + " control connections without a logged-in session from this"
                    + " address (the per-address limit)");
        }
        if (!rates.take(source, clock.nanos())) {
            return Optional.of("more than " + ratePerMinute + " new control connections a minute from this address");
        }
        open.add(source);
        total++;
        return Optional.empty();
    }

    /** An admitted connection from {@code source} has closed. */
    void closed(InetAddress address) {
        open.remove(ClientSource.of(address));
        total--;
    }

    int open() {
        return total;
    }

    /** Whether the limit in all is reached. */
    boolean full() {
        return total >= maxConnections;
    }

    /** Connections open now from {@code address}'s source (its /64 for IPv6). */
    int heldBy(InetAddress address) {
        return open.count(ClientSource.of(address));
    }
}
