package org.homerouter.pptp.alg;

import static org.homerouter.pptp.alg.PptpAlg.MAX_CALLS_PER_CONNECTION;

import org.homerouter.pptp.control.ControlMessageType;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One PPTP control connection the ALG follows: its two {@link ControlStream}s and their
 * {@link CallMessages} handlers, its TCP ends seen, its calls, and what its messages told of the
 * session (accepted by the server, Incoming-Call-Requests to answer, calls refused).
 *
 * <p>Touched only under the ALG's lock ({@link PptpAlg}'s monitor), as every segment and expiry
 * is.
 */
final class TrackedConnection {
    final ControlFlow flow;
    final Inet4Address publicAddress;
    final List<TrackedCall> calls = new ArrayList<>(2);
    final ControlStream toServer = new ControlStream(Direction.TO_SERVER);
    final ControlStream toClient = new ControlStream(Direction.TO_CLIENT);
    final ControlStream.Handler toServerHandler;
    final ControlStream.Handler toClientHandler;
    final boolean[] dataSeen = new boolean[2];
    final boolean[] finSeen = new boolean[2];
    long lastActivity;
    /**
     * The server accepted the control connection (Start-Control-Connection-Reply, result 1)
     * and no Stop-Control-Connection-Request followed: only then are calls placed on it, as
     * nf_conntrack_pptp's PPTP_SESSION_CONFIRMED (RFC 2637 §2.1, §2.7).
     */
    boolean confirmed;
    /**
     * The server's Call IDs of its Incoming-Call-Requests not answered yet: each lets one
     * Incoming-Call-Reply through, which must name one of them as its Peer's Call ID
     * (RFC 2637 §2.10; nf_conntrack_pptp refuses an ICRP "without incall_req").
     */
    final RecentCallIds incomingRequested = new RecentCallIds(MAX_CALLS_PER_CONNECTION);
    /** The call cap was logged for this connection: a flood of requests gets one line. */
    boolean warnedFull;
    /** Client call IDs that went out as Call ID 0 (no NAT ID), the last few of them. */
    final RecentCallIds refused = new RecentCallIds(MAX_CALLS_PER_CONNECTION);
    /**
     * Client call IDs of Outgoing-Call-Requests that went out as Call ID 0, oldest first, whose
     * replies have not come back: the server answers each with Peer's Call ID 0, in order (RFC
     * 2637 §2.8: one reply per request), and the reply goes back to the client with its own ID
     * and a failure, or the client waits for a reply to its call until its own timeout.
     */
    final ArrayDeque<Integer> refusedAwaitingReply = new ArrayDeque<>();
    /** The Outgoing-Call-Reply being read answers a refused call: its result is rewritten. */
    boolean replyToRefused;
    /** Met mid-stream and reset ({@link PptpAlg#resetConnectionsPickedUp}): nothing on it passes but ACKs and RSTs. */
    boolean resetAfterPickUp;
    /**
     * Per {@link Direction} of a connection {@link #resetAfterPickUp}: a RST went toward that
     * direction's receiver and nothing came from it since, so it is taken for reset.
     */
    final boolean[] resetSentTo = new boolean[2];

    void refuse(RewrittenField field, int clientCallId) {
        refused.remember(clientCallId);
        // Before the server accepted the connection it may send no reply at all (§2.1).
        if (field.type == ControlMessageType.OUTGOING_CALL_REQUEST && confirmed) {
            if (refusedAwaitingReply.size() == MAX_CALLS_PER_CONNECTION) {
                refusedAwaitingReply.removeFirst(); // a flood of requests: the newest are answered
            }
            refusedAwaitingReply.addLast(clientCallId);
        }
    }

    TrackedConnection(ControlFlow flow, Inet4Address publicAddress, CallAdmission admission, CallTable table,
                      PptpAlg alg) {
        this.toServerHandler = new CallMessages(this, Direction.TO_SERVER, admission, table, alg);
        this.toClientHandler = new CallMessages(this, Direction.TO_CLIENT, admission, table, alg);
        this.flow = flow;
        this.publicAddress = publicAddress;
    }

    ControlStream stream(Direction d) {
        return d == Direction.TO_SERVER ? toServer : toClient;
    }

    /** Whether the connection may be closed to make room for another ({@link CallAdmission#roomFor}). */
    boolean mayGiveWay() {
        return calls.isEmpty() && !(dataSeen[0] && dataSeen[1]);
    }

    /** How long the connection, once it holds no call, may be quiet before {@link PptpAlg#expire} forgets it. */
    Duration idleLimit(AlgTimeouts timeouts) {
        // Half-closed (a FIN one way): as short as before it carried data, as Linux's TCP
        // tracking gives FIN_WAIT and CLOSE_WAIT minutes, not the established days.
        return dataSeen[0] && dataSeen[1] && !finSeen[0] && !finSeen[1]
                ? timeouts.established() : timeouts.handshake();
    }

    ControlStream.Handler handler(Direction d) {
        return d == Direction.TO_SERVER ? toServerHandler : toClientHandler;
    }

    TrackedCall byClientId(int id) {
        for (TrackedCall call : calls) {
            if (call.clientCallId == id) {
                return call;
            }
        }
        return null;
    }

    TrackedCall byNatId(int id) {
        for (TrackedCall call : calls) {
            if (call.natCallId == id) {
                return call;
            }
        }
        return null;
    }

    TrackedCall byServerId(int id) {
        for (TrackedCall call : calls) {
            if (call.serverCallId == id) {
                return call;
            }
        }
        return null;
    }
}
