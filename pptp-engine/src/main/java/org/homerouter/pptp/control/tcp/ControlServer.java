package org.homerouter.pptp.control.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ClientSource;
import org.homerouter.pptp.control.ControlCodec;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PacControlConnection;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.StopControlConnectionRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PPTP server's TCP side: accepts control connections (port 1723 by default) and gives each
 * one a {@link PacControlConnection}. Shutdown is orderly: every peer gets a
 * Stop-Control-Connection-Request and a moment to answer before the sockets close.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    // A connection attempt is a log line a peer causes at will: within a budget.
    private static final LogLimit REFUSED_LOGGED = new LogLimit();
    private static final LogLimit ACCEPTED_LOGGED = new LogLimit();
    private static final LogLimit ROOM_MADE_LOGGED = new LogLimit();
    private static final LogLimit IPV6_LOGGED = new LogLimit();

    /**
     * @param maxConnections   control connections at once; more are closed at accept, so a flood of
     *                         idle TCP connections cannot exhaust the box
     * @param perSource        control connections at once from one address (a PNS needs one: RFC 2637
     *                         §1.3 has one control connection per PNS-PAC pair; a few NATed clients
     *                         share an address), so one source cannot take every slot
     * @param ratePerMinute    new control connections a minute from one address
     * @param tick             how often each connection's timers are checked
     * @param ipv4Only         control connections over IPv6 are closed at accept, before they count
     *                         towards any limit: for a caller whose GRE goes over IPv4 only, where
     *                         such a connection could set up calls whose data never flows
     */
    public record Options(ControlSettings settings, int maxConnections, int perSource, int ratePerMinute,
                          Duration tick, Clock clock, boolean ipv4Only) {
        /** No per-source limits (tests, benchmarks, labs): the caller facing the internet sets them. */
        public Options(ControlSettings settings, int maxConnections, Duration tick, Clock clock) {
            this(settings, maxConnections, maxConnections, Integer.MAX_VALUE, tick, clock);
        }

        /** Over either IP version. */
        public Options(ControlSettings settings, int maxConnections, int perSource, int ratePerMinute,
                       Duration tick, Clock clock) {
            this(settings, maxConnections, perSource, ratePerMinute, tick, clock, false);
        }

        /** Limits for a server facing the internet: 256 at once, 16 and 60 a minute per address. */
        public static Options defaults(ControlSettings settings) {
            return new Options(settings, 256, 16, 60, Duration.ofSeconds(1), Clock.SYSTEM);
        }
    }

    private final NettyTransport transport;
    private final Options options;
    private final CallListener listener;
    private final CallIdAllocator callIds;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final SourceAdmission admission;
    /** Connections closed to make room whose close has not yet given their slot back; under the admission's lock. */
    private final java.util.Set<Channel> closing = new java.util.HashSet<>();
    private final java.util.concurrent.atomic.LongAdder refused = new java.util.concurrent.atomic.LongAdder();
    private volatile Channel serverChannel;
    private volatile java.util.function.Consumer<InetAddress> callPlaced = source -> { };
    private volatile java.util.function.Consumer<InetAddress> refusedFrom = source -> { };
    /** How {@link #start} listened, and where (the port it got): {@link #resume} listens there again. */
    private ServerBootstrap bootstrap;
    private InetSocketAddress listening;

    public ControlServer(NettyTransport transport, Options options, CallListener listener, CallIdAllocator callIds) {
        this.transport = transport;
        this.options = options;
        this.listener = listener;
        this.callIds = callIds;
        this.admission = new SourceAdmission(options.maxConnections(), options.perSource(), options.ratePerMinute(),
                options.clock());
    }

    /**
     * Binds and starts accepting.
     *
     * @throws BindException when the address cannot be bound (in use, not local, no permission),
     *                       with the address in the message, whichever transport failed
     */
    public InetSocketAddress start(InetSocketAddress bind) throws InterruptedException, BindException {
        ServerBootstrap b = bootstrap(transport)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        InetAddress source = ((InetSocketAddress) ch.remoteAddress()).getAddress();
                        if (options.ipv4Only() && source instanceof Inet6Address) {
                            // A wildcard listener is dual-stack (an epoll socket binds 0.0.0.0 as [::]),
                            // but no stock client dials PPTP over IPv6 and the calls' GRE here is
                            // IPv4's. Counted, such connections would let a host with a routed /56
                            // (256 /64s, each a source of its own: ClientSource) take every slot for
                            // nothing. (An IPv4 client on the dual-stack socket shows as IPv4.) Not one
                            // of the limits' refusals, which the event log blames on a scanner or a flood.
                            String more = IPV6_LOGGED.admit();
                            if (more != null) {
                                LOG.warn("{}: control connection over IPv6 closed: PPTP here runs over IPv4 only{}",
                                        ch.remoteAddress(), more);
                            }
                            ch.close();
                            return;
                        }
                        Optional<String> refusal;
                        Channel victim = null;
                        synchronized (admission) {
                            // Only an address at its limit is worth the scan for logged-in users' connections.
                            int working = admission.heldBy(source) >= options.perSource() ? workingFrom(source) : 0;
                            refusal = admission.admit(source, false, working);
                            if (refusal.isPresent() && admission.full()) {
                                victim = makingRoomFor(source);
                                if (victim != null) {
                                    refusal = admission.admit(source, true, working);
                                    if (refusal.isPresent()) {
                                        victim = null; // refused for its own address's limits: nobody goes
                                    } else {
                                        closing.add(victim); // until its close gives the slot back
                                    }
                                }
                            }
                        }
                        if (victim != null) {
                            String more = ROOM_MADE_LOGGED.admit();
                            if (more != null) {
                                LOG.warn("{}: every control connection slot was taken, most of them by {}: closed its"
                                        + " connection {} (no call on it) to make room{}", ch.remoteAddress(),
                                        ((InetSocketAddress) victim.remoteAddress()).getAddress().getHostAddress(),
                                        victim.remoteAddress(), more);
                            }
                            victim.close(); // its close listener gives the slot back
                        }
                        if (refusal.isPresent()) {
                            refused.increment();
                            refusedFrom.accept(source);
                            String more = REFUSED_LOGGED.admit();
                            if (more != null) {
                                LOG.warn("{}: control connection refused: {}{}", ch.remoteAddress(), refusal.get(), more);
                            }
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> {
                            synchronized (admission) {
                                admission.closed(source);
                                closing.remove(ch);
                            }
                        });
                        connections.add(ch);
                        ControlCodec.addTo(ch.pipeline());
                        ch.pipeline().addLast("pptp-control", new ControlChannelHandler(
                                link -> new PacControlConnection(link, options.clock(), options.settings(),
                                        listener, callIds, peer -> callPlaced.accept(peer)),
                                options.tick()));
                        String more = ACCEPTED_LOGGED.admit();
                        if (more != null) {
                            LOG.info("{}: control connection accepted{}", ch.remoteAddress(), more);
                        }
                    }
                });
        serverChannel = bind(b, bind);
        bootstrap = b;
        // Report the address as configured (an epoll socket shows 0.0.0.0 as [::]) with the real port.
        InetSocketAddress local = new InetSocketAddress(bind.getAddress(),
                ((InetSocketAddress) serverChannel.localAddress()).getPort());
        listening = local;
        LOG.info("PPTP control listening on {}:{} ({} transport)", local.getAddress().getHostAddress(),
                local.getPort(), transport.name());
        return local;
    }

    /**
     * Tells {@code observer} the source of every call placed from now on (an Outgoing-Call-Request
     * on an established control connection, accepted or refused), on the connection's event loop
     * (it must not block). Not every connection: a port scanner opens TCP 1723 and goes, and was
     * reported as a client that reached the router.
     */
    public void onCallPlaced(java.util.function.Consumer<InetAddress> observer) {
        callPlaced = observer;
    }

    /**
     * Tells {@code observer} the source of every control connection refused from now on by the
     * limits on connections ({@link #refusedConnections}), on the accepting event loop (it must not
     * block): a client refused here reached this router, which an owner asking whether clients get
     * through at all needs to hear.
     */
    public void onRefused(java.util.function.Consumer<InetAddress> observer) {
        refusedFrom = observer;
    }

    /**
     * Throws as {@link #start} would on {@code bind} now, with the same kind of socket (the
     * transport's, SO_REUSEADDR): bound and closed at once, nothing accepted. Lets a caller that
     * must close something first (a running server, and with it every session) find out before
     * that a new listener cannot start.
     */
    public static void checkCanListen(NettyTransport transport, InetSocketAddress bind)
            throws InterruptedException, BindException {
        ServerBootstrap b = bootstrap(transport).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.close(); // a connection that came in the moment it was bound
            }
        });
        bind(b, bind).close().awaitUninterruptibly();
    }

    /**
     * Stops accepting new control connections for now; those open keep working. The port is free
     * again meanwhile (a caller checks whether another listener could have it), until
     * {@link #resume} or {@link #stop}.
     */
    public void pause() {
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().awaitUninterruptibly();
        }
    }

    /** Accepts again where {@link #start} listened (its port, even if it was chosen then), after {@link #pause}. */
    public void resume() throws InterruptedException, BindException {
        if (serverChannel != null && serverChannel.isOpen()) {
            return;
        }
        serverChannel = bind(bootstrap, listening);
    }

    private static ServerBootstrap bootstrap(NettyTransport transport) {
        return new ServerBootstrap()
                .group(transport.group())
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true);
    }

    private static Channel bind(ServerBootstrap b, InetSocketAddress bind) throws InterruptedException, BindException {
        ChannelFuture bound = b.bind(bind).await();
        if (!bound.isSuccess()) {
            // Epoll reports errno as NativeIoException, NIO as java.net.BindException: one type for callers.
            Throwable cause = bound.cause();
            String reason = cause.getMessage() != null ? cause.getMessage().replaceFirst("^bind\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "") : cause.toString();
            BindException e = new BindException("cannot listen on TCP " + bind + ": " + reason);
            e.initCause(cause);
            throw e;
        }
        return bound.channel();
    }

    /**
     * With every slot taken, the connection to close for a newcomer from {@code source}: one without
     * a call, from the address holding the most connections, if it holds at least two more than
     * the newcomer's (as PppSessions makes room among logins in progress). Without it, 16 addresses
     * each holding their 16 silent connections (reopened as the 30 s setup limit closes them) kept
     * every real client out; the newcomer's own address gains nothing by it beyond the rule's margin.
     * A connection with a call is never chosen: that is a working tunnel. Connections carrying a
     * logged-in user do not count towards their address's total, as for the per-address limit: an
     * office's NAT holding many workers' tunnels must not make its redialling workers the first to
     * go. Called under the admission's lock, from the newcomer's event loop; other connections are
     * only read.
     */
    private Channel makingRoomFor(InetAddress source) {
        java.util.Map<InetAddress, Integer> working = workingBySource();
        int newcomers = admission.heldBy(source) - working.getOrDefault(ClientSource.of(source), 0);
        Channel best = null;
        int bestHeld = newcomers + 1;
        boolean bestEstablished = true;
        for (Channel ch : connections) {
            ControlChannelHandler h = ch.pipeline().get(ControlChannelHandler.class);
            if (h == null || h.connection() == null || h.connection().holdsCall() || !ch.isActive()
                    || closing.contains(ch)) {
                continue;
            }
            InetAddress its = ((InetSocketAddress) ch.remoteAddress()).getAddress();
            // Its address's count, less its logged-in users' and its connections already closing for room.
            int held = admission.heldBy(its) - working.getOrDefault(ClientSource.of(its), 0) - closingFrom(its);
            boolean established = h.connection().phase() == ControlConnection.Phase.ESTABLISHED;
            // The address holding the most; among its connections, one still setting up before an established one.
            if (held > bestHeld || (held == bestHeld && best != null && bestEstablished && !established)) {
                best = ch;
                bestHeld = held;
                bestEstablished = established;
            }
        }
        return best;
    }

    /** Connections from {@code address}'s source carrying a logged-in session (a user's working tunnel). */
    private int workingFrom(InetAddress address) {
        // Asked at every connection from an address at its limit (a flood's case): the address is
        // compared first, so only that source's own few connections are looked into.
        InetAddress source = ClientSource.of(address);
        int n = 0;
        for (Channel ch : connections) {
            if (ch.isActive() && ClientSource.of(((InetSocketAddress) ch.remoteAddress()).getAddress()).equals(source)
                    && working(ch)) {
                n++;
            }
        }
        return n;
    }

    /** Per source ({@link ClientSource}), its connections carrying a logged-in session; one pass over them all. */
    private java.util.Map<InetAddress, Integer> workingBySource() {
        java.util.Map<InetAddress, Integer> out = new java.util.HashMap<>();
        for (Channel ch : connections) {
            if (working(ch)) {
                out.merge(ClientSource.of(((InetSocketAddress) ch.remoteAddress()).getAddress()), 1, Integer::sum);
            }
        }
        return out;
    }

    /** Whether {@code ch} carries a logged-in session (a user's working tunnel). */
    private static boolean working(Channel ch) {
        ControlChannelHandler h = ch.pipeline().get(ControlChannelHandler.class);
        return h != null && h.connection() != null && ch.isActive()
                && h.connection().calls().stream().anyMatch(PptpCall::loggedIn);
    }

    private int closingFrom(InetAddress address) {
        InetAddress source = ClientSource.of(address);
        int n = 0;
        for (Channel ch : closing) {
            if (ClientSource.of(((InetSocketAddress) ch.remoteAddress()).getAddress())
                    .equals(source)) {
                n++;
            }
        }
        return n;
    }

    /** Control connections refused so far by the limits on connections (in all, per address, per minute). */
    public long refusedConnections() {
        return refused.sum();
    }

    /** The live control connections, for status pages. */
    public List<ControlConnection> connections() {
        List<ControlConnection> out = new ArrayList<>();
        for (Channel ch : connections) {
            ControlChannelHandler h = ch.pipeline().get(ControlChannelHandler.class);
            if (h != null && h.connection() != null) {
                out.add(h.connection());
            }
        }
        return out;
    }

    /**
     * Stops accepting, sends Stop-Control-Connection-Request to every peer, waits up to
     * {@code grace} for them to answer, then closes what is left.
     */
    public void stop(Duration grace) {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        int n = connections.size();
        if (n > 0) {
            LOG.info("stopping {} control connection(s): sending Stop-Control-Connection-Request", n);
        }
        for (Channel ch : connections) {
            ControlChannelHandler h = ch.pipeline().get(ControlChannelHandler.class);
            if (h != null) {
                ch.eventLoop().execute(() -> h.connection().stop(StopControlConnectionRequest.REASON_STOP_LOCAL_SHUTDOWN));
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.isEmpty()) {
            LOG.info("closing {} control connection(s) that did not answer in time", connections.size());
        }
        connections.close().awaitUninterruptibly();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(3));
    }
}
