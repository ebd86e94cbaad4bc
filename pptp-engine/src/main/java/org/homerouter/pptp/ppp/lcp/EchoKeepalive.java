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
    /** The interval while {@link #hurry hurried}, 0 otherwise. */
    private long hurriedNanos;

    EchoKeepalive(Duration interval, int maxUnanswered) {
        this.intervalNanos = interval.toNanos();
        this.maxUnanswered = maxUnanswered;
    }

    void start(long now) {
        running = intervalNanos > 0;
        unanswered = 0;
        hurriedNanos = 0;
        due = now + intervalNanos;
    }

    void stop() {
        running = false;
        hurriedNanos = 0;
    }

    /**
     * Asks now, and every {@code interval} until a reply: the link is dead once {@link #HURRIED_MAX}
     * requests in a row went unanswered (3 s at 1 s), instead of a minute. Also where the keepalive
     * is off. The next reply returns to the usual schedule.
     */
    void hurry(long now, long interval) {
        running = true;
        unanswered = 0;
        hurriedNanos = interval;
        due = now;
    }

    OptionalLong deadline() {
        return running ? OptionalLong.of(due) : OptionalLong.empty();
    }

    boolean isDue(long now) {
        return running && now - due >= 0;
    }

    /** Whether the requests already sent went unanswered long enough to declare the link dead. */
    boolean exhausted() {
        return unanswered >= (hurriedNanos > 0 ? HURRIED_MAX : maxUnanswered);
    }

    /** Requests in a row unanswered that end a hurried check: 3 s at 1 s, whatever the keepalive's own count. */
    static final int HURRIED_MAX = 3;

    void requestSent() {
        unanswered++;
        due += hurriedNanos > 0 ? hurriedNanos : intervalNanos;
    }

    void replyReceived(long now) {
        unanswered = 0;
        if (hurriedNanos > 0) {
            hurriedNanos = 0;
            running = intervalNanos > 0;
            due = now + intervalNanos;
        }
    }
}
