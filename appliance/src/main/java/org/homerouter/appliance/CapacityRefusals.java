package org.homerouter.appliance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Connections the VPN server turned away for lack of room, for the event log. The engine refuses
 * them before any session exists, so no session's end records them: without this, a user told
 * "busy" by the router (Windows error 619/807) leaves no trace on the Logs page. Refusals are
 * counted and summed up at most once per {@code quiet} period, since a flood of them (a scanner,
 * a password-guessing run) is exactly what the limits are for. Not thread-safe (one timer thread).
 */
final class CapacityRefusals {
    /**
     * The engine's counters of refusals, each only growing: calls beyond the session limit, calls
     * the address pool had no address for, logins beyond their limits, control connections.
     */
    record Counts(long calls, long callsWithoutAddress, long logins, long connections) {
        static final Counts NONE = new Counts(0, 0, 0, 0);
    }

    private final long quietNanos;
    private Counts reported = Counts.NONE;
    private long reportedAt;
    private boolean everReported;

    CapacityRefusals(Duration quiet) {
        this.quietNanos = quiet.toNanos();
    }

    /**
     * @param maxSessions the VPN server's session limit, named in the advice
     * @return the event to log, when refusals happened since the last one and the quiet period is over
     */
    Optional<String> check(Counts now, long nanos, int maxSessions) {
        if (now.equals(reported) || everReported && nanos - reportedAt < quietNanos) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        long calls = now.calls() - reported.calls();
        long withoutAddress = now.callsWithoutAddress() - reported.callsWithoutAddress();
        long logins = now.logins() - reported.logins();
        long connections = now.connections() - reported.connections();
        if (calls > 0) {
            parts.add(count(calls, "call") + " because all " + maxSessions + " sessions were in use (raise \"Maximum"
                    + " sessions\" on the VPN server page, or disconnect idle sessions)");
        }
        if (withoutAddress > 0) {
            parts.add(count(withoutAddress, "call") + " because every address of the pool was in use or promised to"
                    + " a call still logging in (enlarge the pool on the VPN server page, or disconnect idle sessions)");
        }
        if (logins > 0) {
            parts.add(count(logins, "call") + " because too many logins were in progress at once, from one address or"
                    + " in all (a client retrying very fast, or someone guessing passwords)");
        }
        if (connections > 0) {
            parts.add(count(connections, "control connection") + " because of the limits on connections in all, per"
                    + " address and per minute (usually a scanner or a client in a loop)");
        }
        reported = now;
        reportedAt = nanos;
        everReported = true;
        return Optional.of("the VPN server turned away " + String.join("; ", parts));
    }

    private static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
