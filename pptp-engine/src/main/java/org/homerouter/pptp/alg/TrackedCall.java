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
    /** When its GRE NAT rules, whose counters {@link #greTrouble} judges by, were (last) put in, by the ALG's clock. */
    long countedFrom;
    /** Whether those rules' counters were read since, and when last. */
    boolean countersRead;
    long lastReadAt;
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

    /**
     * A working PPTP call sends GRE both ways within its first seconds (each end's LCP
     * Configure-Request, retransmitted every 3 s: RFC 1661 §4.6): a call whose rules' counters
     * (read every few seconds, {@link PptpAlg#greCounters}) showed its GRE one way or none for this
     * long is broken, not just young.
     */
    static final Duration GRE_JUDGED_AFTER = Duration.ofSeconds(15);

    /**
     * Why the call, ending {@code now}, never worked, for the owner of a LAN device that "cannot
     * reach the office VPN": its GRE (IP protocol 47, RFC 2637 §4) went one way or none, which the
     * control connection's success hides; empty for a call whose GRE flowed both ways, or one whose
     * rules' counters were not read over {@link #GRE_JUDGED_AFTER}: never read (its rules failed to
     * go in, or were flushed and not yet put back) is not "counted none", and blamed the device for
     * the router's own missing rules.
     */
    java.util.Optional<String> greTrouble(long now) {
        long seconds = Duration.ofNanos(now - countedFrom).toSeconds();
        if (greToClient && greToServer || !countersRead
                || lastReadAt - countedFrom < GRE_JUDGED_AFTER.toNanos()) {
            return java.util.Optional.empty();
        }
        String call = connection.flow.client().getHostAddress() + "'s VPN call to "
                + connection.flow.server().getHostAddress() + " ";
        if (greToServer) {
            return java.util.Optional.of(call + "ended with no GRE back from the server in " + seconds + " s, while the"
                    + " device's went out (" + bytesToServer + " octets): something beyond this router drops GRE (IP"
                    + " protocol 47) from that server (its firewall, or a provider on the way) though TCP port 1723"
                    + " gets through; the device shows a timeout (Windows: error 806 or 619)");
        }
        if (greToClient) {
            return java.util.Optional.of(call + "ended with no GRE from the device in " + seconds + " s, while the"
                    + " server's reached it (" + bytesToClient + " octets): the device's own firewall or VPN software"
                    + " blocks GRE (IP protocol 47)");
        }
        return java.util.Optional.of(call + "ended with no GRE either way in " + seconds + " s: the device sent none"
                + " (its own firewall or VPN software blocks GRE, IP protocol 47), and the server sent none either");
    }

    /** The call as the UI shows it, {@code now} by the ALG's clock. */
    TrackedCallView view(long now) {
        return new TrackedCallView(connection.flow.client(), connection.flow.server(), clientCallId, natCallId,
                serverCallId, state.name(), bytesToClient, bytesToServer, Duration.ofNanos(now - createdAt));
    }
}
