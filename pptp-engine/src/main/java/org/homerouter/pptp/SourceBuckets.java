package org.homerouter.pptp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link TokenBucket} per source (an address, or an IPv6 /64), each full when first seen: the
 * {@value #REMEMBERED} sources seen last are remembered, the others forgotten (they start full
 * again), so a flood of sources cannot grow it. Not thread-safe: its owner guards it.
 *
 * @param <K> how a source is named
 */
public final class SourceBuckets<K> {
    static final int REMEMBERED = 4096;

    private final int burst;
    private final double perMinute;
    private final Map<K, TokenBucket> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<K, TokenBucket> eldest) {
            return size() > REMEMBERED;
        }
    };

    public SourceBuckets(int burst, double perMinute) {
        this.burst = burst;
        this.perMinute = perMinute;
    }

    /** Takes a token from {@code source}'s bucket: whether its event may happen now. */
    public boolean take(K source, long nowNanos) {
        return buckets.computeIfAbsent(source, s -> new TokenBucket(burst, perMinute, nowNanos)).take(nowNanos);
    }

    /** Whether {@code source}'s bucket has a token now (a source not seen has); none is taken. */
    public boolean has(K source, long nowNanos) {
        TokenBucket b = buckets.get(source);
        return b == null || b.has(nowNanos);
    }
}
