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

    private final ConcurrentLinkedQueue<Problem> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger overflow = new AtomicInteger();
    private final long quietNanos;
    /** Per kind and source: when one was last handed on, and how many were left out since. Maintenance thread only. */
    private final Map<Problem, long[]> reported = new HashMap<>();
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
        // Quiet keys with nothing left out are forgotten: the map holds what the last period logged.
        reported.values().removeIf(r -> nowNanos - r[0] >= quietNanos && r[1] == 0);
        while ((p = waiting.poll()) != null) {
            size.decrementAndGet();
            Problem key = new Problem(p.kind(), p.source(), "");
            long[] last = reported.get(key);
            if (last != null && nowNanos - last[0] < quietNanos) {
                last[1]++;
                continue;
            }
            if (last == null && sourcesLoggedRecently(p.kind(), nowNanos) >= SOURCES_PER_KIND) {
                otherSources.merge(p.kind(), 1, Integer::sum);
                continue;
            }
            String more = last == null || last[1] == 0 ? ""
                    : " (and " + last[1] + " more like it since the last one logged)";
            Integer others = otherSources.remove(p.kind());
            if (others != null) {
                more += " (and " + others + " of other LAN clients not logged)";
            }
            reported.put(key, new long[] {nowNanos, 0});
            out.add("passthrough: " + p.text() + more);
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
                .filter(e -> e.getKey().kind().equals(kind) && nowNanos - e.getValue()[0] < quietNanos).count();
    }
}
