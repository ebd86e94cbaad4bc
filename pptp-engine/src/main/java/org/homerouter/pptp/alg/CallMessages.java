package org.homerouter.pptp.alg;

import static org.homerouter.pptp.alg.PptpAlg.CALLS_LOGGED;
import static org.homerouter.pptp.alg.PptpAlg.NO_CALL_ID;
import static org.homerouter.pptp.alg.PptpAlg.REFUSED_LOGGED;

import io.netty.buffer.Unpooled;
import org.homerouter.pptp.alg.PptpAlg.CallState;
import org.homerouter.pptp.control.CallClearRequest;
import org.homerouter.pptp.control.CallDisconnectNotify;
import org.homerouter.pptp.control.ControlMessage;
import org.homerouter.pptp.control.ControlMessageCodec;
import org.homerouter.pptp.control.ControlMessageType;
import org.homerouter.pptp.control.IncomingCallConnected;
import org.homerouter.pptp.control.IncomingCallReply;
import org.homerouter.pptp.control.MalformedControlMessageException;
import org.homerouter.pptp.control.OutgoingCallReply;
import org.homerouter.pptp.control.StartControlConnectionReply;
import org.homerouter.pptp.control.StopControlConnectionRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * What one direction of a {@link TrackedConnection}'s control stream does to its calls: the call
 * IDs each message's fields carry, rewritten (a new call's NAT ID from {@link CallAdmission}), and
 * each whole message's effect (a call connected, cleared or gone, the connection accepted or
 * stopped), as nf_conntrack_pptp reads them.
 *
 * <p>Touched only under the ALG's lock ({@link PptpAlg}'s monitor): its stream calls it from
 * {@link PptpAlg#onSegment}. Its log lines are the ALG's, under PptpAlg's logger.
 */
final class CallMessages implements ControlStream.Handler {
    private static final Logger LOG = LoggerFactory.getLogger(PptpAlg.class);

    private final TrackedConnection c;
    private final Direction direction;
    private final CallAdmission admission;
    private final CallTable table;
    private final PptpAlg alg;

    CallMessages(TrackedConnection c, Direction direction, CallAdmission admission, CallTable table, PptpAlg alg) {
        this.c = c;
        this.direction = direction;
        this.admission = admission;
        this.table = table;
        this.alg = alg;
    }

    @Override
    public int rewrite(RewrittenField field, int value) {
        switch (field.role) {
            case ALLOCATE -> {
                return admission.allocate(c, field, value);
            }
            case TO_NAT -> {
                TrackedCall call = c.byClientId(value);
                if (call != null) {
                    return call.natCallId;
                }
                // A call that went out as Call ID 0 is cleared as 0 too: its own ID could
                // be another client's NAT ID towards the server.
                return c.refused.contains(value) ? NO_CALL_ID : value;
            }
            case TO_CLIENT_ID, TO_CLIENT_ID_IF_KNOWN -> {
                TrackedCall call = c.byNatId(value);
                if (field == RewrittenField.OCRP_PEER_CALL_ID) {
                    c.replyToRefused = call == null && value == NO_CALL_ID && !c.refusedAwaitingReply.isEmpty();
                    if (c.replyToRefused) {
                        return c.refusedAwaitingReply.removeFirst();
                    }
                }
                return call != null ? call.clientCallId : value;
            }
            case REFUSED_RESULT -> {
                // The server connected a call that has no NAT ID (its GRE could reach no
                // one): the client is told "Do Not Accept" (RFC 2637 §2.8, Result Code 7,
                // Error Code 0), and its PPTP client reports the failure at once. A reply
                // that failed already keeps the server's own reason.
                boolean refusedReply = c.replyToRefused;
                c.replyToRefused = false;
                if (refusedReply && value >>> 8 == OutgoingCallReply.RESULT_CONNECTED) {
                    return OutgoingCallReply.RESULT_DO_NOT_ACCEPT << 8;
                }
                return value;
            }
        }
        return value;
    }

    @Override
    public void message(ControlMessageType type, byte[] original) {
        // What lets calls through is read from the octets themselves (RFC 2637 §2.2's
        // Result Code, §2.9's Call ID), as nf_conntrack_pptp does: a server whose message
        // our codec found fault with elsewhere (a vendor string, say) must still be served.
        if (direction == Direction.TO_CLIENT && type == ControlMessageType.START_CONTROL_CONNECTION_REPLY) {
            c.confirmed = (original[14] & 0xFF) == StartControlConnectionReply.RESULT_OK;
            return;
        }
        if (direction == Direction.TO_CLIENT && type == ControlMessageType.INCOMING_CALL_REQUEST) {
            c.incomingRequested.remember(ControlStream.u16(original, 12));
            return;
        }
        ControlMessage m;
        try {
            m = ControlMessageCodec.decode(Unpooled.wrappedBuffer(original));
        } catch (MalformedControlMessageException e) {
            String note = REFUSED_LOGGED.admit();
            if (note != null) {
                LOG.warn("alg: {} {} not acted on: {}{}", c.flow, type.abbreviation(), e.getMessage(), note);
            }
            return;
        }
        switch (m) {
            case StopControlConnectionRequest r -> {
                c.confirmed = false;
                c.incomingRequested.clear();
                c.refusedAwaitingReply.clear();
                for (TrackedCall call : List.copyOf(c.calls)) {
                    table.remove(call, "Stop-Control-Connection-Request");
                }
            }
            case IncomingCallReply r when direction == Direction.TO_SERVER -> {
                TrackedCall call = c.byClientId(r.callId());
                if (call != null && call.answersIncoming && call.state == CallState.IN_REPLIED
                        && !c.incomingRequested.remove(r.peerCallId())) {
                    table.remove(call, "Incoming-Call-Reply to no Incoming-Call-Request of "
                            + r.peerCallId());
                } else if (call != null && call.state == CallState.IN_REPLIED) {
                    call.serverCallId = r.peerCallId();
                    settle(call, r.resultCode() == IncomingCallReply.RESULT_CONNECT, "ICRP result " + r.resultCode());
                }
            }
            case OutgoingCallReply r when direction == Direction.TO_CLIENT -> {
                TrackedCall call = c.byNatId(r.peerCallId());
                if (call != null && call.state == CallState.CLEARING && call.serverCallId < 0) {
                    // The client hung up while the call was being placed (its Call-Clear-
                    // Request crossed this reply): nothing to connect, but the server's ID
                    // lets its Call-Disconnect-Notify, sent with that ID (RFC 2637 §2.13),
                    // end the call at once rather than by timeout.
                    call.serverCallId = r.callId();
                } else if (call != null && call.state != CallState.OUT_REQUESTED) {
                    // One reply per request (RFC 2637 §2.8); nf_conntrack_pptp ignores
                    // others too. Taking its call ID would orphan the GRE rule already
                    // installed for the first one. A server may repeat them: a line
                    // within the budget, not one each.
                    String note = REFUSED_LOGGED.admit();
                    if (note != null) {
                        LOG.warn("alg: {} second Outgoing-Call-Reply for call {} (NAT {}) ignored{}",
                                c.flow, call.clientCallId, call.natCallId, note);
                    }
                } else if (call != null) {
                    call.serverCallId = r.callId();
                    settle(call, r.resultCode() == OutgoingCallReply.RESULT_CONNECTED, "OCRP result " + r.resultCode());
                }
            }
            case IncomingCallConnected r when direction == Direction.TO_CLIENT -> {
                TrackedCall call = c.byNatId(r.peerCallId());
                if (call != null && call.state != CallState.CONNECTED) {
                    table.connect(call);
                }
            }
            case CallClearRequest r when direction == Direction.TO_SERVER -> {
                TrackedCall call = c.byClientId(r.callId());
                if (call != null) {
                    call.state = CallState.CLEARING;
                }
            }
            case CallDisconnectNotify r when direction == Direction.TO_CLIENT -> {
                // The PNS's interpretation first, as the rewrite did; then RFC 2637's.
                TrackedCall call = c.byNatId(r.callId());
                if (call == null) {
                    call = c.byServerId(r.callId());
                }
                if (call != null) {
                    table.remove(call, "Call-Disconnect-Notify");
                }
            }
            default -> {
            }
        }
    }

    @Override
    public void lostSync(String why) {
        String note = CALLS_LOGGED.admit();
        if (note != null) {
            LOG.warn("alg: {} control stream not followed any more: {}{}", c.flow, why, note);
        }
        // From the client its data is dropped from now on (ControlStream#lostVerdict): the
        // connection stalls, which its owner sees only as a client that cannot connect.
        alg.tell(c.flow.client(), c.flow.client().getHostAddress() + "'s PPTP control connection to "
                + c.flow.server().getHostAddress() + " stopped reading as PPTP " + (direction == Direction.TO_SERVER
                ? "from the client: what the client sends on it is dropped, and its calls fail"
                : "from the server: its calls through this router may fail"));
    }

    /** A call's reply settles it: connected, or gone for {@code refused} (the reply's result code). */
    private void settle(TrackedCall call, boolean connected, String refused) {
        if (connected) {
            table.connect(call);
        } else {
            table.remove(call, refused);
        }
    }
}
