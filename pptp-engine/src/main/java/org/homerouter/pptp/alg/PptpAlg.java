package org.homerouter.pptp.alg;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.Tally;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The PPTP passthrough ALG's tracker: follows every PPTP control connection a LAN client holds
 * with an outside server (both directions, by TCP sequence number), gives each PNS call ID a NAT
 * call ID unique per (public address, server), rewrites the call IDs in place (same length, so
 * sequence numbers stay valid), and tells its {@link GreMappingListener} which GRE to NAT.
 *
 * <p>Lifetimes follow {@code nf_conntrack_pptp.c}: a call goes at once on CDN, on a
 * Stop-Control-Connection-Request from either side and when its control connection closes (a RST
 * its receiver acts on, or FIN both ways); otherwise when idle for the {@link AlgTimeouts}.
 * Thread-safe: the packet path and the expiry timer may call in from different threads.
 *
 * <p>Its parts, each touched only under this object's lock (every method that reaches them is
 * synchronized): {@link TrackedConnection} and {@link TrackedCall} (a control connection's and a
 * call's state), {@link CallMessages} (what each control message does to the calls), {@link
 * CallAdmission} (whether a new call has a NAT ID, the rates of new calls, and which connection
 * makes room for a new one) and {@link CallTable} (the calls by NAT ID, their GRE NAT told to the
 * listener). Their log lines are this class's, under its logger.
 */
public final class PptpAlg {
    private static final Logger LOG = LoggerFactory.getLogger(PptpAlg.class);

    enum CallState { OUT_REQUESTED, IN_REPLIED, CONNECTED, CLEARING }

    /**
     * Calls one control connection may hold. A PPTP client places one call per control connection
     * (Linux's nf_conntrack_pptp expects at most two); without a cap, one LAN host sending
     * Outgoing-Call-Requests on one connection took every NAT call ID towards a server (65,535),
     * so no other LAN client could call it, and each lookup walked them all.
     */
    static final int MAX_CALLS_PER_CONNECTION = 8;
    /**
     * Calls one LAN client may hold through the ALG at once, over all its control connections,
     * and new calls it may place: {@value #CALL_BURST} at once, then {@value #CALLS_PER_MINUTE} a
     * minute. Each call's GRE NAT is installed in the kernel (a process run on the one thread that
     * reads the queue, holding up every client's control traffic meanwhile) and checked by every
     * packet that enters the router; a LAN host that placed calls without end, on connections of
     * its own, would otherwise do both as often as it liked.
     */
    static final int MAX_CALLS_PER_CLIENT = 16;
    static final int CALL_BURST = 16;
    static final double CALLS_PER_MINUTE = 60;
    /** Calls through the ALG at once, all clients together. */
    static final int MAX_CALLS = 1024;
    /**
     * New calls of all clients together: {@value #ALL_CALL_BURST} at once (a whole office after a
     * power cut), then {@value #ALL_CALLS_PER_MINUTE} a minute. The per-client rate alone let one
     * LAN host with many addresses (50 aliases: 3,000 calls a minute) keep the queue's one thread
     * installing and removing kernel rules, while every client's control traffic waited behind it.
     *
     * <p>Its last {@value #RESERVED_CALLS} are kept for quiet clients, those placing at most one
     * call every 30 s ({@value #QUIET_CALLS} at once: a bucket of their own, as many at once and a
     * minute): a busier client's call takes a token only while more are left. Taken first come
     * first served, twenty addresses placing a call a second each (the per-client rate; ten only
     * just fall short) kept the bucket empty, and every other client's call went out with Call ID
     * 0. Now the busy ones share what
     * is above the reserve, and the reserve is refilled first: keeping it empty takes the quiet
     * share of 300 addresses (10 a second, at {@value #QUIET_CALLS} a minute each), more than a /24
     * holds. The total stays the bucket's, whoever places the calls.
     */
    static final int ALL_CALL_BURST = 64;
    static final double ALL_CALLS_PER_MINUTE = 600;
    static final int RESERVED_CALLS = 16;
    static final int QUIET_CALLS = 2;
    /**
     * Control connections tracked for one LAN client, and for all together: a connection to port
     * 1723 beyond them is dropped (its TCP handshake fails), as conntrack drops one beyond its
     * table, unless one not yet used can make room ({@link CallAdmission#roomFor}). Untracked, its calls would leave with the client's own call IDs. All together, as
     * many as calls ({@value #MAX_CALLS}: a connection is there to carry one); each holds a few KB
     * at most (its framing, {@link ControlStream#MAX_UNACKNOWLEDGED} octets each way and their
     * rewrites), a few MB in all. One LAN address holds no more than 32 (twice its calls, for
     * connections on their way out): filling the table takes 32 addresses, as it did before.
     */
    static final int MAX_CONNECTIONS_PER_CLIENT = 32;
    static final int MAX_CONNECTIONS = MAX_CALLS;
    /** What a call without a NAT ID carries instead (see NatCallIdPool: never handed out). */
    static final int NO_CALL_ID = 0;
    static final LogLimit REFUSED_LOGGED = new LogLimit();
    /** RSTs passed without closing (see ControlStream#resetAt): a host spraying them must not silence the calls' lines. */
    private static final LogLimit IGNORED_RESETS_LOGGED = new LogLimit();
    /** A call's and a control stream's life lines: a LAN host calling its own server outside sets their pace. */
    static final LogLimit CALLS_LOGGED = new LogLimit();

