package org.homerouter.pptp.alg;

import static org.homerouter.pptp.alg.PptpAlg.ALL_CALLS_PER_MINUTE;
import static org.homerouter.pptp.alg.PptpAlg.ALL_CALL_BURST;
import static org.homerouter.pptp.alg.PptpAlg.CALLS_PER_MINUTE;
import static org.homerouter.pptp.alg.PptpAlg.CALL_BURST;
import static org.homerouter.pptp.alg.PptpAlg.MAX_CALLS;
import static org.homerouter.pptp.alg.PptpAlg.MAX_CALLS_PER_CLIENT;
import static org.homerouter.pptp.alg.PptpAlg.MAX_CALLS_PER_CONNECTION;
import static org.homerouter.pptp.alg.PptpAlg.NO_CALL_ID;
import static org.homerouter.pptp.alg.PptpAlg.QUIET_CALLS;
import static org.homerouter.pptp.alg.PptpAlg.REFUSED_LOGGED;
import static org.homerouter.pptp.alg.PptpAlg.RESERVED_CALLS;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.SourceBuckets;
import org.homerouter.pptp.TokenBucket;
import org.homerouter.pptp.alg.PptpAlg.CallState;
import org.homerouter.pptp.control.ControlMessageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * What the ALG lets in: whether a new call has a NAT ID or goes out with Call ID 0 (the server's
 * acceptance of its control connection, the caps per connection, per client and in all, the rates
 * of new calls per client and of the LAN's, with its reserve for quiet clients: see {@link
 * PptpAlg#ALL_CALL_BURST}), the NAT ID it is given, and which control connection is closed to
 * make room for a new one when the table is full.
 *
 * <p>Touched only under the ALG's lock ({@link PptpAlg}'s monitor), as every segment is. Its log
 * lines are the ALG's, under PptpAlg's logger; the refusals go to the ALG's sink.
 */
final class CallAdmission {
    private static final Logger LOG = LoggerFactory.getLogger(PptpAlg.class);
    /** Connections closed to make room: a flood makes one a segment, whose lines must not take the refusals' budget. */
    private static final LogLimit ROOM_LOGGED = new LogLimit();

    private final Clock clock;
    private final NatCallIdPool pool;
    private final CallTable table;
    private final PptpAlg alg;
    private final SourceBuckets<Inet4Address> newCalls = new SourceBuckets<>(CALL_BURST, CALLS_PER_MINUTE);
    /** Whose calls may take the LAN's reserve: a token here is a quiet client (see {@link PptpAlg#ALL_CALL_BURST}). */
    private final SourceBuckets<Inet4Address> quietCalls = new SourceBuckets<>(QUIET_CALLS, QUIET_CALLS);
    private TokenBucket allNewCalls;

    CallAdmission(Clock clock, NatCallIdPool pool, CallTable table, PptpAlg alg) {
        this.clock = clock;
        this.pool = pool;
        this.table = table;
        this.alg = alg;
    }

    /**
     * A token for one more new call of any client, leaving {@code keep} in the bucket (see
     * {@link PptpAlg#ALL_CALL_BURST}); under the tracker's lock.
     */
    private boolean allNewCallsTake(long now, int keep) {
        if (allNewCalls == null) {
            allNewCalls = new TokenBucket(ALL_CALL_BURST, ALL_CALLS_PER_MINUTE, now);
        }
        return allNewCalls.take(now, keep);
    }

