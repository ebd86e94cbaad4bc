package org.homerouter.pptp.gre;

/**
 * Serial-number arithmetic (RFC 1982) on 32-bit GRE sequence numbers, which wrap from 0xFFFFFFFF to
 * 0 (RFC 2637 §4.1 gives them no other bound).
 */
final class Serial32 {
    private Serial32() {
    }

    /** Signed distance from {@code from} to {@code to}: positive when {@code to} is later. */
    static int distance(int from, int to) {
        return to - from;
    }

    /** Whether {@code a} comes after {@code b}. */
    static boolean after(int a, int b) {
        return a - b > 0;
    }
}
