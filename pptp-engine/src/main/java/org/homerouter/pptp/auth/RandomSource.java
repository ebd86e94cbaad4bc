package org.homerouter.pptp.auth;

import java.security.SecureRandom;

/**
 * Where challenges come from. Injected so that tests can force known-answer values (RFC 2759
 * §9.2); production uses {@link #secure()}.
 */
@FunctionalInterface
public interface RandomSource {

    /** Fills the array with unpredictable octets. */
    void nextBytes(byte[] out);

    /** A fresh challenge-sized array. */
    default byte[] bytes(int n) {
        byte[] out = new byte[n];
        nextBytes(out);
        return out;
    }

    /**
     * The platform's strong random generator. RFC 1994 §2.3 and RFC 2759 §3 rely on challenges
     * that an attacker cannot predict.
     */
    static RandomSource secure() {
        SecureRandom random = new SecureRandom();
        return random::nextBytes;
    }
}