    private final Clock clock;
    private final AlgTimeouts timeouts;
    private final PublicAddressResolver publicAddresses;
    /** Told each call that goes out with Call ID 0, in the owner's words, with its LAN client; must return at once. */
    private volatile java.util.function.BiConsumer<Inet4Address, String> refusals = (client, why) -> { };
    private volatile java.util.function.IntPredicate routerCallIds = id -> false;
    /** See {@link #resetConnectionsPickedUp}. */
    private volatile boolean resetPickedUp;
    /** Connections reset by {@link #resetConnectionsPickedUp} so far (under the lock). */
    private long pickedUpResets;
    private final NatCallIdPool pool;
    private final Map<ControlFlow, TrackedConnection> connections = new HashMap<>();
    private final Tally<Inet4Address> connectionsByClient = new Tally<>();
    private final CallTable table;
    private final CallAdmission admission;

    public PptpAlg(Clock clock, AlgTimeouts timeouts, PublicAddressResolver publicAddresses, GreMappingListener listener) {
        // SecureRandom: a LAN host that saw a few NAT call IDs must not predict the next one.
        this(clock, timeouts, publicAddresses, listener, new java.security.SecureRandom());
    }

    public PptpAlg(Clock clock, AlgTimeouts timeouts, PublicAddressResolver publicAddresses, GreMappingListener listener,
                   RandomGenerator random) {
        this.clock = clock;
        this.timeouts = timeouts;
        this.publicAddresses = publicAddresses;
        this.pool = new NatCallIdPool(random);
        this.table = new CallTable(clock, listener, pool);
        this.admission = new CallAdmission(clock, pool, table, this);
    }

    /**
     * Where each refused call or control connection is told, with its LAN client ("192.168.1.20's
     * call to 203.0.113.9 was refused: ..."), on the thread that tracks the segment and under this
     * tracker's lock: the sink only queues.
     */
    public void onRefusal(java.util.function.BiConsumer<Inet4Address, String> sink) {
        this.refusals = sink;
    }

    /**
     * Where a call that ends with its GRE one way or none ({@code TrackedCall#greTrouble}) is told,
     * with its LAN client, under this tracker's lock: the sink only queues.
     */
    public void onGreProblem(java.util.function.BiConsumer<Inet4Address, String> sink) {
        table.greProblems = sink;
    }

