package org.homerouter.pptp.alg;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.alg.PptpAlg.CallState;

import java.time.Duration;

/**
 * One call through the ALG, on its {@link TrackedConnection}: its client's, NAT and server's call
 * IDs, its state, whether its GRE is NATed, and what the data plane counted of that GRE.
 *
 * <p>Touched only under the ALG's lock ({@link PptpAlg}'s monitor), as every segment, expiry and
 * GRE counter read is.
 */
final class TrackedCall {
    final TrackedConnection connection;
    final int clientCallId;
    final int natCallId;
    final long createdAt;
    int serverCallId = -1;
    CallState state;
    long lastActivity;
    boolean mapped;
    boolean greToClient;
    boolean greToServer;
    /** GRE octets forwarded each way over the call's life (the view's counts). */
    long bytesToClient;
    long bytesToServer;
    /** The data plane's counters of the call's current rules, as last read. */
    long counterToClient;
    long counterToServer;
    /** Allocated by an Incoming-Call-Reply, whose Peer's Call ID is checked once it is whole. */
    boolean answersIncoming;

    TrackedCall(TrackedConnection connection, int clientCallId, int natCallId, CallState state, Clock clock) {
        this.connection = connection;
        this.clientCallId = clientCallId;
        this.natCallId = natCallId;
        this.state = state;
        this.createdAt = clock.nanos();
        this.lastActivity = createdAt;
    }

    GreMapping mapping() {
        return new GreMapping(connection.flow.client(), clientCallId, connection.flow.server(), serverCallId,
                connection.publicAddress, natCallId);
    }

    /** How long the call may be quiet before {@link PptpAlg#expire} removes it. */
    Duration idleLimit(AlgTimeouts timeouts) {
        // A request the server has not answered yet waits as long as a TCP handshake may
        // (a PAC placing a call can take its time; the kernel's helper keeps a request
        // for as long as its control connection), not GRE's 30 s: an answer after those
        // would reach the client with a NAT ID, and no GRE would be mapped.
        return state == CallState.OUT_REQUESTED || state == CallState.IN_REPLIED
                ? timeouts.handshake()
                : !(greToClient && greToServer) ? timeouts.unreplied() : timeouts.streaming();
    }

    /** When the call was last active, as its {@link #idleLimit} counts. */
    long lastActive() {
        // A streaming call is quiet only while its control connection is too: PPTP's
        // Echo-Request (RFC 2637 §2.5) keeps a connected call's control connection busy
        // when neither end echoes inside the tunnel, and both ends still hold the call.
        return greToClient && greToServer && state == CallState.CONNECTED
                ? Math.max(lastActivity, connection.lastActivity) : lastActivity;
    }

    /** The call as the UI shows it, {@code now} by the ALG's clock. */
    TrackedCallView view(long now) {
        return new TrackedCallView(connection.flow.client(), connection.flow.server(), clientCallId, natCallId,
                serverCallId, state.name(), bytesToClient, bytesToServer, Duration.ofNanos(now - createdAt));
    }
}
