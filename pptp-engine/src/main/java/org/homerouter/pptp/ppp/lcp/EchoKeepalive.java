package org.homerouter.pptp.ppp.lcp;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * The keepalive schedule of an open link: one LCP Echo-Request per interval (RFC 1661 §5.8), and a
 * dead link once the configured number of requests in a row went unanswered — checked, as pppd
 * does, when the next request falls due.
 */
final class EchoKeepalive {
    private final long intervalNanos;
    private final int maxUnanswered;
    private boolean running;
    private long due;
    private int unanswered;

    EchoKeepalive(Duration interval, int maxUnanswered) {
        this.intervalNanos = interval.toNanos();
        this.maxUnanswered = maxUnanswered;
    }

    void start(long now) {
        running = intervalNanos > 0;
        unanswered = 0;
        due = now + intervalNanos;
    }

    void stop() {
        running = false;
    }

    OptionalLong deadline() {
        return running ? OptionalLong.of(due) : OptionalLong.empty();
    }

    boolean isDue(long now) {
        return running && now - due >= 0;
    }

    /** Whether the requests already sent went unanswered long enough to declare the link dead. */
    boolean exhausted() {
        return unanswered >= maxUnanswered;
    }

    void requestSent() {
        unanswered++;
        due += intervalNanos;
    }

    void replyReceived() {
        unanswered = 0;
    }
}