    /**
     * The call IDs the router's own calls hold (its VPN server's and its dial-out's): no NAT ID is
     * one of them. Their GRE comes to the same public address keyed by that ID, and a call's GRE
     * NAT for the same server and ID would take it to a LAN client. Asked on the packet path: must
     * not block.
     */
    public void avoidRouterCallIds(java.util.function.IntPredicate routerCallIds) {
        this.routerCallIds = routerCallIds;
    }

    /** The call IDs {@link #avoidRouterCallIds} names, as they are now. */
    java.util.function.IntPredicate routerCallIds() {
        return routerCallIds;
    }

    /**
     * Tells the {@link #onRefusal} sink, as it is now, what {@code client} met; under this
     * object's lock, as its parts call it.
     */
    void tell(Inet4Address client, String what) {
        refusals.accept(client, what);
    }

    /**
     * Whether a control connection met mid-stream (the first segment of it seen carries data and
     * is no SYN) is reset ({@link SegmentVerdict#RESET}) rather than followed from its next header:
     * for a tracker started again while the LAN's calls ran (a service restart: an upgrade, a
     * watchdog kill, an nftables restart, which restarts the service with it). Their control
     * connections outlive the old tracker in conntrack, but their calls' NAT IDs went with it,
     * and their GRE NAT rules with its stop: the client's GRE then leaves masqueraded like any
     * traffic and keeps the call alive at the server, whose GRE, keyed with the old NAT ID, no
     * longer reaches the client. Both ends held a dead call until a keepalive gave up (minutes;
     * longer for a client relying on PPTP's Echo-Request, RFC 2637 §2.5, which the surviving
     * control connection still answers), the Passthrough page listing none; and a call placed
     * later on the connection went out with Call ID 0, its Start-Control-Connection-Reply never
     * seen. Reset, the server drops the call at once, and the client dials again at its next
     * segment, which meets the server's own RST ({@link SegmentVerdict#STRIP}).
     *
     * <p>Which calls such a connection holds its segments do not tell: the Echo-Request, likeliest
     * to come first, names none, and a message that names one (a hang-up, a Set-Link-Info) may
     * come only when the call ends. So every connection met mid-stream is reset, whether it
     * holds a call or not: a PPTP client keeps a control connection only to carry a call (RFC
     * 2637 §1.3; pppd's pptp and Windows close it with the call), and one being set up just as
     * the tracker started fails once and is dialled again. Not for a tracker switched on while
     * calls run (the Passthrough page's switch): those calls were never translated, keep working
     * as they did, and are followed from the next header. Set before the first segment.
     */
    public void resetConnectionsPickedUp(boolean reset) {
        this.resetPickedUp = reset;
    }

    /** How many control connections {@link #resetConnectionsPickedUp} reset so far. */
    public synchronized long connectionsResetAfterPickUp() {
        return pickedUpResets;
    }

    /**
     * Whether {@code id} is a NAT ID of some call now, towards any server: the router's own
     * allocators skip those. Lock-free, for any thread.
     */
    public boolean natIdInUse(int id) {
        return pool.inUseAnywhere(id);
    }

    /** How many rewrites all connections remember for retransmissions (tests: the memory they hold). */
    synchronized int rewritesRemembered() {
        int n = 0;
        for (TrackedConnection c : connections.values()) {
            n += c.toServer.remembered() + c.toClient.remembered();
        }
        return n;
    }

