package org.homerouter.pptp.session;

import java.util.concurrent.atomic.LongAdder;

/**
 * The IP a session has carried, over all its data paths. Each renegotiation (of LCP, IPCP or CCP)
 * replaces the session's {@link IpDataPath}; the counters are the session's and stay, so what the
 * dashboard and /metrics show never goes back (a Prometheus counter that drops reads as a reset,
 * and rate() as a spike), nor reads 0 while IP is being negotiated again.
 *
 * <p>Sending is counted under {@link #txLock}, which every path of the session sends under: a plain
 * add there, where an atomic one would cost a locked instruction per counter per packet, and a
 * path being replaced that still sends its last packet cannot race the new one's count.
 */
public final class TrafficCounters {
    /** Held by every send of every path of the session. */
    final Object txLock = new Object();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder packetsIn = new LongAdder();
    private long bytesOut;
    private long packetsOut;

    /** An IP packet of {@code length} octets reached the device from the peer. */
    void received(int length) {
        packetsIn.increment();
        bytesIn.add(length);
    }

    /** An IP packet of {@code length} octets went to the peer; the caller holds {@link #txLock}. */
    void sent(int length) {
        packetsOut++;
        bytesOut += length;
    }

    /** IP octets delivered to the device from the peer. */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** IP octets sent to the peer. */
    public long bytesOut() {
        synchronized (txLock) {
            return bytesOut;
        }
    }

    public long packetsIn() {
        return packetsIn.sum();
    }

    public long packetsOut() {
        synchronized (txLock) {
            return packetsOut;
        }
    }
}
