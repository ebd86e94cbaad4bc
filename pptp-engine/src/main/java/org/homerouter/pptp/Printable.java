package org.homerouter.pptp;

/**
 * Text a peer chose (a user name, a server's failure message), made safe for a log line, the
 * event log and a terminal: a newline in it would forge a line of its own, an escape sequence
 * would act on the administrator's terminal, and its length is the peer's to choose.
 */
public final class Printable {
    /** The most characters kept: a name or a message, not a page. */
    public static final int MAX = 128;

    private Printable() {
    }

    /** Printable ASCII as is; anything else (and the backslash, which the escapes use) as \\uXXXX; at most {@link #MAX}. */
    public static String of(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX));
        for (int i = 0; i < s.length() && b.length() < MAX; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }
}
