package org.homerouter.appliance;

import org.homerouter.pptp.alg.RouterCallIds;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallIdSpace;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.tunnel.TunnelDeviceFactory;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;

/**
 * Where the VPN server's (and the dial-out's) packets go: on Linux a raw GRE socket and TUN devices (netfilter-bridge);
 * in tests the engine's in-memory doubles. Null members mean the data plane is unavailable (no
 * CAP_NET_RAW/CAP_NET_ADMIN): control connections still work, sessions cannot start.
 *
 * @param unavailableReason one plain sentence for the log and the UI when unavailable, else null
 * @param resources         what to close at shutdown (sockets, reader threads, firewall rules)
 * @param demux             the one receiver of the GRE transport: the server's calls and the
 *                          dial-out's call register in it side by side (a transport has a single
 *                          receiver, and RFC 2637 §4.1 tells calls apart by the Call ID alone)
 * @param reserved          call IDs that new calls must not take either ({@link #reserveCallIds})
 * @param callIdSpace       the IDs the allocators of {@link #callIds} hold, each from the moment
 *                          it hands one out: a call placed and not yet answered is not in the
 *                          demultiplexer yet
 * @param loop              the thread that reads and writes the GRE socket and the devices, for the
 *                          service's watchdog; null where they have threads of their own (tests)
 * @param branchShares      where a branch office's session gets its larger share of the kernel's
 *                          connection table ({@link BranchShares#NONE} without the server's firewall)
 */
public record DataPlane(GreTransport gre, TunnelDeviceFactory devices, String unavailableReason,
                        AutoCloseable resources, GreDemux demux, AtomicReference<IntPredicate> reserved,
                        CallIdSpace callIdSpace, java.util.concurrent.Executor loop, BranchShares branchShares)
        implements AutoCloseable, RouterCallIds {

    public DataPlane(GreTransport gre, TunnelDeviceFactory devices, String unavailableReason, AutoCloseable resources) {
        this(gre, devices, unavailableReason, resources, null);
    }

    public DataPlane(GreTransport gre, TunnelDeviceFactory devices, String unavailableReason, AutoCloseable resources,
                     java.util.concurrent.Executor loop) {
        this(gre, devices, unavailableReason, resources, loop, BranchShares.NONE);
    }

    public DataPlane(GreTransport gre, TunnelDeviceFactory devices, String unavailableReason, AutoCloseable resources,
                     java.util.concurrent.Executor loop, BranchShares branchShares) {
        this(gre, devices, unavailableReason, resources, receiverOf(gre), new AtomicReference<>(id -> false),
                new CallIdSpace(), loop, branchShares);
    }

    private static GreDemux receiverOf(GreTransport gre) {
        if (gre == null) {
            return null;
        }
        GreDemux demux = new GreDemux();
        gre.setReceiver(demux);
        return demux;
    }

    /**
     * Call IDs for up to {@code maxCalls} calls on this data plane, never one that another call (the
     * server's or the dial-out's, each with an allocator of its own) holds, answered or not, nor
     * one {@link #reserveCallIds} names.
     */
    public CallIdAllocator callIds(int maxCalls) {
        // Not guessable (CallIdAllocator: a peer must not predict the next call's key): a
        // SecureRandom, not the default generator, whose state a few IDs seen would give away.
        return callIds(maxCalls, new java.security.SecureRandom());
    }

    CallIdAllocator callIds(int maxCalls, java.util.random.RandomGenerator random) {
        return new CallIdAllocator(maxCalls, random, id -> registered(id) || reserved.get().test(id), callIdSpace);
    }

    /**
     * Whether a call of the router's own on this data plane holds {@code id}: its GRE is, or once
     * answered will be, keyed by it. Lock-free.
     */
    @Override
    public boolean callIdTaken(int id) {
        return callIdSpace.held(id) || registered(id);
    }

    private boolean registered(int id) {
        return demux != null && demux.channel(id) != null;
    }

    /**
     * IDs that new calls here must not take: the passthrough ALG's NAT IDs, whose GRE NAT would
     * take a call's GRE with that key to a LAN client. Asked while allocating: must not block.
     */
    @Override
    public void reserveCallIds(IntPredicate ids) {
        reserved.set(ids);
    }

    /**
     * Whether packets go through this machine's kernel (a raw GRE socket), not through memory as in
     * tests: only then do the machine's firewall, routes and resolver belong to the router.
     */
    public boolean linux() {
        return gre instanceof org.homerouter.bridge.gre.RawGreSocket;
    }

    public boolean available() {
        return gre != null && devices != null;
    }

    public static DataPlane unavailable(String reason) {
        return new DataPlane(null, null, reason, () -> { });
    }

    /**
     * Unavailable because another service owns this network namespace's kernel state: nothing of
     * it may be touched, the holds for tunnel-only networks included, which a run whose data
     * directory has a boot hold file would otherwise keep even without a data plane.
     */
    public static DataPlane othersNamespace(String reason) {
        return new DataPlane(null, null, reason, OTHERS);
    }

    private static final AutoCloseable OTHERS = () -> { };

    /** Whether another service owns this namespace's kernel state ({@link #othersNamespace}). */
    public boolean inOthersNamespace() {
        return resources == OTHERS;
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(DataPlane.class).warn("closing the data plane: {}", e.toString());
        }
    }
}