    /** Tracks one control segment, rewriting its payload in place where call IDs must change. */
    public synchronized SegmentVerdict onSegment(TcpSegment s) {
        TrackedConnection c = connections.get(s.flow());
        if (c != null && c.resetAfterPickUp && s.syn()) {
            // The client opens a new connection on the ports of the one reset: followed from its start.
            close(c, "a new TCP connection on the same ports");
            c = null;
        }
        if (c != null && s.syn() && c.stream(s.direction()).startsAnotherConnection(s)) {
            // The client reuses the ports of a connection whose end was not seen (its FIN or
            // RST lost, or the ALG stopped meanwhile): that connection's calls are over, and the
            // new one is followed from its start in both directions, not by the old sequence numbers.
            close(c, "a new TCP connection on the same ports");
            c = null;
        }
        if (c == null) {
            if (s.rst() || s.fin() || (s.length() == 0 && !s.syn())) {
                // Nothing to track: the last ACKs of a connection already closed, or a port
                // scan's answers. State (and a look at the NAT for the public address) only for
                // a connection being opened or carrying data.
                return SegmentVerdict.ACCEPT;
            }
            Inet4Address client = s.flow().client();
            boolean full = connections.size() >= MAX_CONNECTIONS;
            boolean clientFull = connectionsByClient.count(client) >= MAX_CONNECTIONS_PER_CLIENT;
            CallAdmission.Room room = full && !clientFull ? admission.roomFor(client, connections.values()) : null;
            if (clientFull || (full && room == null)) {
                admission.refuseConnection(s.flow(), clientFull, connections.size(), connectionsByClient.count(client));
                return SegmentVerdict.DROP;
            }
            Inet4Address publicAddress;
            try {
                publicAddress = publicAddresses.publicAddressFor(s.flow());
            } catch (RuntimeException e) {
                // Its NAT unknown and no route to the server in the main table (policy routing,
                // say): not tracked, passed as the router's routing passes it.
                String note = REFUSED_LOGGED.admit();
                if (note != null) {
                    LOG.warn("alg: {} not tracked: {}{}", s.flow(), e.getMessage(), note);
                }
                return SegmentVerdict.ACCEPT;
            }
            if (room != null) {
                room.log(connections.size(), s.flow());
                close(room.connection(), "closed to make room for " + s.flow());
            }
            c = new TrackedConnection(s.flow(), publicAddress, admission, table, this);
            connections.put(s.flow(), c);
            connectionsByClient.add(client);
            if (resetPickedUp && !s.syn()) {
                // Kept (holding no call, forgotten as a handshake is) so that its later segments
                // are told from a new connection's: see resetConnectionsPickedUp.
                c.resetAfterPickUp = true;
                c.resetSentTo[s.direction().ordinal()] = true;
                c.lastActivity = clock.nanos();
                pickedUpResets++;
                String note = CALLS_LOGGED.admit();
                if (note != null) {
                    LOG.warn("alg: {} met mid-stream after a restart: the NAT IDs of its calls went with the"
                            + " tracker before, so it is reset (a RST to the {} in place of its segment) and its"
                            + " client dials again{}", s.flow(), s.direction() == Direction.TO_SERVER ? "server"
                            : "client", note);
                }
                return SegmentVerdict.RESET;
            }
        }
        c.lastActivity = clock.nanos();
        if (c.resetAfterPickUp) {
            if (s.rst()) {
                close(c, "TCP reset");
                return SegmentVerdict.ACCEPT;
            }
            return afterPickUpReset(c, s);
        }
        // Before the segment moves the stream on (a RST may carry data).
        boolean reset = s.rst() && c.stream(s.direction()).resetAt(s.sequence(), c.finSeen[s.direction().ordinal()]);
        if (s.syn() && s.ack() && s.direction() == Direction.TO_CLIENT) {
            c.stream(Direction.TO_SERVER).startAt(s.acknowledgment());
        } else if (s.ack()) {
            Direction acknowledged = s.direction().reverse();
            int unseen = c.stream(acknowledged).acknowledged(s.acknowledgment(), c.finSeen[acknowledged.ordinal()]);
            if (unseen > 0) {
                String note = CALLS_LOGGED.admit();
                if (note != null) {
                    LOG.warn("alg: {} {} acknowledged {} octets that crossed the router unseen (its conntrack entry"
                            + " flushed, as by a WAN address dropped and back?): {}{}",
                            s.flow(), s.direction() == Direction.TO_CLIENT ? "the server" : "the client", unseen,
                            c.stream(acknowledged).lost() ? "too many to follow on: no longer followed"
                                    : "followed on from its next message", note);
                }
            }
        }
        SegmentVerdict verdict = c.stream(s.direction()).accept(s, c.handler(s.direction()));
        if (verdict != SegmentVerdict.DROP && s.length() > 0) {
            c.dataSeen[s.direction().ordinal()] = true;
        }
        if (reset) {
            close(c, "TCP reset");
        } else if (s.rst()) {
            // Its receiver ignores it (see resetAt): closed here, the calls' GRE would be cut while
            // their control connection goes on. A LAN host could send such RSTs for another
            // client's connection knowing only its ports.
            String note = IGNORED_RESETS_LOGGED.admit();
            if (note != null) {
                LOG.info("alg: {} RST at sequence {} is not where its receiver expects one: passed, the connection"
                        + " and its calls kept{}", s.flow(), Integer.toUnsignedString(s.sequence()), note);
            }
        } else if (s.fin() && verdict != SegmentVerdict.DROP) {
            c.finSeen[s.direction().ordinal()] = true;
            if (c.finSeen[0] && c.finSeen[1]) {
                close(c, "TCP closed");
            }
        }
        return verdict;
    }

