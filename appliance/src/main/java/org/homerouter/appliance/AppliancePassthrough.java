package org.homerouter.appliance;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.bridge.alg.ConntrackNatAddress;
import org.homerouter.bridge.alg.ControlConnectionCut;
import org.homerouter.bridge.alg.InboundPptpForward;
import org.homerouter.bridge.alg.PassthroughAlg;
import org.homerouter.pptp.alg.ControlFlow;
import org.homerouter.pptp.alg.TrackedCallView;
import org.homerouter.webui.api.PassthroughCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PPTP passthrough in the appliance: the ALG for the LAN's calls out and the inbound forward
 * to one LAN server, as the Passthrough page sets them, with what a stopped one left in the kernel
 * tried again; and the page's view of the ALG: its tracked calls, or why there are none.
 *
 * <p>{@link #apply} and {@link #retryLeftovers} are called only under the appliance's monitor (the
 * configuration's), from {@link Appliance}'s synchronized methods or blocks: what is not volatile
 * here is guarded by it. The page, the WAN admission and the appliance's stop read the volatile
 * fields without it. Its log lines are the appliance's, under its logger.
 */
final class AppliancePassthrough implements PassthroughCalls {
    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    private final ApplianceStore store;
    private final DataPlane dataPlane;
    /** Sets what the WAN admits again (under its own lock). */
    private final Runnable admitFromWan;
    private volatile PassthroughAlg passthrough;
    /** Why the ALG is not running although switched on, or "". */
    private volatile String passthroughFailure = "";
    private volatile InboundPptpForward inboundForward;
    /** The LAN server the inbound forward sends to now, or "". */
    private String inboundApplied = "";
    /** Why the inbound forward set on the page is not in place, or "". */
    private volatile String inboundFailure = "";
    /** The rules a stopped ALG (or an earlier run) could not remove, tried again; under the appliance's monitor. */
    private final KernelRetry algLeftovers;
    /** The table of an inbound forward that could not be removed, tried again; under the appliance's monitor. */
    private final KernelRetry inboundLeftover;

    AppliancePassthrough(ApplianceStore store, DataPlane dataPlane, Runnable admitFromWan) {
        this.store = store;
        this.dataPlane = dataPlane;
        this.admitFromWan = admitFromWan;
        this.algLeftovers = new KernelRetry(line -> store.logEvent("service", line));
        this.inboundLeftover = new KernelRetry(line -> store.logEvent("service", line));
    }

    /**
     * The Passthrough page's two settings, applied now: at start, when the page is saved and after
     * an import. The ALG is started or stopped (stopping it ends the passthrough calls it tracked:
     * their GRE NAT rules go with it, their control connections are reset); the inbound forward is
     * set, moved or removed (the calls that came in through it end: their conntrack entries would
     * keep them on the old LAN server). The forward is a
     * DNAT of TCP 1723 and GRE to one LAN server and needs no ALG, so it follows its own field.
     * Both need the Linux data plane (nftables, NFQUEUE in this process's namespace). A failure is
     * logged, not fatal; the page shows it ({@link #unavailableReason}).
     *
     * @param atStart an earlier run that was killed may have left its NFQUEUE rule, which with
     *                nobody reading the queue drops the LAN's PPTP control traffic: removed at start
     *                when passthrough is off (later, such a rule may be the passthrough command's);
     *                and its inbound forward, removed at start unless one is set (or the
     *                passthrough command runs beside it: the forward is then the command's); and an ALG
     *                started then resets the control connections it meets mid-stream, an earlier run's
     *                whose calls it cannot know (one switched on later follows them)
     *
     * <p>What could not be removed (a switched-off ALG's rules, a forward's table) is tried again
     * every {@link KernelRetry#PERIOD} ({@link Appliance#retryKernelChanges}), the event log saying
     * meanwhile that it is still in place.
     */
    void apply(Map<Setting, String> cfg, boolean atStart) {
        boolean on = Boolean.parseBoolean(cfg.get(Setting.PASSTHROUGH_ENABLED));
        String inbound = cfg.get(Setting.PASSTHROUGH_INBOUND_SERVER).trim();
        boolean linux = dataPlane.linux();
        String noLinux = "the Linux data plane is unavailable: " + dataPlane.unavailableReason();
        passthroughFailure = "";
        if (!on) {
            if (passthrough != null) {
                PassthroughAlg alg = passthrough;
                passthrough = null;
                // The LAN's calls through it lose their GRE at once: said, so that the owner (and the
                // users who then call) know why their tunnels went dead.
                List<String> cut = alg.calls().stream().map(c -> c.client().getHostAddress()).distinct().sorted().toList();
                String calls = cut.isEmpty() ? "" : "; " + cut.size() + " LAN client" + (cut.size() == 1 ? "" : "s")
                        + " with a tunnel through it lose it (" + String.join(", ", cut) + ")"
                        + endControlConnections(null, alg.connectionsWithCalls());
                if (algLeftovers.make("PPTP passthrough off" + calls + ", but not all of it could be removed",
                        "PPTP passthrough off: what stayed of its rules is removed now", alg::stop,
                        AppliancePassthrough::removeAlgLeftovers)) {
                    store.logEvent("service", "PPTP passthrough off" + calls);
                }
            } else if (atStart && linux) {
                algLeftovers.make("what an earlier run of PPTP passthrough left could not all be removed",
                        "what an earlier run of PPTP passthrough left is removed now",
                        AppliancePassthrough::removeAlgLeftovers);
            }
        } else if (passthrough == null) {
            if (!linux) {
                passthroughFailure = noLinux;
                LOG.warn("PPTP passthrough enabled but {}", passthroughFailure);
            } else {
                try {
                    // The router's own calls and the LAN's NAT IDs share the public address's GRE keys.
                    // At the service's start with passthrough on, an ALG ran until just now (a
                    // restart: an upgrade, the watchdog, nftables restarted) and its calls' NAT IDs
                    // went with it: their connections are reset, so their clients dial again.
                    passthrough = PassthroughAlg.start(null, PassthroughCommand.QUEUE, new ConntrackNatAddress(null),
                            dataPlane, atStart);
                    passthrough.onProblem(problem -> store.logEvent("problem", problem));
                    algLeftovers.forget(); // its start replaced the old queue rule and table
                    store.logEvent("service", "PPTP passthrough on");
                } catch (IOException | RuntimeException e) {
                    String why = String.valueOf(e.getMessage());
                    // On this router's own page the other ALG can only be the command line's.
                    passthroughFailure = why.contains("another PPTP passthrough ALG") ? "the 'homerouter passthrough'"
                            + " command runs an ALG on this router (only one can): stop it, then save again" : why;
                    LOG.warn("PPTP passthrough could not start: {}", e.getMessage());
                    store.logEvent("service", "PPTP passthrough could not start: " + e.getMessage());
                }
            }
        }
        if (atStart && linux && inbound.isEmpty()) {
            // An earlier run's table would forward the WAN's PPTP to a LAN server no setting names.
            inboundLeftover.make("an earlier run's inbound PPTP forward could not be removed: TCP 1723 and GRE from"
                    + " outside still go to the LAN server it named", "the inbound PPTP forward an earlier run left is"
                    + " removed now", this::removeInboundLeftover);
        }
        if (!inbound.equals(inboundApplied)) {
            if (inboundForward != null) {
                InboundPptpForward old = inboundForward;
                inboundForward = null;
                String was = inboundApplied;
                if (inboundLeftover.make("inbound PPTP is still forwarded to " + was
                        + ": its rules could not be removed", "inbound PPTP no longer forwarded to " + was,
                        old::remove)) {
                    store.logEvent("service", "inbound PPTP no longer forwarded to " + was + ended(old.lastEnded()));
                }
            }
            inboundApplied = "";
            inboundFailure = inbound.isEmpty() || linux ? "" : noLinux;
            if (!inbound.isEmpty() && linux) {
                try {
                    InboundPptpForward forward = new InboundPptpForward(null);
                    forward.apply((Inet4Address) InetAddress.getByName(inbound));
                    inboundForward = forward;
                    inboundApplied = inbound;
                    inboundLeftover.forget(); // its table replaced the one that stayed
                    store.logEvent("service", "inbound PPTP forwarded to " + inbound);
                } catch (IOException | RuntimeException e) {
                    inboundFailure = String.valueOf(e.getMessage());
                    LOG.warn("inbound PPTP could not be forwarded to {}: {}", inbound, e.getMessage());
                    store.logEvent("service", "inbound PPTP could not be forwarded to " + inbound + ": "
                            + e.getMessage());
                }
            }
            if (!atStart) {
                admitFromWan.run(); // the new forward keeps the dial-out's GRE for the router
            }
        }
    }

    /**
     * Has the control connections of the calls a switched-off ALG carried reset at their next
     * segment ({@link ControlConnectionCut}): without their GRE NAT rules their tunnels are dead, and
     * their clients would otherwise hold them until their keepalives give up. Before the ALG stops,
     * so that no segment of theirs passes untranslated meanwhile. For the event log: what was done.
     *
     * @param netns the router's namespace (tests), or null for our own
     */
    static String endControlConnections(String netns, List<ControlFlow> connections) {
        if (connections.isEmpty()) {
            return "";
        }
        try {
            new ControlConnectionCut(netns).cut(connections.stream()
                    .map(f -> new InetSocketAddress(f.client(), f.clientPort())).toList());
            return ": their control connections are reset at their next packet, so their calls end";
        } catch (IOException | RuntimeException e) {
            LOG.warn("PPTP passthrough off: its calls' control connections could not be reset: {}", e.getMessage());
            return ": their control connections could not be reset (" + e.getMessage() + "), so they hold their"
                    + " calls until their keepalives give up";
        }
    }

    /** For the event log: the callers whose calls through a removed inbound forward ended. */
    private static String ended(InboundPptpForward.Ended ended) {
        List<String> callers = ended.callers();
        String who = callers.size() + " caller" + (callers.size() == 1 ? "" : "s") + " connected through it ("
                + String.join(", ", callers) + ")";
        if (!ended.failure().isEmpty()) {
            return "; the calls of " + (callers.isEmpty() ? "the callers connected through it" : who)
                    + " could not all be ended (" + ended.failure() + ")";
        }
        return callers.isEmpty() ? "" : "; " + who + " cut off: their calls end at their next packet";
    }

    /** What a stopped ALG, or an earlier run's, left in the kernel (none while an ALG runs: the command's). */
    private static void removeAlgLeftovers() throws IOException {
        PassthroughAlg.removeLeftovers(null);
    }

    /**
     * An earlier run's inbound forward. While this service runs no ALG, one that runs is the
     * {@code passthrough} command's, started before the service, and the forward its own: left
     * alone. Under the appliance's monitor.
     */
    private void removeInboundLeftover() throws IOException {
        if (passthrough != null) {
            new InboundPptpForward(null).remove(); // our ALG holds the namespace: no command's runs
        } else {
            InboundPptpForward.removeLeftover(null);
        }
    }

    /** Whether what a stopped ALG or forward left is being tried again. Lock-free: the housekeeping asks first. */
    boolean leftoversFailing() {
        return algLeftovers.failing() || inboundLeftover.failing();
    }

    /** The housekeeping's try at what a stopped ALG or forward left, but not while a new one holds its place. */
    void retryLeftovers() {
        if (passthrough == null) {
            algLeftovers.retry();
        }
        if (inboundForward == null) {
            inboundLeftover.retry();
        }
    }

    /** The inbound forward in place, or null. Lock-free. */
    InboundPptpForward inboundForward() {
        return inboundForward;
    }

    @Override
    public List<TrackedCall> calls() {
        return passthroughCalls().stream().map(v -> new TrackedCall(v.client().getHostAddress(),
                v.server().getHostAddress(), v.clientCallId(), v.natCallId(), v.serverCallId(), v.state(),
                v.bytesToClient(), v.bytesToServer(), v.age().toSeconds())).toList();
    }

    @Override
    public String unavailableReason() {
        if (passthrough != null) {
            return "";
        }
        String failure = passthroughFailure;
        return failure.isEmpty() ? "passthrough is switched off" : "passthrough could not start: " + failure;
    }

    @Override
    public String inboundFailure() {
        return inboundFailure;
    }

    /** The calls the passthrough ALG tracks (LAN client, server, call IDs, bytes, age); empty when it is off. */
    List<TrackedCallView> passthroughCalls() {
        PassthroughAlg alg = passthrough;
        return alg == null ? List.of() : alg.calls();
    }

    /** At the appliance's stop, after the dial-out and the server. */
    void close() {
        if (inboundForward != null) {
            inboundForward.close();
        }
        if (passthrough != null) {
            passthrough.close();
        }
    }
}