    /**
     * The NAT ID of the call {@code field} of {@code c} places with the client's call ID {@code
     * value} (an Outgoing-Call-Request, or an Incoming-Call-Reply), entered in the table; or
     * {@link PptpAlg#NO_CALL_ID} when it may not have one.
     */
    int allocate(TrackedConnection c, RewrittenField field, int value) {
        TrackedCall old = c.byClientId(value);
        String refusal = refusal(c, field, old);
        if (refusal != null) {
            return refused(c, field, value, refusal);
        }
        if (old != null) {
            table.remove(old, "call ID reused by a new " + field.type.abbreviation());
        }
        // A call that cannot have a NAT ID goes out with Call ID 0, which the pool
        // never hands out: passed untranslated, the client's own ID could equal
        // another LAN client's NAT ID towards the server, and the server's GRE for
        // it would reach that client. With 0 this call fails, alone.
        if (c.calls.size() >= MAX_CALLS_PER_CONNECTION) {
            if (!c.warnedFull) {
                c.warnedFull = true;
                LOG.warn("alg: {} holds {} calls already: further calls on it go out with Call ID 0"
                        + " and fail", c.flow, c.calls.size());
            }
            tell(c, "its control connection holds " + c.calls.size() + " calls already");
            c.refuse(field, value);
            return NO_CALL_ID;
        }
        long now = clock.nanos();
        if (!newCalls.take(c.flow.client(), now)) {
            return refused(c, field, value, c.flow.client().getHostAddress() + " placed calls faster than "
                    + CALL_BURST + " at once, then " + (int) (CALLS_PER_MINUTE / 60) + " a second");
        }
        boolean quiet = quietCalls.has(c.flow.client(), now);
        if (!allNewCallsTake(now, quiet ? 0 : RESERVED_CALLS)) {
            return refused(c, field, value, "the LAN's new calls came faster than " + ALL_CALL_BURST
                    + " at once, then " + (int) (ALL_CALLS_PER_MINUTE / 60) + " a second" + (quiet ? ""
                    : " (the last " + RESERVED_CALLS + " are kept for clients placing at most one"
                    + " call every " + (int) (60 / QUIET_CALLS) + " s, " + QUIET_CALLS + " at once)"));
        }
        quietCalls.take(c.flow.client(), now);
        int nat = pool.allocate(c.publicAddress, c.flow.server(), alg.routerCallIds());
        if (nat < 0) {
            LOG.warn("alg: {} no free NAT call ID towards {}: {} goes out with Call ID 0 and fails", c.flow,
                    c.flow.server().getHostAddress(), field.type.abbreviation());
            tell(c, "no call ID towards that server is free");
            c.refuse(field, value);
            return NO_CALL_ID;
        }
        c.refused.remove(value);
        TrackedCall call = new TrackedCall(c, value, nat, field.type == ControlMessageType.OUTGOING_CALL_REQUEST
                ? CallState.OUT_REQUESTED : CallState.IN_REPLIED, clock);
        c.calls.add(call);
        if (field.type == ControlMessageType.INCOMING_CALL_REPLY) {
            call.answersIncoming = true;
        }
        table.add(call);
        return nat;
    }

    /**
     * Why a new call (replacing {@code old}, its ID's earlier call on this connection, if
     * any) may not have a NAT ID, or null when it may.
     */
    private String refusal(TrackedConnection c, RewrittenField field, TrackedCall old) {
        if (!c.confirmed) {
            return "the server has not accepted the control connection";
        }
        if (field.type == ControlMessageType.INCOMING_CALL_REPLY && c.incomingRequested.isEmpty()) {
            return "an Incoming-Call-Reply to no Incoming-Call-Request";
        }
        int replaced = old == null ? 0 : 1;
        Inet4Address client = c.flow.client();
        if (table.heldBy(client) - replaced >= MAX_CALLS_PER_CLIENT) {
            return client.getHostAddress() + " holds " + MAX_CALLS_PER_CLIENT + " calls already";
        }
        if (table.size() - replaced >= MAX_CALLS) {
            return "the ALG holds " + MAX_CALLS + " calls already";
        }
        return null;
    }

    /** Logs (within a budget) why the call goes out with Call ID 0, and remembers it as refused. */
    private int refused(TrackedConnection c, RewrittenField field, int clientCallId, String why) {
        String note = REFUSED_LOGGED.admit();
        if (note != null) {
            LOG.warn("alg: {} {} goes out with Call ID 0 and fails: {}{}", c.flow, field.type.abbreviation(),
                    why, note);
        }
        tell(c, why);
        c.refuse(field, clientCallId);
        return NO_CALL_ID;
    }

