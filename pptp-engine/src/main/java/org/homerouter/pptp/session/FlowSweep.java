package org.homerouter.pptp.session;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets what the kernel tracks of ended sessions ({@link TrackedFlows}) before their tunnel
 * addresses go to anyone else: an {@link AddressPool} given {@link AddressPool#beforeReuse this}
 * holds each address given back out of the pool until a sweep has run, then frees it. Without it
 * the next session given the address inherited the previous user's connection tracking entries
 * (an established TCP one lasts 5 days), and with them the replies to that user's connections.
 *
 * <p>A sweep runs on {@code background}, never on a session's I/O or timer thread: it costs the
 * kernel a dump of its whole table. Ends that come while one is waiting or running are gathered
 * into the next, so 100 sessions ending at once (the WAN dropping) cost one or two dumps, not 100.
 * A sweep that fails is logged (a warning, then at most one every {@link #WARN_EVERY}) and the
 * addresses are freed all the same: a pool that shrank for ever at each failure would lock users
 * out, which is worse than what a failure leaves behind.
 */
public final class FlowSweep implements AddressPool.BeforeReuse {
    private static final Logger LOG = LoggerFactory.getLogger(FlowSweep.class);
    static final Duration WARN_EVERY = Duration.ofMinutes(10);
    /** One warning, then one each {@link #WARN_EVERY}. */
    private final org.homerouter.pptp.LogLimit failuresLogged = new org.homerouter.pptp.LogLimit(1, 1.0 / WARN_EVERY.toMinutes());

    private final TrackedFlows flows;
    private final ScheduledExecutorService background;
    private final Duration settle;
    /** Addresses given back and not swept yet, with what frees each in its pool. */
    private final Map<Inet4Address, Runnable> addresses = new LinkedHashMap<>();
    /** Networks of ended branch sessions not swept yet, each with whether a live session holds it again. */
    private final List<EndedNetwork> networks = new ArrayList<>();
    private boolean scheduled;

    private record EndedNetwork(TrackedFlows.Network network, Predicate<TrackedFlows.Network> heldAgain) {
    }

    /**
     * @param background one thread of its own (sweeps run one at a time there)
     * @param settle     how long a sweep waits for more ends to gather before it starts
     */
    public FlowSweep(TrackedFlows flows, ScheduledExecutorService background, Duration settle) {
        this.flows = flows;
        this.background = background;
        this.settle = settle;
    }

    /** {@code address} was given back; {@code free} gives it to the pool, called once swept (from the sweep's thread). */
    @Override
    public void givenBack(Inet4Address address, Runnable free) {
        synchronized (this) {
            // Given back again (claimed again meanwhile) before a sweep: both frees run after it.
            addresses.merge(address, free, (first, then) -> () -> {
                first.run();
                then.run();
            });
            scheduleLocked();
        }
    }

    /**
     * Its account's new session has {@code address} again (a static address): the flows left are
     * that account's own, and a sweep would delete the new session's first connections. One not
     * begun is called off (its free runs on the sweep's thread, as every free does: the caller
     * holds its pool's lock); one under way goes on.
     */
    @Override
    public void claimedAgain(Inet4Address address) {
        Runnable free;
        synchronized (this) {
            free = addresses.remove(address);
        }
        if (free != null) {
            background.execute(free);
        }
    }

    /**
     * A branch office's session ended, whose {@code ended} networks were routed into it: their flows
     * are forgotten at the next sweep, but not those of a network that {@code heldAgain} says a live
     * session holds again by then (the branch redialled: its new session's flows must stay).
     */
    public void networksEnded(List<TrackedFlows.Network> ended, Predicate<TrackedFlows.Network> heldAgain) {
        if (ended.isEmpty()) {
            return;
        }
        synchronized (this) {
            ended.forEach(n -> networks.add(new EndedNetwork(n, heldAgain)));
            scheduleLocked();
        }
    }

    /**
     * At the service's start, before any session: forgets the flows sessions of the run before left
     * at {@code addresses} (the static ones) and in {@code networks} (the pool's range). Their ends were never swept
     * (the process stopped, crashed or was updated with them up, and a sweep due then never ran),
     * and the first client back is given one of their addresses. Blocking, on the calling thread.
     */
    public void leftFromBefore(java.util.Collection<Inet4Address> addresses, List<TrackedFlows.Network> networks) {
        try {
            long start = System.nanoTime();
            int n = flows.forget(addresses, networks);
            LOG.info("connection tracking: removed {} entries left by sessions before this start (the pool's range {}"
                            + " and {} static address{}) in {} ms", n,
                    networks.stream().map(TrackedFlows.Network::toString).collect(Collectors.joining(", ")),
                    addresses.size(), addresses.size() == 1 ? "" : "es", (System.nanoTime() - start) / 1_000_000);
        } catch (Exception | LinkageError e) {
            LOG.warn("connection tracking: what sessions before this start left could not be removed: {}; the next"
                    + " session given one of their addresses may receive replies meant for the previous user", e.toString());
        }
    }

    private void scheduleLocked() {
        if (!scheduled) {
            scheduled = true;
            background.schedule(this::sweep, settle.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void sweep() {
        Map<Inet4Address, Runnable> due;
        List<EndedNetwork> dueNetworks;
        synchronized (this) {
            scheduled = false; // an end from now on schedules the next sweep
            due = new LinkedHashMap<>(addresses);
            addresses.clear();
            dueNetworks = new ArrayList<>(networks);
            networks.clear();
        }
        List<TrackedFlows.Network> nets = dueNetworks.stream().filter(e -> !e.heldAgain().test(e.network()))
                .map(EndedNetwork::network).distinct().toList();
        try {
            if (!due.isEmpty() || !nets.isEmpty()) {
                long start = System.nanoTime();
                int n = flows.forget(due.keySet(), nets);
                LOG.info("connection tracking: removed {} entries of ended sessions ({}) in {} ms", n,
                        what(due.keySet(), nets), (System.nanoTime() - start) / 1_000_000);
            }
        } catch (Exception | LinkageError e) {
            failed(due.keySet(), nets, e);
        } finally {
            // Freed even after a failure: the pool must not shrink for ever.
            for (Runnable free : due.values()) {
                try {
                    free.run();
                } catch (RuntimeException e) {
                    LOG.warn("connection tracking: freeing a swept address failed", e);
                }
            }
        }
    }

    private static String what(java.util.Collection<Inet4Address> due, List<TrackedFlows.Network> nets) {
        String addresses = due.size() + " address" + (due.size() == 1 ? "" : "es") + (due.isEmpty() ? ""
                : ": " + due.stream().map(Inet4Address::getHostAddress).collect(Collectors.joining(", ")));
        return nets.isEmpty() ? addresses : addresses + "; routed networks "
                + nets.stream().map(TrackedFlows.Network::toString).collect(Collectors.joining(", "));
    }

    private void failed(java.util.Collection<Inet4Address> due, List<TrackedFlows.Network> nets, Throwable e) {
        String more = failuresLogged.admit();
        if (more != null) {
            LOG.warn("connection tracking: the entries of ended sessions ({}) could not be removed: {}; their addresses"
                            + " are given out again all the same, and the next session given one may receive replies"
                            + " meant for the previous user{}", what(due, nets), e.toString(), more);
        }
    }
}
