package org.homerouter.pptp.ppp.lcp;

import java.time.Duration;

/**
 * How the path-MTU probe of an open link runs (see {@code PathProbe}).
 *
 * @param enabled     whether the link is probed once the session is up
 * @param timeout     how long one round waits for its echoes
 * @param attempts    lost rounds in a row that prove a size lost (one lost packet is not a pattern)
 * @param granularity the bisection stops when passed and lost sizes are this close, in octets
 */
public record PathProbeSettings(boolean enabled, Duration timeout, int attempts, int granularity) {
    /** 3 s per round, 3 tries: a size is called lost after 9 s of silence while small echoes return. */
    public static final PathProbeSettings DEFAULT = new PathProbeSettings(true, Duration.ofSeconds(3), 3, 8);
    public static final PathProbeSettings OFF = new PathProbeSettings(false, Duration.ofSeconds(3), 3, 8);

    public PathProbeSettings {
        if (timeout.isNegative() || timeout.isZero() || attempts < 1 || granularity < 1) {
            throw new IllegalArgumentException("timeout > 0, attempts >= 1 and granularity >= 1 required");
        }
    }
}