    private void tell(TrackedConnection c, String why) {
        alg.tell(c.flow.client(), c.flow.client().getHostAddress() + "'s PPTP call to "
                + c.flow.server().getHostAddress() + " was refused: " + why);
    }

    /**
     * A connection to close so that {@code client}'s new one is tracked, every place being taken;
     * null if none may go. Without it, a LAN host sending SYNs from 32 addresses (a /24's any, as
     * rp_filter lets through) and resending them within two minutes kept the table full, and every
     * other client's PPTP to an outside server failed at its TCP handshake. Only a connection that
     * holds no call and has not carried data both ways may go (a SYN never answered, or a server
     * that never sent its Start-Control-Connection-Reply): any working PPTP client's has, within a
     * round trip of connecting. It is taken from the address holding the most such connections,
     * the least recently active of them, and from another address than the newcomer's only if
     * that one holds more than the newcomer would: otherwise from the newcomer's own, or none. A
     * flooder thus loses its own entries, not the real clients', whose connection is one among
     * its dozens. Their lifetime stays conntrack's SYN_SENT 120 s from the last segment, refreshed
     * by a resent SYN: a shorter one from the first would not stop a host resending its SYNs, whose
     * next SYN makes the expired entry again, while it could cut a slow real handshake. A scan of
     * the table, only when it is full.
     */
    Room roomFor(Inet4Address client, Collection<TrackedConnection> connections) {
        Map<Inet4Address, Integer> held = new HashMap<>();
        Map<Inet4Address, TrackedConnection> leastActive = new HashMap<>();
        for (TrackedConnection c : connections) {
            if (c.mayGiveWay()) {
                held.merge(c.flow.client(), 1, Integer::sum);
                leastActive.merge(c.flow.client(), c, (a, b) -> b.lastActivity - a.lastActivity < 0 ? b : a);
            }
        }
        Inet4Address most = client;
        int mostHeld = held.getOrDefault(client, 0) + 1;
        for (Map.Entry<Inet4Address, Integer> e : held.entrySet()) {
            if (e.getValue() > mostHeld) {
                most = e.getKey();
                mostHeld = e.getValue();
            }
        }
        TrackedConnection c = leastActive.get(most);
        return c == null ? null : new Room(c, held.get(most));
    }

    /**
     * Logs (within a budget) and tells why {@code flow}'s new control connection is dropped: its
     * client holds {@code held} of the {@code tracked} ones already, the most one client may
     * ({@code clientFull}), or the table is full and none may make room.
     */
    void refuseConnection(ControlFlow flow, boolean clientFull, int tracked, int held) {
        Inet4Address client = flow.client();
        String note = REFUSED_LOGGED.admit();
        if (note != null) {
            LOG.warn("alg: {} not tracked: {} control connections already ({} of them {}'s); dropped{}",
                    flow, tracked, held, client.getHostAddress(), note);
        }
        // The owner sees the client's error 807 ("no answer"); the Logs page says why.
        alg.tell(client, client.getHostAddress() + "'s PPTP connection to " + flow.server().getHostAddress()
                + " was not let through: " + (clientFull ? client.getHostAddress() + " holds " + held
                + " PPTP control connections already, the most one LAN" + " client may" : "the router tracks "
                + tracked + " PPTP control connections" + " already, the most it can"));
    }

    /** The connection {@link #roomFor} closes, and how many that may give way its address held. */
    record Room(TrackedConnection connection, int held) {
        /** Logs (within a budget) that the connection is closed for {@code flow}, {@code tracked} being tracked. */
        void log(int tracked, ControlFlow flow) {
            String note = ROOM_LOGGED.admit();
            if (note != null) {
                LOG.warn("alg: control connections full ({}): {} closed to track {}; {} holds the most that never"
                        + " carried data both ways ({}: opened and left unused, as by a host flooding port 1723){}",
                        tracked, connection.flow, flow,
                        connection.flow.client().getHostAddress(), held, note);
            }
        }
    }
}
