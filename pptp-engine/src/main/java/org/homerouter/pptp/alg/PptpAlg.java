package org.homerouter.pptp.alg;

import io.netty.buffer.Unpooled;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.SourceBuckets;
import org.homerouter.pptp.Tally;
import org.homerouter.pptp.TokenBucket;
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

import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayDeque;
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
 */
public final class PptpAlg {
    private static final Logger LOG = LoggerFactory.getLogger(PptpAlg.class);

    enum CallState { OUT_REQUESTED, IN_REPLIED, CONNECTED, CLEARING }

    private record NatKey(Inet4Address publicAddress, Inet4Address server, int natCallId) {
    }

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
     * table, unless one not yet used can make room ({@link #roomFor}). Untracked, its calls would leave with the client's own call IDs. All together, as
     * many as calls ({@value #MAX_CALLS}: a connection is there to carry one); each holds a few KB
     * at most (its framing, {@link ControlStream#MAX_UNACKNOWLEDGED} octets each way and their
     * rewrites), a few MB in all. One LAN address holds no more than 32 (twice its calls, for
     * connections on their way out): filling the table takes 32 addresses, as it did before.
     */
    static final int MAX_CONNECTIONS_PER_CLIENT = 32;
    static final int MAX_CONNECTIONS = MAX_CALLS;
    /** What a call without a NAT ID carries instead (see NatCallIdPool: never handed out). */
    static final int NO_CALL_ID = 0;
    private static final LogLimit REFUSED_LOGGED = new LogLimit();
    /** Connections closed to make room: a flood makes one a segment, whose lines must not take the refusals' budget. */
    private static final LogLimit ROOM_LOGGED = new LogLimit();
    /** RSTs passed without closing (see ControlStream#resetAt): a host spraying them must not silence the calls' lines. */
    private static final LogLimit IGNORED_RESETS_LOGGED = new LogLimit();
    /** A call's and a control stream's life lines: a LAN host calling its own server outside sets their pace. */
    private static final LogLimit CALLS_LOGGED = new LogLimit();

    private final Clock clock;
    private final AlgTimeouts timeouts;
    private final PublicAddressResolver publicAddresses;
    private final GreMappingListener listener;
    /** Told each call that goes out with Call ID 0, in the owner's words, with its LAN client; must return at once. */
    private volatile java.util.function.BiConsumer<Inet4Address, String> refusals = (client, why) -> { };
    private volatile java.util.function.IntPredicate routerCallIds = id -> false;
    /** See {@link #resetConnectionsPickedUp}. */
    private volatile boolean resetPickedUp;
    /** Connections reset by {@link #resetConnectionsPickedUp} so far (under the lock). */
    private long pickedUpResets;
    private final NatCallIdPool pool;
    private final Map<ControlFlow, Connection> connections = new HashMap<>();
    private final Map<NatKey, Call> byNatId = new HashMap<>();
    private final Tally<Inet4Address> callsByClient = new Tally<>();
    private final Tally<Inet4Address> connectionsByClient = new Tally<>();
    private final SourceBuckets<Inet4Address> newCalls = new SourceBuckets<>(CALL_BURST, CALLS_PER_MINUTE);
    /** Whose calls may take the LAN's reserve: a token here is a quiet client (see {@link #ALL_CALL_BURST}). */
    private final SourceBuckets<Inet4Address> quietCalls = new SourceBuckets<>(QUIET_CALLS, QUIET_CALLS);
    private TokenBucket allNewCalls;

    /**
     * A token for one more new call of any client, leaving {@code keep} in the bucket (see
     * {@link #ALL_CALL_BURST}); under the tracker's lock.
     */
    private boolean allNewCallsTake(long now, int keep) {
        if (allNewCalls == null) {
            allNewCalls = new TokenBucket(ALL_CALL_BURST, ALL_CALLS_PER_MINUTE, now);
        }
        return allNewCalls.take(now, keep);
    }

    public PptpAlg(Clock clock, AlgTimeouts timeouts, PublicAddressResolver publicAddresses, GreMappingListener listener) {
        // SecureRandom: a LAN host that saw a few NAT call IDs must not predict the next one.
        this(clock, timeouts, publicAddresses, listener, new java.security.SecureRandom());
    }

    public PptpAlg(Clock clock, AlgTimeouts timeouts, PublicAddressResolver publicAddresses, GreMappingListener listener,
                   RandomGenerator random) {
        this.clock = clock;
        this.timeouts = timeouts;
        this.publicAddresses = publicAddresses;
        this.listener = listener;
        this.pool = new NatCallIdPool(random);
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
     * The call IDs the router's own calls hold (its VPN server's and its dial-out's): no NAT ID is
     * one of them. Their GRE comes to the same public address keyed by that ID, and a call's GRE
     * NAT for the same server and ID would take it to a LAN client. Asked on the packet path: must
     * not block.
     */
    public void avoidRouterCallIds(java.util.function.IntPredicate routerCallIds) {
        this.routerCallIds = routerCallIds;
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
        for (Connection c : connections.values()) {
            n += c.toServer.remembered() + c.toClient.remembered();
        }
        return n;
    }

    /** Tracks one control segment, rewriting its payload in place where call IDs must change. */
    public synchronized SegmentVerdict onSegment(TcpSegment s) {
        Connection c = connections.get(s.flow());
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
            Room room = full && !clientFull ? roomFor(client) : null;
            if (clientFull || (full && room == null)) {
                String note = REFUSED_LOGGED.admit();
                if (note != null) {
                    LOG.warn("alg: {} not tracked: {} control connections already ({} of them {}'s); dropped{}",
                            s.flow(), connections.size(), connectionsByClient.count(client),
                            client.getHostAddress(), note);
                }
                // The owner sees the client's error 807 ("no answer"); the Logs page says why.
                refusals.accept(client, client.getHostAddress() + "'s PPTP connection to " + s.flow().server().getHostAddress()
                        + " was not let through: " + (clientFull ? client.getHostAddress() + " holds "
                        + connectionsByClient.count(client) + " PPTP control connections already, the most one LAN"
                        + " client may" : "the router tracks " + connections.size() + " PPTP control connections"
                        + " already, the most it can"));
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
                String note = ROOM_LOGGED.admit();
                if (note != null) {
                    LOG.warn("alg: control connections full ({}): {} closed to track {}; {} holds the most that never"
                            + " carried data both ways ({}: opened and left unused, as by a host flooding port 1723){}",
                            connections.size(), room.connection().flow, s.flow(),
                            room.connection().flow.client().getHostAddress(), room.held(), note);
                }
                close(room.connection(), "closed to make room for " + s.flow());
            }
            c = new Connection(s.flow(), publicAddress);
            connections.put(s.flow(), c);
            connectionsByClient.add(client);
            if (resetPickedUp && !s.syn()) {
                // Kept (holding no call, forgotten as a handshake is) so that its later segments
                // are told from a new connection's: see resetConnectionsPickedUp.
                c.resetAfterPickUp = true;
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
            // Nothing on it is parsed or let through: its data is stripped, so that the end reset
            // answers with a RST of its own, which ends the other end too (RFC 9293 §3.10.7.1).
            if (s.rst()) {
                close(c, "TCP reset");
                return SegmentVerdict.ACCEPT;
            }
            return s.length() > 0 ? SegmentVerdict.STRIP : SegmentVerdict.ACCEPT;
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

    /** The call whose server-to-client GRE arrives from {@code server} at {@code publicAddress} with key call ID {@code natCallId}. */
    public synchronized Optional<GreMapping> mappingFor(Inet4Address server, Inet4Address publicAddress, int natCallId) {
        Call call = byNatId.get(new NatKey(publicAddress, server, natCallId));
        return call != null && call.mapped ? Optional.of(call.mapping()) : Optional.empty();
    }

    /**
     * Tells the listener again of up to {@code max} calls whose GRE should be NATed and for which
     * {@code present} says it is not (its rules failed to go in, or went from under us); under the
     * tracker's lock, so that no call ends meanwhile and gets its rules back. Returns how many.
     */
    public synchronized int mapAgain(java.util.function.Predicate<GreMapping> present, int max) {
        int again = 0;
        for (Call call : byNatId.values()) {
            if (again == max) {
                break;
            }
            if (call.mapped && !present.test(call.mapping())) {
                listener.mapped(call.mapping());
                // The new rules count from zero: what they report next is all new traffic.
                call.counterToClient = 0;
                call.counterToServer = 0;
                again++;
            }
        }
        return again;
    }

    /**
     * Segments of every connection crossed unseen (the queue rule was gone for a while): each
     * stream picks up again at its next segment that starts with a header, as after a start.
     */
    public synchronized void resynchronise() {
        for (Connection c : connections.values()) {
            c.toServer.resynchronise();
            c.toClient.resynchronise();
        }
    }

    /** The public addresses the tracked control connections were NATed to. */
    public synchronized java.util.Set<Inet4Address> publicAddresses() {
        java.util.Set<Inet4Address> out = new java.util.HashSet<>();
        for (Connection c : connections.values()) {
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
        for (Connection c : List.copyOf(connections.values())) {
            if (c.publicAddress.equals(publicAddress)) {
                ended += c.calls.size();
                close(c, why);
            }
        }
        return ended;
    }

    /** Every call whose GRE is currently NATed. */
    public synchronized List<GreMapping> mappings() {
        List<GreMapping> out = new ArrayList<>();
        for (Call call : byNatId.values()) {
            if (call.mapped) {
                out.add(call.mapping());
            }
        }
        return out;
    }

    /**
     * The data plane's cumulative GRE counters of one mapping's rules. A counter that moved counts
     * as activity in its direction; once both directions have moved the call is streaming. Rules
     * put in again (after {@code nft flush ruleset}, or a {@link #mapAgain}) count from zero: a
     * counter lower than the last one is new traffic from zero, not silence until it passes the
     * old total, or a busy call would expire as idle.
     */
    public synchronized void greCounters(GreMapping mapping, long bytesToClient, long bytesToServer) {
        Call call = byNatId.get(new NatKey(mapping.publicAddress(), mapping.server(), mapping.natCallId()));
        if (call == null || !call.mapped) {
            return;
        }
        long now = clock.nanos();
        long toClient = bytesToClient >= call.counterToClient ? bytesToClient - call.counterToClient : bytesToClient;
        long toServer = bytesToServer >= call.counterToServer ? bytesToServer - call.counterToServer : bytesToServer;
        call.counterToClient = bytesToClient;
        call.counterToServer = bytesToServer;
        if (toClient > 0) {
            call.bytesToClient += toClient;
            call.greToClient = true;
            call.lastActivity = now;
        }
        if (toServer > 0) {
            call.bytesToServer += toServer;
            call.greToServer = true;
            call.lastActivity = now;
        }
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
        for (Iterator<Connection> it = connections.values().iterator(); it.hasNext(); ) {
            Connection c = it.next();
            for (Call call : List.copyOf(c.calls)) {
                if (call.mapped && !countersRead) {
                    continue;
                }
                // A request the server has not answered yet waits as long as a TCP handshake may
                // (a PAC placing a call can take its time; the kernel's helper keeps a request
                // for as long as its control connection), not GRE's 30 s: an answer after those
                // would reach the client with a NAT ID, and no GRE would be mapped.
                Duration limit = call.state == CallState.OUT_REQUESTED || call.state == CallState.IN_REPLIED
                        ? timeouts.handshake()
                        : !(call.greToClient && call.greToServer) ? timeouts.unreplied() : timeouts.streaming();
                // A streaming call is quiet only while its control connection is too: PPTP's
                // Echo-Request (RFC 2637 §2.5) keeps a connected call's control connection busy
                // when neither end echoes inside the tunnel, and both ends still hold the call.
                long last = call.greToClient && call.greToServer && call.state == CallState.CONNECTED
                        ? Math.max(call.lastActivity, c.lastActivity) : call.lastActivity;
                if (now - last > limit.toNanos()) {
                    removeCall(call, "idle for " + limit.toSeconds() + " s");
                    removed++;
                }
            }
            // Half-closed (a FIN one way): as short as before it carried data, as Linux's TCP
            // tracking gives FIN_WAIT and CLOSE_WAIT minutes, not the established days.
            Duration limit = c.dataSeen[0] && c.dataSeen[1] && !c.finSeen[0] && !c.finSeen[1]
                    ? timeouts.established() : timeouts.handshake();
            if (c.calls.isEmpty() && now - c.lastActivity > limit.toNanos()) {
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
        for (Connection c : connections.values()) {
            for (Call call : c.calls) {
                out.add(new TrackedCallView(c.flow.client(), c.flow.server(), call.clientCallId, call.natCallId,
                        call.serverCallId, call.state.name(), call.bytesToClient, call.bytesToServer,
                        Duration.ofNanos(now - call.createdAt)));
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
        for (Connection c : List.copyOf(connections.values())) {
            close(c, "ALG stopped");
        }
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
    private Room roomFor(Inet4Address client) {
        Map<Inet4Address, Integer> held = new HashMap<>();
        Map<Inet4Address, Connection> leastActive = new HashMap<>();
        for (Connection c : connections.values()) {
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
        Connection c = leastActive.get(most);
        return c == null ? null : new Room(c, held.get(most));
    }

    /** The connection {@link #roomFor} closes, and how many that may give way its address held. */
    private record Room(Connection connection, int held) {
    }

    private void close(Connection c, String why) {
        for (Call call : List.copyOf(c.calls)) {
            removeCall(call, why);
        }
        if (connections.remove(c.flow) != null) {
            forgetConnection(c);
        }
    }

    private void forgetConnection(Connection c) {
        connectionsByClient.remove(c.flow.client());
    }

    private void removeCall(Call call, String why) {
        Connection c = call.connection;
        c.calls.remove(call);
        callsByClient.remove(c.flow.client());
        byNatId.remove(new NatKey(c.publicAddress, c.flow.server(), call.natCallId));
        pool.release(c.publicAddress, c.flow.server(), call.natCallId);
        if (call.mapped) {
            call.mapped = false;
            listener.unmapped(call.mapping());
        }
        String note = CALLS_LOGGED.admit();
        if (note != null) {
            LOG.info("alg: {} call {} (NAT {}) gone: {}{}", c.flow, call.clientCallId, call.natCallId, why, note);
        }
    }

    private void connect(Call call) {
        call.state = CallState.CONNECTED;
        call.lastActivity = clock.nanos();
        if (!call.mapped && call.serverCallId >= 0) {
            call.mapped = true;
            listener.mapped(call.mapping());
            String note = CALLS_LOGGED.admit();
            if (note != null) {
                LOG.info("alg: {} call connected, GRE {}{}", call.connection.flow, call.mapping(), note);
            }
        }
    }

    private final class Call {
        final Connection connection;
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

        Call(Connection connection, int clientCallId, int natCallId, CallState state) {
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
    }

    private final class Connection {
        final ControlFlow flow;
        final Inet4Address publicAddress;
        final List<Call> calls = new ArrayList<>(2);
        final ControlStream toServer = new ControlStream(Direction.TO_SERVER);
        final ControlStream toClient = new ControlStream(Direction.TO_CLIENT);
        final ControlStream.Handler toServerHandler = new StreamHandler(Direction.TO_SERVER);
        final ControlStream.Handler toClientHandler = new StreamHandler(Direction.TO_CLIENT);
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
        /** Met mid-stream and reset ({@link #resetConnectionsPickedUp}): its data is stripped until its end. */
        boolean resetAfterPickUp;

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

        Connection(ControlFlow flow, Inet4Address publicAddress) {
            this.flow = flow;
            this.publicAddress = publicAddress;
        }

        ControlStream stream(Direction d) {
            return d == Direction.TO_SERVER ? toServer : toClient;
        }

        /** Whether the connection may be closed to make room for another ({@link #roomFor}). */
        boolean mayGiveWay() {
            return calls.isEmpty() && !(dataSeen[0] && dataSeen[1]);
        }

        ControlStream.Handler handler(Direction d) {
            return d == Direction.TO_SERVER ? toServerHandler : toClientHandler;
        }

        Call byClientId(int id) {
            for (Call call : calls) {
                if (call.clientCallId == id) {
                    return call;
                }
            }
            return null;
        }

        Call byNatId(int id) {
            for (Call call : calls) {
                if (call.natCallId == id) {
                    return call;
                }
            }
            return null;
        }

        Call byServerId(int id) {
            for (Call call : calls) {
                if (call.serverCallId == id) {
                    return call;
                }
            }
            return null;
        }

        private final class StreamHandler implements ControlStream.Handler {
            private final Direction direction;

            StreamHandler(Direction direction) {
                this.direction = direction;
            }

            @Override
            public int rewrite(RewrittenField field, int value) {
                switch (field.role) {
                    case ALLOCATE -> {
                        Call old = byClientId(value);
                        String refusal = refusal(field, old);
                        if (refusal != null) {
                            return refused(field, value, refusal);
                        }
                        if (old != null) {
                            removeCall(old, "call ID reused by a new " + field.type.abbreviation());
                        }
                        // A call that cannot have a NAT ID goes out with Call ID 0, which the pool
                        // never hands out: passed untranslated, the client's own ID could equal
                        // another LAN client's NAT ID towards the server, and the server's GRE for
                        // it would reach that client. With 0 this call fails, alone.
                        if (calls.size() >= MAX_CALLS_PER_CONNECTION) {
                            if (!warnedFull) {
                                warnedFull = true;
                                LOG.warn("alg: {} holds {} calls already: further calls on it go out with Call ID 0"
                                        + " and fail", flow, calls.size());
                            }
                            tell("its control connection holds " + calls.size() + " calls already");
                            refuse(field, value);
                            return NO_CALL_ID;
                        }
                        long now = clock.nanos();
                        if (!newCalls.take(flow.client(), now)) {
                            return refused(field, value, flow.client().getHostAddress() + " placed calls faster than "
                                    + CALL_BURST + " at once, then " + (int) (CALLS_PER_MINUTE / 60) + " a second");
                        }
                        boolean quiet = quietCalls.has(flow.client(), now);
                        if (!allNewCallsTake(now, quiet ? 0 : RESERVED_CALLS)) {
                            return refused(field, value, "the LAN's new calls came faster than " + ALL_CALL_BURST
                                    + " at once, then " + (int) (ALL_CALLS_PER_MINUTE / 60) + " a second" + (quiet ? ""
                                    : " (the last " + RESERVED_CALLS + " are kept for clients placing at most one"
                                    + " call every " + (int) (60 / QUIET_CALLS) + " s, " + QUIET_CALLS + " at once)"));
                        }
                        quietCalls.take(flow.client(), now);
                        int nat = pool.allocate(publicAddress, flow.server(), routerCallIds);
                        if (nat < 0) {
                            LOG.warn("alg: {} no free NAT call ID towards {}: {} goes out with Call ID 0 and fails", flow,
                                    flow.server().getHostAddress(), field.type.abbreviation());
                            tell("no call ID towards that server is free");
                            refuse(field, value);
                            return NO_CALL_ID;
                        }
                        refused.remove(value);
                        Call call = new Call(Connection.this, value, nat, field.type == ControlMessageType.OUTGOING_CALL_REQUEST
                                ? CallState.OUT_REQUESTED : CallState.IN_REPLIED);
                        calls.add(call);
                        callsByClient.add(flow.client());
                        if (field.type == ControlMessageType.INCOMING_CALL_REPLY) {
                            call.answersIncoming = true;
                        }
                        byNatId.put(new NatKey(publicAddress, flow.server(), nat), call);
                        return nat;
                    }
                    case TO_NAT -> {
                        Call call = byClientId(value);
                        if (call != null) {
                            return call.natCallId;
                        }
                        // A call that went out as Call ID 0 is cleared as 0 too: its own ID could
                        // be another client's NAT ID towards the server.
                        return refused.contains(value) ? NO_CALL_ID : value;
                    }
                    case TO_CLIENT_ID, TO_CLIENT_ID_IF_KNOWN -> {
                        Call call = byNatId(value);
                        if (field == RewrittenField.OCRP_PEER_CALL_ID) {
                            replyToRefused = call == null && value == NO_CALL_ID && !refusedAwaitingReply.isEmpty();
                            if (replyToRefused) {
                                return refusedAwaitingReply.removeFirst();
                            }
                        }
                        return call != null ? call.clientCallId : value;
                    }
                    case REFUSED_RESULT -> {
                        // The server connected a call that has no NAT ID (its GRE could reach no
                        // one): the client is told "Do Not Accept" (RFC 2637 §2.8, Result Code 7,
                        // Error Code 0), and its PPTP client reports the failure at once. A reply
                        // that failed already keeps the server's own reason.
                        boolean refusedReply = replyToRefused;
                        replyToRefused = false;
                        if (refusedReply && value >>> 8 == OutgoingCallReply.RESULT_CONNECTED) {
                            return OutgoingCallReply.RESULT_DO_NOT_ACCEPT << 8;
                        }
                        return value;
                    }
                }
                return value;
            }

            /**
             * Why a new call (replacing {@code old}, its ID's earlier call on this connection, if
             * any) may not have a NAT ID, or null when it may.
             */
            private String refusal(RewrittenField field, Call old) {
                if (!confirmed) {
                    return "the server has not accepted the control connection";
                }
                if (field.type == ControlMessageType.INCOMING_CALL_REPLY && incomingRequested.isEmpty()) {
                    return "an Incoming-Call-Reply to no Incoming-Call-Request";
                }
                int replaced = old == null ? 0 : 1;
                Inet4Address client = flow.client();
                if (callsByClient.count(client) - replaced >= MAX_CALLS_PER_CLIENT) {
                    return client.getHostAddress() + " holds " + MAX_CALLS_PER_CLIENT + " calls already";
                }
                if (byNatId.size() - replaced >= MAX_CALLS) {
                    return "the ALG holds " + MAX_CALLS + " calls already";
                }
                return null;
            }

            /** Logs (within a budget) why the call goes out with Call ID 0, and remembers it as refused. */
            private int refused(RewrittenField field, int clientCallId, String why) {
                String note = REFUSED_LOGGED.admit();
                if (note != null) {
                    LOG.warn("alg: {} {} goes out with Call ID 0 and fails: {}{}", flow, field.type.abbreviation(),
                            why, note);
                }
                tell(why);
                refuse(field, clientCallId);
                return NO_CALL_ID;
            }

            private void tell(String why) {
                refusals.accept(flow.client(), flow.client().getHostAddress() + "'s PPTP call to "
                        + flow.server().getHostAddress() + " was refused: " + why);
            }

            @Override
            public void message(ControlMessageType type, byte[] original) {
                // What lets calls through is read from the octets themselves (RFC 2637 §2.2's
                // Result Code, §2.9's Call ID), as nf_conntrack_pptp does: a server whose message
                // our codec found fault with elsewhere (a vendor string, say) must still be served.
                if (direction == Direction.TO_CLIENT && type == ControlMessageType.START_CONTROL_CONNECTION_REPLY) {
                    confirmed = (original[14] & 0xFF) == StartControlConnectionReply.RESULT_OK;
                    return;
                }
                if (direction == Direction.TO_CLIENT && type == ControlMessageType.INCOMING_CALL_REQUEST) {
                    incomingRequested.remember(ControlStream.u16(original, 12));
                    return;
                }
                ControlMessage m;
                try {
                    m = ControlMessageCodec.decode(Unpooled.wrappedBuffer(original));
                } catch (MalformedControlMessageException e) {
                    String note = REFUSED_LOGGED.admit();
                    if (note != null) {
                        LOG.warn("alg: {} {} not acted on: {}{}", flow, type.abbreviation(), e.getMessage(), note);
                    }
                    return;
                }
                switch (m) {
                    case StopControlConnectionRequest r -> {
                        confirmed = false;
                        incomingRequested.clear();
                        refusedAwaitingReply.clear();
                        for (Call call : List.copyOf(calls)) {
                            removeCall(call, "Stop-Control-Connection-Request");
                        }
                    }
                    case IncomingCallReply r when direction == Direction.TO_SERVER -> {
                        Call call = byClientId(r.callId());
                        if (call != null && call.answersIncoming && call.state == CallState.IN_REPLIED
                                && !incomingRequested.remove(r.peerCallId())) {
                            removeCall(call, "Incoming-Call-Reply to no Incoming-Call-Request of "
                                    + r.peerCallId());
                        } else if (call != null && call.state == CallState.IN_REPLIED) {
                            call.serverCallId = r.peerCallId();
                            if (r.resultCode() == IncomingCallReply.RESULT_CONNECT) {
                                connect(call);
                            } else {
                                removeCall(call, "ICRP result " + r.resultCode());
                            }
                        }
                    }
                    case OutgoingCallReply r when direction == Direction.TO_CLIENT -> {
                        Call call = byNatId(r.peerCallId());
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
                                        flow, call.clientCallId, call.natCallId, note);
                            }
                        } else if (call != null) {
                            call.serverCallId = r.callId();
                            if (r.resultCode() == OutgoingCallReply.RESULT_CONNECTED) {
                                connect(call);
                            } else {
                                removeCall(call, "OCRP result " + r.resultCode());
                            }
                        }
                    }
                    case IncomingCallConnected r when direction == Direction.TO_CLIENT -> {
                        Call call = byNatId(r.peerCallId());
                        if (call != null && call.state != CallState.CONNECTED) {
                            connect(call);
                        }
                    }
                    case CallClearRequest r when direction == Direction.TO_SERVER -> {
                        Call call = byClientId(r.callId());
                        if (call != null) {
                            call.state = CallState.CLEARING;
                        }
                    }
                    case CallDisconnectNotify r when direction == Direction.TO_CLIENT -> {
                        // The PNS's interpretation first, as the rewrite did; then RFC 2637's.
                        Call call = byNatId(r.callId());
                        if (call == null) {
                            call = byServerId(r.callId());
                        }
                        if (call != null) {
                            removeCall(call, "Call-Disconnect-Notify");
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
                    LOG.warn("alg: {} control stream not followed any more: {}{}", flow, why, note);
                }
                // From the client its data is dropped from now on (ControlStream#lostVerdict): the
                // connection stalls, which its owner sees only as a client that cannot connect.
                refusals.accept(flow.client(), flow.client().getHostAddress() + "'s PPTP control connection to "
                        + flow.server().getHostAddress() + " stopped reading as PPTP " + (direction == Direction.TO_SERVER
                        ? "from the client: what the client sends on it is dropped, and its calls fail"
                        : "from the server: its calls through this router may fail"));
            }
        }
    }
}
