package org.homerouter.bridge.alg;

import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.bridge.io.DataPathFailure;
import org.homerouter.bridge.netns.NamespaceLock;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.nfqueue.NfQueueSocket;
import org.homerouter.bridge.nfqueue.QueuedPacket;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.alg.AlgTimeouts;
import org.homerouter.pptp.alg.ControlFlow;
import org.homerouter.pptp.alg.Direction;
import org.homerouter.pptp.alg.PptpAlg;
import org.homerouter.pptp.alg.PublicAddressResolver;
import org.homerouter.pptp.alg.RouterCallIds;
import org.homerouter.pptp.alg.SegmentVerdict;
import org.homerouter.pptp.alg.TcpSegment;
import org.homerouter.pptp.alg.TrackedCallView;
import org.homerouter.pptp.control.ControlProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The PPTP passthrough ALG running on a Linux router:
 * <ul>
 *   <li>forwarded TCP 1723 segments of masqueraded connections (both directions, after
 *       conntrack has undone the masquerade on replies, so the LAN client's own address is seen) are queued to
 *       NFQUEUE by an iptables rule in {@code mangle FORWARD} (this kernel's nftables has no
 *       {@code queue} statement, iptables-nft's xt NFQUEUE target works);</li>
 *   <li>one thread feeds them to {@link PptpAlg} and returns each verdict, with the rewritten
 *       payload and a recomputed TCP checksum when call IDs changed;</li>
 *   <li>{@link GreNatRules} puts each connected call's GRE NAT into the kernel before the segment
 *       that connected it goes on;</li>
 *   <li>every {@code pollInterval} the rules' counters are read back as GRE activity and idle
 *       calls expire.</li>
 * </ul>
 * The kernel's own PPTP helper must not be attached to these connections (it is not by default
 * since Linux 4.7: {@code nf_conntrack_helper=0}), or both would rewrite the same fields.
 */
public final class PassthroughAlg implements AutoCloseable {
    /** Longer than an admin command may run (the reader runs nft for a call), with room for its receive poll. */
    private static final Duration READER_STOP = AdminCommands.TIMEOUT.plusSeconds(5);
    /** How long the reader gives verdicts after the queue rule went (see {@link #queueRuleOut}). */
    private static final Duration DRAIN = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(PassthroughAlg.class);
    private static final org.homerouter.pptp.LogLimit ERRORS_LOGGED = new org.homerouter.pptp.LogLimit();
    static final String CHAIN = "HR_PPTP_ALG";
    /** Calls whose missing GRE NAT rules are put in again per refresh. */
    private static final int REPAIRS_PER_REFRESH = 4;

    private final AdminCommands commands;
    private final int queue;
    private final GreNatRules rules;
    private final PptpAlg tracker;
    private final NfQueueSocket socket;
    private final Thread reader;
    private final Thread maintenance;
    private final Duration pollInterval;
    private final AtomicLong segments = new AtomicLong();
    private final AtomicLong rewritten = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** The tracker's connections reset after a restart that {@link #refresh} has told {@link #problems} of. */
    private final AtomicLong resetsTold = new AtomicLong();
    private volatile boolean closed;
    /**
     * Set by {@link #stop} once its queue rule is out (or could not be taken out): the reader, which
     * gave verdicts until then, gives them on what the queue still holds and ends. Ended with
     * {@link #closed}, at the stop's start, it left what came meanwhile to be dropped (with the
     * rule, whose going drops what it queued, or at the socket's close): a PPTP server's reply lost
     * that way made the restarted ALG meet the client's retransmission first, a segment its server
     * had, whose reset the server ignores (see PptpAlg#resetConnectionsPickedUp).
     */
    private volatile long readUntilNanos;
    private volatile boolean queueRuleOut;
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * Only one ALG per network namespace: its NFQUEUE rule, chain and {@code homerouter_alg} table
     * have fixed names, and a second one (the {@code passthrough} command run beside the service)
     * would replace them and, when it stops, remove them: every LAN client's GRE would stop.
     */
    static final String INSTANCE_LOCK = "homerouter-passthrough-alg";

    private final NamespaceLock instance;
    private final RouterCallIds router;
    /** For the router's event log: refused calls, rules that could not be put in, the queue's trouble. */
    private final AlgProblems problems = new AlgProblems(Duration.ofMinutes(10));
    /** The queue's trouble, reported to {@link #problems} (reader thread only). */
    private final QueueTrouble queueTrouble = new QueueTrouble(problems);
    private final RouterAddresses addresses;
    /** Maintenance thread only. */
    private final AddressesGone addressesGone = new AddressesGone();

    private PassthroughAlg(AdminCommands commands, String netns, int queue, PublicAddressResolver publicAddresses,
                           RouterCallIds router, Duration pollInterval, boolean afterRestart) throws IOException {
        this.commands = commands;
        this.queue = queue;
        this.pollInterval = pollInterval;
        this.router = router;
        this.addresses = new RouterAddresses(netns);
        this.rules = new GreNatRules(commands);
        this.tracker = new PptpAlg(Clock.SYSTEM, AlgTimeouts.KERNEL, publicAddresses, rules);
        tracker.avoidRouterCallIds(router::callIdTaken);
        tracker.resetConnectionsPickedUp(afterRestart);
        tracker.onRefusal((client, why) -> problems.add("refused", client.getHostAddress(), why));
        tracker.onGreProblem((client, why) -> problems.add("gre", client.getHostAddress(), why));
        rules.onFailure(why -> problems.add("rules", why));
        // Nothing in the kernel is touched before the lock is ours and the queue bound: a second
        // ALG (the passthrough command beside the service) must fail without breaking the first.
        this.instance = NamespaceLock.tryAcquire(netns, INSTANCE_LOCK);
        if (instance == null) {
            throw new IOException("another PPTP passthrough ALG already runs here (the appliance with passthrough on?);"
                    + " only one can: its calls are on the PPTP passthrough page");
        }
        NfQueueSocket s;
        try {
            if (netns == null) {
                s = NfQueueSocket.bind(queue);
            } else {
                // A netlink socket belongs to the namespace it was created in.
                try (NetworkNamespace.Scope ignored = NetworkNamespace.enter(netns)) {
                    s = NfQueueSocket.bind(queue);
                }
            }
        } catch (IOException | RuntimeException e) {
            instance.close();
            throw e;
        }
        this.socket = s;
        try {
            rules.install();
            queueRules(true);
        } catch (IOException | RuntimeException e) {
            socket.close();
            rules.close();
            instance.close();
            throw e;
        }
        // Before the reader: a call it connects at once could otherwise take a NAT ID that one of
        // the router's own calls takes a moment later.
        router.reserveCallIds(tracker::natIdInUse);
        this.reader = Thread.ofPlatform().daemon().name("alg-nfqueue-" + queue).start(this::readLoop);
        this.maintenance = Thread.ofPlatform().daemon().name("alg-expiry").start(this::maintenanceLoop);
        LOG.info("alg: PPTP passthrough on (NFQUEUE {}, GRE NAT in table {})", queue, GreNatRules.TABLE);
    }

    /**
     * Starts the ALG.
     *
     * @param netns           the router's namespace (tests), or null for our own
     * @param queue           the NFQUEUE number to use
     * @param publicAddresses the address the router's NAT gave a control connection, e.g. {@link ConntrackNatAddress}
     * @param router          the router's own calls, whose IDs no NAT ID may be and which are told the
     *                        NAT IDs in use until {@link #close} ({@link RouterCallIds#NONE} if it has none)
     */
    public static PassthroughAlg start(String netns, int queue, PublicAddressResolver publicAddresses,
                                       RouterCallIds router) throws IOException {
        return start(netns, queue, publicAddresses, router, false);
    }

    /**
     * As {@link #start(String, int, PublicAddressResolver, RouterCallIds)}; {@code afterRestart}
     * when an ALG may have run here until just now (the service starting with passthrough on: an
     * upgrade, a watchdog kill, an nftables restart), whose calls' NAT IDs and GRE rules went with
     * it: every control connection met mid-stream is then reset, so that its client dials again
     * at once rather than hold a call whose GRE no longer comes back
     * ({@link PptpAlg#resetConnectionsPickedUp}). False when passthrough is switched on while the
     * router runs: calls up then were never translated, and go on as they were.
     */
    public static PassthroughAlg start(String netns, int queue, PublicAddressResolver publicAddresses,
                                       RouterCallIds router, boolean afterRestart) throws IOException {
        return new PassthroughAlg(new AdminCommands(netns), netns, queue, publicAddresses, router, Duration.ofSeconds(5),
                afterRestart);
    }

    /** {@link #start} running its commands with {@code commands} (tests: ones that fail on demand). */
    static PassthroughAlg start(AdminCommands commands, String netns, int queue, PublicAddressResolver publicAddresses,
                                RouterCallIds router) throws IOException {
        return new PassthroughAlg(commands, netns, queue, publicAddresses, router, Duration.ofSeconds(5), false);
    }

    /**
     * Where what went wrong for LAN clients' calls goes (the event log), a few lines at most every
     * 10 minutes, from the maintenance thread.
     */
    public void onProblem(java.util.function.Consumer<String> sink) {
        problems.sendTo(sink);
    }

    public PptpAlg tracker() {
        return tracker;
    }

    public GreNatRules rules() {
        return rules;
    }

    /** Tracked calls, with the GRE byte counts as last read from the kernel. */
    public List<TrackedCallView> calls() {
        return tracker.calls();
    }

    /** The control connections of the tracked calls ({@link PptpAlg#connectionsWithCalls}). */
    public List<ControlFlow> connectionsWithCalls() {
        return tracker.connectionsWithCalls();
    }

    /** Control segments seen, rewritten and dropped so far. */
    public long[] segmentCounts() {
        return new long[] {segments.get(), rewritten.get(), dropped.get()};
    }

    /**
     * Puts back what is missing in the kernel (the queue rule, the table, a call's rules: a rule
     * that failed to go in, say because nft timed out on a busy board, or a flushed ruleset), then
     * reads the kernel's GRE counters into the tracker and expires idle calls now. Without the
     * queue rule, control segments would pass untracked and their call IDs untranslated; without a
     * call's rules, its tunnel carries nothing.
     */
    public void refresh() throws IOException {
        if (closed) {
            return; // close() removes the queue rule: it must not come back
        }
        try {
            if (queueRuleMissing()) {
                LOG.warn("alg: the NFQUEUE rule was removed from under the ALG: put back");
                queueRules(true);
                // Segments crossed unseen meanwhile: each stream picks up again at its next
                // header, or every later segment would look like it came after a gap.
                tracker.resynchronise();
            }
        } catch (IOException e) {
            LOG.warn("alg: the NFQUEUE rule could not be checked or put back: {}", e.getMessage());
        }
        endCallsOfAddressesGone();
        tellResets();
        boolean read = false;
        try {
            var counters = rules.reconcile();
            // A few at a time: each is an nft run, under the tracker's lock (so that no call ends
            // meanwhile and gets its rules back), which holds up the queue's thread.
            int again = tracker.mapAgain(rules::has, REPAIRS_PER_REFRESH);
            if (again > 0) {
                LOG.warn("alg: GRE NAT rules of {} call(s) were missing: put in again", again);
                problems.add("repaired", "the GRE NAT rules of " + again + " call(s) were missing (a firewall"
                        + " reload?): putting them in again");
            }
            counters.forEach((m, c) -> tracker.greCounters(m, c.bytesToClient(), c.bytesToServer()));
            read = true;
        } finally {
            // While the counters cannot be read (nft timed out on a busy board, or the table was
            // flushed), a mapped call's activity is unknown and it stays; the rest still expires.
            tracker.expire(read);
            problems.flush(System.nanoTime());
        }
    }

    /** Tells the event log how many connections met mid-stream after a restart were reset since last told. */
    private void tellResets() {
        long reset = tracker.connectionsResetAfterPickUp();
        long told;
        do {
            told = resetsTold.get();
            if (reset <= told) {
                return;
            }
        } while (!resetsTold.compareAndSet(told, reset)); // tests refresh beside the maintenance thread
        problems.add("restart", (reset - told) + " passthrough connection(s) picked up after a restart were reset:"
                + " their calls' call IDs went with the service before, so their GRE no longer came back;"
                + " their clients dial again");
    }

    /**
     * Ends the calls whose control connection was NATed to an address the router no longer holds
     * ({@link AddressesGone}: another in its place, as after a DHCP renewal to another address):
     * their GRE NAT rules would send the clients' GRE out from the old address, which may be
     * another customer's now, and the page would list them for as long as their clients' TCP
     * retries. Linux's masquerade drops such NAT state at once; an address back within the grace
     * (a lease dropped and got again, a modem rebooted) keeps them.
     */
    private void endCallsOfAddressesGone() {
        java.util.Set<java.net.Inet4Address> inUse = tracker.publicAddresses();
        java.util.Set<java.net.Inet4Address> held;
        try {
            held = inUse.isEmpty() ? java.util.Set.of() : addresses.held();
        } catch (IOException | RuntimeException e) {
            String note = ERRORS_LOGGED.admit();
            if (note != null) {
                LOG.warn("alg: the router's addresses could not be read ({}): calls are kept{}", e.getMessage(), note);
            }
            return;
        }
        for (java.net.Inet4Address gone : addressesGone.gone(inUse, held, System.nanoTime())) {
            String address = gone.getHostAddress();
            int ended = tracker.endConnectionsFrom(gone, address + " is no longer one of the router's addresses");
            if (ended > 0) {
                LOG.warn("alg: {} is no longer one of the router's addresses (a new WAN address?): {} passthrough"
                        + " call(s) NATed to it ended, their GRE NAT rules removed", address, ended);
                problems.add("address", ended + " PPTP passthrough call(s) ended: the router's address " + address
                        + ", which they went out from, is gone (a new WAN address?); their clients dial again");
            }
        }
    }

    /**
     * Removes what a run that did not stop cleanly (killed, or exited on OutOfMemoryError, which
     * runs no shutdown hook), or whose {@link #stop} failed, left in the kernel: above all the
     * NFQUEUE rule, which with no reader behind it drops every masqueraded PPTP control packet for
     * as long as it stays; and the GRE NAT table. For passthrough off; {@link #start} clears the same
     * itself. Quiet when nothing is there. The inbound forward's table is not touched: it follows its
     * own setting ({@link InboundPptpForward#remove}).
     *
     * @param netns the router's namespace (tests), or null for our own
     * @throws IOException when some of it could not be removed (a timeout on a busy board): it is
     *                     still in place, as the message says; call again until it returns
     */
    public static void removeLeftovers(String netns) throws IOException {
        removeLeftovers(netns, new AdminCommands(netns));
    }

    static void removeLeftovers(String netns, AdminCommands commands) throws IOException {
        unlessAnAlgRuns(netns, "its rules are left alone", () -> removeLeftovers(commands));
    }

    /** A removal of what an earlier run left in the kernel. */
    @FunctionalInterface
    interface Removal {
        void remove() throws IOException;
    }

    /**
     * Makes {@code removal} unless a passthrough ALG runs in {@code netns}: what it would remove by
     * name is then that ALG's (the {@code passthrough} command's, whose rules and inbound forward have
     * the same names as the service's). The ALG's lock is held meanwhile: one that starts then must
     * not lose its new rules.
     *
     * @param leftAlone what the log says is left alone when an ALG runs
     */
    static void unlessAnAlgRuns(String netns, String leftAlone, Removal removal) throws IOException {
        NamespaceLock free;
        try {
            free = NamespaceLock.tryAcquire(netns, INSTANCE_LOCK);
        } catch (IOException e) {
            LOG.warn("alg: cannot tell whether another passthrough ALG runs ({}); removing leftovers all the same",
                    e.getMessage());
            removal.remove();
            return;
        }
        if (free == null) {
            LOG.info("alg: a passthrough ALG runs here (the passthrough command?): {}", leftAlone);
            return;
        }
        try (free) {
            removal.remove();
        }
    }

    private static void removeLeftovers(AdminCommands commands) throws IOException {
        List<String> stayed = new java.util.ArrayList<>(2);
        try {
            if (removeQueueRule(commands)) {
                LOG.info("alg: removed the NFQUEUE rule that no ALG reads (an earlier run's, or one a stop could not remove)");
            }
        } catch (IOException e) {
            stayed.add(queueRuleStays(e));
        }
        try {
            commands.run(null, "nft", "delete", "table", "ip", GreNatRules.TABLE);
            LOG.info("alg: removed the table {} that no ALG runs (an earlier run's, or one a stop could not remove)",
                    GreNatRules.TABLE);
        } catch (IOException e) {
            if (!AdminCommands.notThere(e)) {
                stayed.add(tableStays(e));
            }
        }
        if (!stayed.isEmpty()) {
            throw new IOException(String.join("; ", stayed));
        }
    }

    /** What a queue rule that could not be removed means, for the event log. */
    private static String queueRuleStays(IOException e) {
        return "its NFQUEUE rule is still in place, and drops the LAN's PPTP control packets while it stays ("
                + e.getMessage() + ")";
    }

    private static String tableStays(IOException e) {
        return "its table " + GreNatRules.TABLE + " of GRE NAT rules is still in (" + e.getMessage() + ")";
    }

    /**
     * Removes FORWARD's jump to this ALG's chain, and the chain.
     *
     * @return whether the jump was there
     * @throws IOException when iptables failed otherwise than finding no such rule (a timeout on a
     *                     busy board): the rule may well still be in
     */
    private static boolean removeQueueRule(AdminCommands commands) throws IOException {
        boolean was = true;
        try {
            commands.run(null, "iptables", "-w", "-t", "mangle", "-D", "FORWARD", "-p", "tcp", "-j", CHAIN);
        } catch (IOException e) {
            if (!notThere(e)) {
                throw e;
            }
            was = false;
        }
        try {
            commands.run(null, "iptables", "-w", "-t", "mangle", "-F", CHAIN);
            commands.run(null, "iptables", "-w", "-t", "mangle", "-X", CHAIN);
        } catch (IOException ignored) {
            // Usually not there. Else, with the jump gone nothing reaches it, and the next start's
            // restore empties it again.
        }
        return was;
    }

    private static final java.util.regex.Pattern NOT_THERE = java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote("Bad rule (does a matching rule exist in that chain?)")
                    + "|No chain/target/match by that name|Chain '" + CHAIN + "' does not exist"
                    + "|Couldn't load target `" + CHAIN + "'");

    /**
     * Whether iptables said that the jump to this ALG's chain is not there, as -C and -D do, in its
     * own words: "Bad rule (does a matching rule exist in that chain?)" without the rule,
     * "Chain '...' does not exist" (iptables-nft) or "Couldn't load target `...'" (iptables-legacy)
     * without the chain, or "No chain/target/match by that name". Its exit status does not tell:
     * iptables-nft exits 1 too when its netlink commit fails, and the rule is then still in.
     */
    private static boolean notThere(IOException e) {
        return NOT_THERE.matcher(String.valueOf(e.getMessage())).find();
    }

    /**
     * Whether FORWARD no longer sends TCP to this ALG's chain ({@link #notThere}). Any other failure
     * (a timeout on a busy board) throws: the rule is then not touched, since putting it back resets
     * every stream.
     */
    private boolean queueRuleMissing() throws IOException {
        try {
            commands.run(null, "iptables", "-w", "-t", "mangle", "-C", "FORWARD", "-p", "tcp", "-j", CHAIN);
            return false;
        } catch (IOException e) {
            if (notThere(e)) {
                return true;
            }
            throw e;
        }
    }

    private void queueRules(boolean add) throws IOException {
        // Remove what a crashed run may have left, then (re)install.
        removeQueueRule(commands);
        if (add) {
            String port = Integer.toString(ControlProtocol.TCP_PORT);
            String q = Integer.toString(queue);
            commands.run(String.join("\n",
                    "*mangle",
                    ":" + CHAIN + " - [0:0]",
                    "-I FORWARD -p tcp -j " + CHAIN,
                    // Only connections the router masquerades (ctstate SNAT: original source differs
                    // from the reply destination), both directions: a port-forwarded connection to a
                    // PPTP server in the LAN is not ours to rewrite. A connection's first SYN is not
                    // SNATed yet in FORWARD (NAT happens in POSTROUTING); it carries no payload, and
                    // the server's SYN-ACK says where the client's data starts.
                    "-A " + CHAIN + " -p tcp -m conntrack --ctstate SNAT --ctproto tcp --ctorigdstport " + port
                            + " -j NFQUEUE --queue-num " + q,
                    "COMMIT",
                    ""), "iptables-restore", "-w", "--noflush");
        }
    }

    /**
     * Reads until the stop has taken the queue rule out and the queue is empty. Should it stop
     * otherwise, every masqueraded PPTP control segment would sit in a queue nobody reads: that is reported as a data-path failure (the service restarts).
     */
    private void readLoop() {
        try {
            readSegments();
        } catch (RuntimeException | Error e) {
            LOG.error("alg: the NFQUEUE reader failed", e);
        } finally {
            if (!closed) {
                DataPathFailure.report("the passthrough ALG's NFQUEUE reader");
            }
        }
    }

    private void readSegments() {
        while (true) {
            if (queueRuleOut && System.nanoTime() - readUntilNanos > 0) {
                return; // a queue that does not go quiet (the rule stayed): the rest goes with the socket
            }
            QueuedPacket p;
            try {
                p = socket.receive(queueRuleOut ? 50 : 200);
            } catch (IOException e) {
                if (!closed) {
                    LOG.error("alg: NFQUEUE receive failed; control segments are no longer tracked", e);
                }
                return;
            }
            reportQueueTrouble();
            if (p == null) {
                if (queueRuleOut) {
                    return; // nothing left queued, and nothing more comes
                }
                continue;
            }
            // Queued without its octets (before the copy-packet mode was set): it cannot be looked
            // at, and passed untouched a call request in it would leave with the LAN client's own
            // call ID. Dropped: TCP sends it again, by then with its octets.
            boolean accept = p.packet().length > 0;
            if (!accept) {
                dropped.incrementAndGet();
            }
            byte[] payload = null;
            try {
                Ipv4TcpPacket t = accept ? Ipv4TcpPacket.parse(p.packet()) : null;
                if (t != null) {
                    segments.incrementAndGet();
                    SegmentVerdict v = tracker.onSegment(segment(t));
                    if (v == SegmentVerdict.ACCEPT_REWRITTEN) {
                        t.fixTcpChecksum();
                        payload = p.packet();
                        rewritten.incrementAndGet();
                    } else if (v == SegmentVerdict.RESET) {
                        // The verdict carries the datagram in its place, shorter: the kernel
                        // trims the queued one to it (nfqnl_mangle).
                        payload = t.asReset();
                    } else if (v == SegmentVerdict.STRIP) {
                        payload = t.withoutPayload();
                    } else if (v == SegmentVerdict.DROP) {
                        accept = false;
                        dropped.incrementAndGet();
                    }
                }
            } catch (RuntimeException e) {
                // Dropped, not passed untouched: a call request in it would leave with the LAN
                // client's own call ID (see ControlStream.lostVerdict). TCP sends it again.
                String note = ERRORS_LOGGED.admit();
                if (note != null) {
                    LOG.warn("alg: segment dropped after an error{}", note, e);
                }
                accept = false;
                payload = null;
                dropped.incrementAndGet();
            }
            try {
                socket.verdict(p.id(), accept, payload);
            } catch (IOException refused) {
                reportQueueTrouble(); // the socket counted it, with its reason
            }
        }
    }

    /** Tests: the octets of queued packets the ALG's queue holds before the kernel drops more. */
    int queueBuffer() throws IOException {
        return socket.receiveBuffer();
    }

    /** What the kernel did to queued segments, from the socket's counts ({@link QueueTrouble}). Reader thread. */
    private void reportQueueTrouble() {
        queueTrouble.seen(socket.overruns(), socket.verdictsRefused(), socket.lastRefusal());
    }

    private static TcpSegment segment(Ipv4TcpPacket t) {
        boolean toServer = t.destinationPort() == ControlProtocol.TCP_PORT;
        ControlFlow flow = toServer
                ? new ControlFlow(t.source(), t.sourcePort(), t.destination(), t.destinationPort())
                : new ControlFlow(t.destination(), t.destinationPort(), t.source(), t.sourcePort());
        return new TcpSegment(flow, toServer ? Direction.TO_SERVER : Direction.TO_CLIENT, t.sequence(),
                t.syn(), t.fin(), t.rst(), t.packet, t.payloadOffset, t.payloadLength, t.ack(), t.acknowledgment());
    }

    private void maintenanceLoop() {
        while (!closed) {
            try {
                Thread.sleep(pollInterval);
                refresh();
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                LOG.warn("alg: GRE counters not read: {}", e.getMessage());
            } catch (RuntimeException | StackOverflowError | AssertionError e) {
                // A bug met once must not end the upkeep: calls would never expire, and a queue rule
                // flushed from under the ALG would never be put back.
                String more = UPKEEP_FAILED.admit();
                if (more != null) {
                    LOG.error("alg: the upkeep (queue rule, calls' rules, GRE counters) failed; tried again"
                            + " at its next run{}", more, e);
                }
            } catch (Error e) {
                LOG.error("alg: the upkeep stopped for good", e);
                org.homerouter.bridge.io.DataPathFailure.report("the passthrough ALG's upkeep");
                throw e;
            }
        }
    }

    private static final org.homerouter.pptp.LogLimit UPKEEP_FAILED = new org.homerouter.pptp.LogLimit();

    /**
     * Stops queueing, unmaps every call and removes the rules and the table. Idempotent.
     *
     * @throws IOException when the queue rule or the table could not be removed (a timeout on a busy
     *                     board): the ALG is stopped all the same, and what stayed in the kernel, as
     *                     the message says, goes with {@link #removeLeftovers}
     */
    public void stop() throws IOException {
        // Once: the appliance's switch-off and its shutdown may both come here at a time, and a
        // second stop would close the queue's and the lock's descriptors again, whatever took their numbers.
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        List<String> stayed = new java.util.ArrayList<>(2);
        // The maintenance thread first: a refresh under way could put the queue rule back after
        // it is removed, with no reader behind it, and every control segment would be dropped.
        maintenance.interrupt();
        try {
            maintenance.join(AdminCommands.TIMEOUT.plusSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            queueRules(false);
        } catch (IOException e) {
            stayed.add(queueRuleStays(e));
        }
        readUntilNanos = System.nanoTime() + DRAIN.toNanos();
        queueRuleOut = true;
        try {
            reader.join(READER_STOP);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The table first, with every call's rules in one go; the calls then forget their rules
        // without an nft run each.
        try {
            rules.remove();
        } catch (IOException e) {
            stayed.add(tableStays(e));
        }
        tracker.clear();
        // Only now: until its rules were gone, a router call with a NAT ID's key lost its GRE.
        router.reserveCallIds(id -> false);
        if (reader.isAlive()) {
            // Closing the socket under a reader still in receive could hand it a reused descriptor.
            LOG.warn("alg: the NFQUEUE reader did not stop within {} s; its socket is left open", READER_STOP.toSeconds());
        } else {
            socket.close();
        }
        instance.close();
        if (!stayed.isEmpty()) {
            String what = String.join("; ", stayed);
            LOG.error("alg: PPTP passthrough stopped, but {}", what);
            throw new IOException(what);
        }
        LOG.info("alg: PPTP passthrough off");
    }

    /** {@link #stop}; what stayed in the kernel is in the log. */
    @Override
    public void close() {
        try {
            stop();
        } catch (IOException e) {
            // Logged by stop.
        }
    }
}
