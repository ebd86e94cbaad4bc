package org.homerouter.pptp.ppp;

import java.nio.charset.StandardCharsets;

/**
 * The Data of a Terminate-Request we send: RFC 1661 §5.5 leaves it to the sender and the receiver
 * does not interpret it, but pppd logs it ("LCP terminated by peer (...)"), so it is where the
 * peer's user reads why we hung up. Printable ASCII only, as that log line and any terminal take it
 * as is, and short: a reason, not a report.
 */
public final class TerminateText {
    /** The most octets sent: a short sentence. */
    public static final int MAX = 100;

    private TerminateText() {
    }

    /** {@code text} with anything but printable ASCII as '?', cut to {@link #MAX} octets. */
    public static byte[] encode(String text) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX));
        for (int i = 0; i < text.length() && b.length() < MAX; i++) {
            char c = text.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString().strip().getBytes(StandardCharsets.US_ASCII);
    }
}
