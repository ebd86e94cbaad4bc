package org.homerouter.webui.api;

import java.util.regex.Pattern;

/** Strict dotted-quad IPv4 text (no host names: validation must never wait on DNS). */
public final class Ipv4 {
    private static final Pattern QUAD = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private Ipv4() {
    }

    public static boolean valid(String text) {
        return text != null && QUAD.matcher(text).matches();
    }

    /** The address as an int (network order); call {@link #valid} first. */
    public static int parse(String text) {
        if (!valid(text)) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        int v = 0;
        for (String part : text.split("\\.")) {
            v = v << 8 | Integer.parseInt(part);
        }
        return v;
    }

    /** In RFC 1918's private space (10/8, 172.16/12, 192.168/16): a LAN's, never anyone's on the internet. */
    public static boolean rfc1918(int a) {
        int first = a >>> 24;
        int second = (a >>> 16) & 0xFF;
        return first == 10 || first == 172 && second >= 16 && second <= 31 || first == 192 && second == 168;
    }

    public static String format(int v) {
        return (v >>> 24) + "." + (v >>> 16 & 0xFF) + "." + (v >>> 8 & 0xFF) + "." + (v & 0xFF);
    }
}