    /**
     * A later segment of a connection {@link #resetConnectionsPickedUp reset}: nothing on it is
     * parsed or let through. Toward an end taken for reset its data is stripped, so that the end
     * answers with a RST of its own, at the sender's RCV.NXT, which ends the sender too (RFC 9293
     * §3.10.7.1). But an end that sends after a RST toward it still has the connection: that RST
     * was below its RCV.NXT and dropped unanswered (§3.10.7.4), as when the segment it replaced
     * was a retransmission of one the end had, whose acknowledgment was lost in the restart (the
     * old tracker's queue drops what it holds at its stop). Stripped, both ends' segments would
     * then pass as bare ACKs for as long as their TCPs retry, the client never told. So the next
     * data toward an end not taken for reset goes on as a RST: the live end's data is most likely
     * what the other end waits for (the reply lost with the acknowledgment), so at its RCV.NXT,
     * and that end's answers then reset the live one.
     */
    private static SegmentVerdict afterPickUpReset(TrackedConnection c, TcpSegment s) {
        c.resetSentTo[s.direction().reverse().ordinal()] = false;
        if (s.length() == 0) {
            return SegmentVerdict.ACCEPT;
        }
        int receiver = s.direction().ordinal();
        if (c.resetSentTo[receiver]) {
            return SegmentVerdict.STRIP;
        }
        c.resetSentTo[receiver] = true;
        return SegmentVerdict.RESET;
    }

    /** The call whose server-to-client GRE arrives from {@code server} at {@code publicAddress} with key call ID {@code natCallId}. */
    public synchronized Optional<GreMapping> mappingFor(Inet4Address server, Inet4Address publicAddress, int natCallId) {
        TrackedCall call = table.get(publicAddress, server, natCallId);
        return call != null && call.mapped ? Optional.of(call.mapping()) : Optional.empty();
    }

    /**
     * Tells the listener again of up to {@code max} calls whose GRE should be NATed and for which
     * {@code present} says it is not (its rules failed to go in, or went from under us); under the
     * tracker's lock, so that no call ends meanwhile and gets its rules back. Returns how many.
     */
    public synchronized int mapAgain(java.util.function.Predicate<GreMapping> present, int max) {
        return table.mapAgain(present, max);
    }

    /**
     * Segments of every connection crossed unseen (the queue rule was gone for a while): each
     * stream picks up again at its next segment that starts with a header, as after a start.
     */
    public synchronized void resynchronise() {
        for (TrackedConnection c : connections.values()) {
            c.toServer.resynchronise();
            c.toClient.resynchronise();
        }
    }

    /** The public addresses the tracked control connections were NATed to. */
    public synchronized java.util.Set<Inet4Address> publicAddresses() {
        java.util.Set<Inet4Address> out = new java.util.HashSet<>();
        for (TrackedConnection c : connections.values()) {
            out.add(c.publicAddress);
        }
        return out;
    }

