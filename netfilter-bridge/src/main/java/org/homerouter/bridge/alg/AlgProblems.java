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
 * loop would otherwise fill the log.
 */
final class AlgProblems {
    /** Beyond this many waiting, more are counted only (the log's storage may be stuck). */
    private static final int MAX_WAITING = 64;

    private record Problem(String kind, String text) {
    }

    private final ConcurrentLinkedQueue<Problem> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger overflow = new AtomicInteger();
    private final long quietNanos;
    /** Per kind: when one was last handed on, and how many were left out since. Maintenance thread only. */
    private final Map<String, long[]> reported = new HashMap<>();
    private volatile Consumer<String> sink = text -> { };

    AlgProblems(Duration quiet) {
        this.quietNanos = quiet.toNanos();
    }

    void sendTo(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Any thread; returns at once. */
    void add(String kind, String text) {
        if (size.incrementAndGet() > MAX_WAITING) {
            size.decrementAndGet();
            overflow.incrementAndGet();
            return;
        }
        waiting.add(new Problem(kind, text));
    }

    /** Hands on what is due (maintenance thread). */
    void flush(long nowNanos) {
        List<String> out = new ArrayList<>();
        Problem p;
        while ((p = waiting.poll()) != null) {
            size.decrementAndGet();
            long[] last = reported.get(p.kind());
            if (last != null && nowNanos - last[0] < quietNanos) {
                last[1]++;
                continue;
            }
            String more = last == null || last[1] == 0 ? ""
                    : " (and " + last[1] + " more like it since the last one logged)";
            reported.put(p.kind(), new long[] {nowNanos, 0});
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
}
