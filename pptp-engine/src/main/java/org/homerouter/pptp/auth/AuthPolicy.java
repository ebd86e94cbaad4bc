package org.homerouter.pptp.auth;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * What authentication a side accepts and how patiently it runs it.
 *
 * @param methods the allowed methods, most preferred first; never empty, no repeats
 * @param maxAttempts how many MS-CHAPv2 Responses one session may try before the Failure says
 *     R=0 (RFC 2759 §6); 1 means no retry. Only MS-CHAPv2 has a way to invite a retry: a PAP
 *     Authenticate-Nak and a CHAP Failure end the exchange (RFC 1334 §2.2.2, RFC 1994 §4.2)
 * @param restartTimeout how long to wait for an answer before sending a CHAP Challenge or a PAP
 *     Authenticate-Request again (RFC 1994 §4.1, RFC 1334 §2.2.1; 3 s like RFC 1661's Restart timer)
 * @param maxTransmissions how many times such a packet is sent in all before giving up (10, like
 *     RFC 1661's Max-Configure)
 * @param overallTimeout how long the whole exchange may take from its start, so that a silent or
 *     dawdling peer cannot hold a session (and its call and tunnel) open
 */
public record AuthPolicy(List<AuthMethod> methods, int maxAttempts, Duration restartTimeout,
                         int maxTransmissions, Duration overallTimeout) {

    /**
     * MS-CHAPv2 only, one attempt, 3 s x 10 retransmissions, 30 s overall. PAP sends the password
     * in clear and CHAP-MD5 needs it stored in clear, and neither yields MPPE keys; they have to be
     * asked for.
     */
    public static final AuthPolicy DEFAULT = new AuthPolicy(List.of(AuthMethod.MSCHAP_V2), 1,
            Duration.ofSeconds(3), 10, Duration.ofSeconds(30));

    public AuthPolicy {
        methods = List.copyOf(methods);
        if (methods.isEmpty() || EnumSet.copyOf(methods).size() != methods.size()) {
            throw new IllegalArgumentException("methods must be non-empty and without repeats: " + methods);
        }
        if (maxAttempts < 1 || maxTransmissions < 1) {
            throw new IllegalArgumentException("maxAttempts and maxTransmissions must be at least 1");
        }
        if (!restartTimeout.isPositive() || !overallTimeout.isPositive()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /** Whether the method may be used. */
    public boolean allows(AuthMethod method) {
        return methods.contains(method);
    }

    /** The method to ask for first. */
    public AuthMethod preferred() {
        return methods.getFirst();
    }

    /** The next allowed method after one the peer refused, if any is left. */
    public Optional<AuthMethod> after(AuthMethod refused) {
        int i = methods.indexOf(refused);
        return i >= 0 && i + 1 < methods.size() ? Optional.of(methods.get(i + 1)) : Optional.empty();
    }

    public AuthPolicy withMethods(AuthMethod... preferenceOrder) {
        return new AuthPolicy(List.of(preferenceOrder), maxAttempts, restartTimeout, maxTransmissions, overallTimeout);
    }

    public AuthPolicy withMaxAttempts(int n) {
        return new AuthPolicy(methods, n, restartTimeout, maxTransmissions, overallTimeout);
    }

    public AuthPolicy withRestartTimeout(Duration d) {
        return new AuthPolicy(methods, maxAttempts, d, maxTransmissions, overallTimeout);
    }

    public AuthPolicy withMaxTransmissions(int n) {
        return new AuthPolicy(methods, maxAttempts, restartTimeout, n, overallTimeout);
    }

    public AuthPolicy withOverallTimeout(Duration d) {
        return new AuthPolicy(methods, maxAttempts, restartTimeout, maxTransmissions, d);
    }
}
