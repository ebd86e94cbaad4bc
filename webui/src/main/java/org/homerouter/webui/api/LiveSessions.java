package org.homerouter.webui.api;

import java.util.List;

/** The running VPN server as the dashboard sees it, and its session history. */
public interface LiveSessions {
    ServerState state();

    List<ActiveSession> active();

    /** How the router stands on its internet (WAN) side; empty where that is not known (not the router's Linux). */
    default java.util.Optional<WanSide> wanSide() {
        return java.util.Optional.empty();
    }

    /**
     * The clients whose sessions are up, "alice (192.0.2.7)" each, for a warning before a change
     * that disconnects them; without waiting for a session that is busy.
     */
    default List<String> connected() {
        return active().stream().filter(a -> a.callId() >= 0 && !a.user().isEmpty())
                .map(a -> a.user() + " (" + a.client() + ")").toList();
    }

    /** Hangs up one session (LCP Terminate, then the call is cleared); false if it is gone. */
    boolean disconnect(int callId, String event);

    /** Counters since the appliance started (ended sessions included): monotonic, for rates. */
    Totals totals();

    /** Finished sessions and failed attempts, newest first. */
    List<SessionRecord> history(int limit);

    /**
     * The newest failed sessions and attempts, at most {@code limit}, without failed logins under
     * user names that are none of the router's accounts ({@link #unknownUserSummary} sums those
     * up): a stranger guessing adds such a row every half minute, and the user's own failure must
     * not drop out of sight under them.
     */
    default List<SessionRecord> problems(int limit) {
        return history(50).stream().filter(SessionRecord::failed).limit(limit).toList();
    }

    /** The last 24 hours' failed logins under unknown user names in one line, "" if there were none. */
    default String unknownUserSummary() {
        return "";
    }

    /**
     * Whether the server runs, where, and why not if it cannot carry sessions.
     *
     * @param clientsDial while it runs, where clients dial it and what stands in the way ("" if unknown)
     */
    record ServerState(String version, boolean enabled, boolean running, String listen, int maxSessions,
                       String problem, String clientsDial) {
    }

    /**
     * One connected or connecting client.
     *
     * @param problem what is wrong with the session while it is up, in plain words ("" if nothing)
     * @param advice  what to do about the problem ("" if nothing)
     */
    record ActiveSession(int callId, String user, String client, String tunnelAddress, String phase,
                         long uptimeSeconds, long bytesIn, long bytesOut, String encryption, String problem,
                         String advice) {
        /** A session without a problem. */
        public ActiveSession(int callId, String user, String client, String tunnelAddress, String phase,
                             long uptimeSeconds, long bytesIn, long bytesOut, String encryption) {
            this(callId, user, client, tunnelAddress, phase, uptimeSeconds, bytesIn, bytesOut, encryption, "", "");
        }
    }

    /** @param failed true for attempts that never carried traffic or ended on an error */
    record SessionRecord(long startedMs, long endedMs, String user, String client, String tunnelAddress,
                         long bytesIn, long bytesOut, String endReason, String advice, boolean failed) {
    }

    record Totals(long bytesIn, long bytesOut, int sessions, long authFailures, long sessionsTotal) {
    }
}
