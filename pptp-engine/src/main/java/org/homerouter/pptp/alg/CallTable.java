package org.homerouter.pptp.alg;

import static org.homerouter.pptp.alg.PptpAlg.CALLS_LOGGED;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.Tally;
import org.homerouter.pptp.alg.PptpAlg.CallState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every call through the ALG by its NAT ID towards its server from its public address (the key
 * the server's GRE arrives with), and how many each LAN client holds: a call is entered, connected
 * (its GRE NAT told to the {@link GreMappingListener}) and removed (its NAT ID back to the pool,
 * its GRE NAT taken back); and the GRE side's questions: which call a mapping is, its counters,
 * the mappings to put in again.
 *
 * <p>Touched only under the ALG's lock ({@link PptpAlg}'s monitor), as every segment, expiry and
 * GRE counter read is. Its log lines are the ALG's, under PptpAlg's logger.
 */
final class CallTable {
    private static final Logger LOG = LoggerFactory.getLogger(PptpAlg.class);

    private record NatKey(Inet4Address publicAddress, Inet4Address server, int natCallId) {
    }

    private final Clock clock;
    private final GreMappingListener listener;
    private final NatCallIdPool pool;
    private final Map<NatKey, TrackedCall> byNatId = new HashMap<>();
    private final Tally<Inet4Address> callsByClient = new Tally<>();
    /** Where a call that ends with its GRE one way or none is told ({@link PptpAlg#onGreProblem}). */
    java.util.function.BiConsumer<Inet4Address, String> greProblems = (client, what) -> { };
    /** The ALG is stopping: its calls end for that, and what their GRE did says nothing. */
    boolean stopping;

    CallTable(Clock clock, GreMappingListener listener, NatCallIdPool pool) {
        this.clock = clock;
        this.listener = listener;
        this.pool = pool;
    }

    /** How many calls the ALG holds, all clients together. */
    int size() {
        return byNatId.size();
    }

    /** How many calls {@code client} holds, over all its control connections. */
    int heldBy(Inet4Address client) {
        return callsByClient.count(client);
    }

    /** Every call, in no order. */
    Collection<TrackedCall> all() {
        return byNatId.values();
    }

    /** Enters a call its connection holds now, under the NAT ID the pool gave it. */
    void add(TrackedCall call) {
        TrackedConnection c = call.connection;
        callsByClient.add(c.flow.client());
        byNatId.put(new NatKey(c.publicAddress, c.flow.server(), call.natCallId), call);
    }

    /** The call with {@code natCallId} towards {@code server} from {@code publicAddress}, or null. */
    TrackedCall get(Inet4Address publicAddress, Inet4Address server, int natCallId) {
        return byNatId.get(new NatKey(publicAddress, server, natCallId));
    }

    void remove(TrackedCall call, String why) {
        TrackedConnection c = call.connection;
        c.calls.remove(call);
        callsByClient.remove(c.flow.client());
        byNatId.remove(new NatKey(c.publicAddress, c.flow.server(), call.natCallId));
        pool.release(c.publicAddress, c.flow.server(), call.natCallId);
        boolean wasMapped = call.mapped;
        if (call.mapped) {
            call.mapped = false;
            listener.unmapped(call.mapping());
        }
        String gre = wasMapped ? "; GRE " + call.bytesToServer + " octets to the server, " + call.bytesToClient
                + " back" : "";
        String note = CALLS_LOGGED.admit();
        if (note != null) {
            LOG.info("alg: {} call {} (NAT {}) gone: {}{}{}", c.flow, call.clientCallId, call.natCallId, why, gre, note);
        }
        if (wasMapped && !stopping) {
            call.greTrouble(clock.nanos()).ifPresent(what -> greProblems.accept(c.flow.client(), what));
        }
    }

    void connect(TrackedCall call) {
        call.state = CallState.CONNECTED;
        call.lastActivity = clock.nanos();
        if (!call.mapped && call.serverCallId >= 0) {
            call.mapped = true;
            call.countedFrom = call.lastActivity;
            listener.mapped(call.mapping());
            String note = CALLS_LOGGED.admit();
            if (note != null) {
                LOG.info("alg: {} call connected, GRE {}{}", call.connection.flow, call.mapping(), note);
            }
        }
    }

    /** See {@link PptpAlg#mapAgain}. */
    int mapAgain(java.util.function.Predicate<GreMapping> present, int max) {
        int again = 0;
        for (TrackedCall call : byNatId.values()) {
            if (again == max) {
                break;
            }
            if (call.mapped && !present.test(call.mapping())) {
                listener.mapped(call.mapping());
                // The new rules count from zero: what they report next is all new traffic.
                call.counterToClient = 0;
                call.counterToServer = 0;
                call.countedFrom = clock.nanos();
                call.countersRead = false;
                again++;
            }
        }
        return again;
    }

    /** See {@link PptpAlg#mappings}. */
    List<GreMapping> mappings() {
        List<GreMapping> out = new ArrayList<>();
        for (TrackedCall call : byNatId.values()) {
            if (call.mapped) {
                out.add(call.mapping());
            }
        }
        return out;
    }

    /** See {@link PptpAlg#greCounters}. */
    void greCounters(GreMapping mapping, long bytesToClient, long bytesToServer) {
        TrackedCall call = byNatId.get(new NatKey(mapping.publicAddress(), mapping.server(), mapping.natCallId()));
        if (call == null || !call.mapped) {
            return;
        }
        long now = clock.nanos();
        call.countersRead = true;
        call.lastReadAt = now;
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
}
