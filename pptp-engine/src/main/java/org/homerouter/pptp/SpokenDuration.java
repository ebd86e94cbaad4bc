package org.homerouter.pptp;

/** A duration as the logs and the owner read it. */
public final class SpokenDuration {
    private SpokenDuration() {
    }

    /** "0 s", "42 s", "3 min 5 s", "1 h 2 min 5 s": whole seconds, for a person to read. */
    public static String of(long nanos) {
        long s = Math.max(0, nanos) / 1_000_000_000L;
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + s / 60 % 60 + " min " + s % 60 + " s";
    }
}
