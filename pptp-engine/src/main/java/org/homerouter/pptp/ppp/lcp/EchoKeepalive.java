package org.homerouter.pptp.ppp.lcp;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * The keepalive schedule of an open link: one LCP Echo-Request per interval (RFC 1661 §5.8), and a
 * dead link once the configured number of requests in a row went unanswered — checked, as pppd
 * does, when the next request falls due. A request counts as answered by its Echo-Reply or by
 * any later sign that the peer receives our frames ({@link #receiptsHeard}).
 */
final class EchoKeepalive {
    private final long intervalNanos;
    private final int maxUnanswered;
    private boolean running;
    private long due;
    private int unanswered;
    /** The interval while {@link #hurry hurried}, 0 otherwise. */
    private long hurriedNanos;
    /** Signs so far that the peer receives our frames, as last told; and that count when the last request went out. */
    private long receipts;
    private long receiptsAtRequest;

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

    /**
     * A request falls due while our output is held back (the GRE of a call whose client dialled
     * again: {@code GreChannel.holdOutput}): it could not be sent, so it is not counted as
     * unanswered; the next is due an interval on. The requests sent before still count.
     */
    void postponeIfDue(long now) {
        if (isDue(now)) {
            due = now + (hurriedNanos > 0 ? hurriedNanos : intervalNanos);
        }
    }

    /** Whether the requests already sent went unanswered long enough to declare the link dead. */
    boolean exhausted() {
        return unanswered >= (hurriedNanos > 0 ? HURRIED_MAX : maxUnanswered);
    }

    /** Requests in a row unanswered that end a hurried check: 3 s at 1 s, whatever the keepalive's own count. */
    static final int HURRIED_MAX = 3;

    /**
     * The peer has shown {@code count} times so far that it receives our frames (in PPTP, its GRE
     * acknowledgement moving on: RFC 2637 §4.2.5). Any such sign after a request answers it as
     * its Echo-Reply would: on a lossy link (a hotel's Wi-Fi, a phone's 3G) three replies lost in
     * a row would otherwise end a session whose data still flows both ways, about once an hour at
     * 10% loss each way with a request every 20 s, and a hurried check ({@link #hurry}) of a live
     * session whose replies queue behind a download for over 3 s would end it. pppd's
     * lcp-echo-adaptive likewise sends no request while traffic arrives. The peer's traffic alone
     * is no such sign: a client behind a NAT that now sends our GRE to another of its clients still
     * sends, and hears nothing.
     */
    void receiptsHeard(long count, long now) {
        receipts = count;
        if (running && unanswered > 0 && count != receiptsAtRequest) {
            replyReceived(now);
        }
    }

    void requestSent() {
        unanswered++;
        receiptsAtRequest = receipts;
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