    /**
     * Ends every control connection NATed to {@code publicAddress}, the router's no longer (a new
     * WAN address from DHCP), with its calls, whose GRE NAT rules go: as Linux's masquerade drops
     * the NAT state of an address that goes (nf_nat_masquerade's inetaddr event). Left in, the
     * rules would send the clients' GRE out from that address, which may be another customer's
     * now. A later segment of such a connection is tracked afresh, NATed to the address it has
     * then. Returns how many calls ended.
     */
    public synchronized int endConnectionsFrom(Inet4Address publicAddress, String why) {
        int ended = 0;
        for (TrackedConnection c : List.copyOf(connections.values())) {
            if (c.publicAddress.equals(publicAddress)) {
                ended += c.calls.size();
                close(c, why);
            }
        }
        return ended;
    }

    /** Every call whose GRE is currently NATed. */
    public synchronized List<GreMapping> mappings() {
        return table.mappings();
    }

    /**
     * The data plane's cumulative GRE counters of one mapping's rules. A counter that moved counts
     * as activity in its direction; once both directions have moved the call is streaming. Rules
     * put in again (after {@code nft flush ruleset}, or a {@link #mapAgain}) count from zero: a
     * counter lower than the last one is new traffic from zero, not silence until it passes the
     * old total, or a busy call would expire as idle.
     */
    public synchronized void greCounters(GreMapping mapping, long bytesToClient, long bytesToServer) {
        table.greCounters(mapping, bytesToClient, bytesToServer);
    }

    /** Removes what has been idle too long; returns how many calls went. */
    public synchronized int expire() {
        return expire(true);
    }

    /**
     * As {@link #expire()}, when {@code countersRead} is false leaving the calls whose GRE is
     * mapped: their activity is known only from the data plane's counters, which could not be
     * read, so an idle one cannot be told from a busy one. Everything else still goes in time.
     */
    public synchronized int expire(boolean countersRead) {
        long now = clock.nanos();
        int removed = 0;
        for (Iterator<TrackedConnection> it = connections.values().iterator(); it.hasNext(); ) {
            TrackedConnection c = it.next();
            for (TrackedCall call : List.copyOf(c.calls)) {
                if (call.mapped && !countersRead) {
                    continue;
                }
                Duration limit = call.idleLimit(timeouts);
                if (now - call.lastActive() > limit.toNanos()) {
                    table.remove(call, "idle for " + limit.toSeconds() + " s");
                    removed++;
                }
            }
            if (c.calls.isEmpty() && now - c.lastActivity > c.idleLimit(timeouts).toNanos()) {
                it.remove();
                forgetConnection(c);
            }
        }
        return removed;
    }

    /** Every tracked call, for the UI. */
    public synchronized List<TrackedCallView> calls() {
        long now = clock.nanos();
        List<TrackedCallView> out = new ArrayList<>();
        for (TrackedConnection c : connections.values()) {
            for (TrackedCall call : c.calls) {
                out.add(call.view(now));
            }
        }
        return out;
    }

    /** The control connections that hold calls (whose GRE the ALG carries), as their clients opened them. */
    public synchronized List<ControlFlow> connectionsWithCalls() {
        List<ControlFlow> out = new ArrayList<>();
        for (TrackedConnection c : connections.values()) {
            if (!c.calls.isEmpty()) {
                out.add(c.flow);
            }
        }
        return out;
    }

    /** How many control connections are tracked. */
    public synchronized int connectionCount() {
        return connections.size();
    }

    /** Forgets everything, unmapping every call (shutdown). */
    public synchronized void clear() {
        table.stopping = true;
        for (TrackedConnection c : List.copyOf(connections.values())) {
            close(c, "ALG stopped");
        }
    }

    private void close(TrackedConnection c, String why) {
        for (TrackedCall call : List.copyOf(c.calls)) {
            table.remove(call, why);
        }
        if (connections.remove(c.flow) != null) {
            forgetConnection(c);
        }
    }

    private void forgetConnection(TrackedConnection c) {
        connectionsByClient.remove(c.flow.client());
    }
}
