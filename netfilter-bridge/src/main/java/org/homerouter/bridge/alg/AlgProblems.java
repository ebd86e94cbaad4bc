package org.homerouter.bridge.alg;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What went wrong for a LAN client's passthrough call, for the router's event log: a refused
 * call, GRE rules that could not be put in. Told on the queue's thread, which must never wait on
 * the log's storage, so they are queued and handed on by the maintenance thread; at most one per
 * kind per {@code quiet} period, the next saying how many were left out, since a LAN host in a
 * loop would otherwise fill the log. Told with its LAN client, a kind has a line per client, for up
 * to {@link #SOURCES_PER_KIND} clients a period: one host in a loop must not hide another's refused
 * call, nor a LAN of them fill the log.
 */
final class AlgProblems {
    /** Beyond this many waiting, more are counted only (the log's storage may be stuck). */
    private static final int MAX_WAITING = 64;

    /** LAN clients whose problems of one kind are logged within one quiet period; more are counted. */
    static final int SOURCES_PER_KIND = 4;

    private record Problem(String kind, String source, String text) {
    }

    /** Whose problems of which kind: the key of {@link #reported}. */
    private record Source(String kind, String source) {
    }

    private final ConcurrentLinkedQueue<Problem> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger overflow = new AtomicInteger();
    private final long quietNanos;
    /** What was last handed on of a kind and source, when, and how many like it were left out since. */
    private static final class Reported {
        final long at;
        final String text;
        long leftOut;

        Reported(long at, String text) {
            this.at = at;
            this.text = text;
        }
    }

    /** Maintenance thread only. */
    private final Map<Source, Reported> reported = new HashMap<>();
    /** Per kind: problems of clients beyond {@link #SOURCES_PER_KIND}, not logged yet. Maintenance thread only. */
    private final Map<String, Integer> otherSources = new HashMap<>();
    private volatile Consumer<String> sink = text -> { };

    AlgProblems(Duration quiet) {
        this.quietNanos = quiet.toNanos();
    }

    void sendTo(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Any thread; returns at once. */
    void add(String kind, String text) {
        add(kind, "", text);
    }

    /** As {@link #add(String, String)}, of LAN client {@code source}. */
    void add(String kind, String source, String text) {
        if (size.incrementAndGet() > MAX_WAITING) {
            size.decrementAndGet();
            overflow.incrementAndGet();
            return;
        }
        waiting.add(new Problem(kind, source, text));
    }

    /** Hands on what is due (maintenance thread). */
    void flush(long nowNanos) {
        List<String> out = new ArrayList<>();
        Problem p;
        while ((p = waiting.poll()) != null) {
            size.decrementAndGet();
            Source key = new Source(p.kind(), p.source());
            Reported last = reported.get(key);
            if (last != null && nowNanos - last.at < quietNanos) {
                last.leftOut++;
                continue;
            }
            if (last == null && sourcesLoggedRecently(p.kind(), nowNanos) >= SOURCES_PER_KIND) {
                otherSources.merge(p.kind(), 1, Integer::sum);
                continue;
            }
            String more = last == null || last.leftOut == 0 ? ""
                    : " (and " + last.leftOut + " more like it since the last one logged)";
            Integer others = otherSources.remove(p.kind());
            if (others != null) {
                more += " (and " + others + " of other LAN clients not logged)";
            }
            reported.put(key, new Reported(nowNanos, p.text()));
            out.add("passthrough: " + p.text() + more);
        }
        // A quiet period over: what it left out of a client that has gone quiet since is said now,
        // not at a next problem that may never come, and the entry goes (a LAN host may take many
        // addresses: the map holds only what the last period logged).
        for (var it = reported.values().iterator(); it.hasNext(); ) {
            Reported r = it.next();
            if (nowNanos - r.at >= quietNanos) {
                if (r.leftOut > 0) {
                    out.add("passthrough: " + r.leftOut + " more like this within " + quietNanos / 60_000_000_000L
                            + " minutes of it: " + r.text);
                }
                it.remove();
            }
        }
        if (!out.isEmpty()) {
            int lost = overflow.getAndSet(0);
            if (lost > 0) {
                out.set(0, out.get(0) + " (" + lost + " more came too fast to be looked at)");
            }
        }
        out.forEach(sink);
    }

    private long sourcesLoggedRecently(String kind, long nowNanos) {
        return reported.entrySet().stream()
                .filter(e -> e.getKey().kind().equals(kind) && nowNanos - e.getValue().at < quietNanos).count();
    }
}
