package org.homerouter.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.InMemoryUserDirectory;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.auth.PppUser;
import io.netty.channel.Channel;
import java.lang.reflect.Field;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.tcp.ClientConnection;
import org.homerouter.pptp.control.tcp.ControlClient;
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.AddressPool;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.PppSessions;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionEnvironment;
import org.homerouter.pptp.session.SessionLimits;
import org.homerouter.pptp.session.SessionListener;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.pptp.tunnel.CallTunnel;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.homerouter.pptp.tunnel.IpPacketSink;
import org.homerouter.pptp.tunnel.TunnelConfig;
import org.homerouter.pptp.tunnel.TunnelDevice;

/**
 * Acceptance point 4 of "P7 Hostile input and faults": a soak. About {@code sessions} sessions are
 * kept up at once for {@code minutes} and churned the whole time: each one dials (its own control
 * connection over loopback TCP, Outgoing-Call-Request, LCP, MS-CHAPv2, CCP with MPPE-128
 * stateless, IPCP with an address from the server's pool), carries IP packets both ways through
 * the encrypted data path (each checked to arrive intact and in order), stays up for a while,
 * carries packets again, then ends in one of three ways, in turn:
 * <ul>
 * <li>the client hangs up: LCP Terminate from the client, Call-Clear-Request, then
 *     Stop-Control-Connection-Request;</li>
 * <li>the client vanishes: from then on every GRE packet of the call is dropped both ways and the
 *     client stops reading its TCP connection (a laptop whose network went away), so only the
 *     server's LCP echo can notice; the server runs a short echo (2 s, dead after 3) so that this
 *     takes seconds, not a minute. The server must end the session as "peer dead", clear the
 *     call, stop the control connection and, as the Stop-Control-Connection-Request goes
 *     unanswered, close it after its stop timeout. Only then does the client read again (and
 *     finds its call and connection gone);</li>
 * <li>the server disconnects it (as the dashboard's Disconnect does: LCP Terminate from the
 *     server), then the client stops its control connection;</li>
 * </ul>
 * and a new session takes its place. Both ends live in this JVM (as in {@link SessionScale}), GRE
 * over {@link InMemoryGreNetwork}, timers on the appliance's 20 ms tick.
 *
 * <p>Every {@code soak.sampleSeconds} (10 s) it samples heap in use after a full GC, live
 * threads, open file descriptors ({@code /proc/self/fd}) and the server's books: call IDs
 * allocated, pool addresses out, sessions, GRE channels, control connections, tunnel devices
 * open. At the end every session is hung up; after a grace period every one of those books must
 * be back to zero, and heap, threads and descriptors must be flat: the average over the last
 * minute at most the first minute's (after a minute's warm-up) × 1.10 plus a small absolute slack
 * (see {@link #FLAT_FACTOR}). The run also fails if any session failed, if fewer sessions were
 * churned than the hold time implies, if any packet did not arrive intact, if an ending did not
 * happen the way it should (e.g. the vanished client not ended by the echo), or if fewer than 80%
 * of the sessions were up on average: it cannot pass by doing nothing.
 *
 * <p>Usage: {@code Soak result.md minutes sessions}. Writes the samples and the verdict to
 * {@code result.md}; exits 1 if the verdict is not "flat, nothing leaked".
 */
public final class Soak {
    private static final InetAddress SERVER = ip("127.0.0.2");
    private static final InetAddress CLIENT = ip("127.0.0.1");
    private static final String USER = "soak";
    private static final String PASSWORD = "soak-password";
    /** PptpService.TICK: the appliance runs its session timers every 20 ms. */
    private static final Duration TICK = Duration.ofMillis(20);
    /** How often each control connection's timers run (as in SessionScale and the appliance). */
    private static final Duration CONTROL_TICK = Duration.ofSeconds(1);
    /** Dials between TCP connect and both ends up, at most: a crowd of clients, not a stampede. */
    private static final int IN_FLIGHT = Integer.getInteger("soak.inFlight", 64);
    /** Mean time a session stays up; each one holds for a uniform 0.5..1.5 times this. */
    private static final Duration HOLD = Duration.ofSeconds(Integer.getInteger("soak.holdSeconds", 30));
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(Integer.getInteger("soak.sampleSeconds", 10));
    /** IP packets each way per burst; two bursts per session (after it comes up, before it ends). */
    private static final int PACKETS = Integer.getInteger("soak.packets", 8);
    /** The server's LCP echo: every 2 s, dead after 3 unanswered (the appliance's default is 20 s × 3). */
    private static final Duration ECHO_INTERVAL = Duration.ofSeconds(2);
    private static final int ECHO_FAILURES = 3;
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TRAFFIC_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration ENDING_TIMEOUT = Duration.ofSeconds(45);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** After the last session ended: time for the last control connections to close and the timers to settle. */
    private static final Duration GRACE = Duration.ofSeconds(10);

    /**
     * "Flat": last-minute average ≤ first-minute average × {@value #FLAT_FACTOR} + slack. The factor
     * absorbs that each sample catches the churn at a different point (how many sessions are in
     * setup or teardown, how many control connections are open: ±5% around the target at
     * 1,000 sessions). The slacks absorb what a JVM grows by itself, once, independently of the
     * sessions: heap 4 MiB (JIT- and class-loading-side objects, the harness's own books);
     * threads 2 (C2 compiler threads start and stop on demand); descriptors 16 (jar and class
     * files, /dev/urandom, opened lazily). A leak per churned session exceeds these quickly: with
     * ~20,000 sessions churned in 10 minutes, 450 bytes a session already breaks the heap limit,
     * and one thread or descriptor per 1,000 sessions breaks theirs.
     */
    static final double FLAT_FACTOR = 1.10;
    static final long HEAP_SLACK = 4L << 20;
    static final int THREAD_SLACK = 2;
    static final int FD_SLACK = 16;

    enum Ending {
        CLIENT_HANGS_UP("client hangs up (LCP Terminate, CCRQ, StopCCRQ)"),
        CLIENT_VANISHES("client vanishes (GRE black-holed, TCP unread; the server's LCP echo ends the session, "
                + "its stop timeout the control connection)"),
        SERVER_DISCONNECTS("server disconnects (LCP Terminate from the server)");

        final String description;

        Ending(String description) {
            this.description = description;
        }
    }

    private enum Step { CONNECTING, COMING_UP, FIRST_TRAFFIC, HOLDING, LAST_TRAFFIC, ENDING, CLOSING, DONE }

    record Sample(double seconds, long heap, int threads, long fds, int serverCallIds, int poolInUse,
                  int serverSessions, int serverRegistered, int serverTunnels, int serverDemux, int connections,
                  int openDevices, int clientCallIds, long setups, long completed, long failed, int dials) {
    }

    private final int target;
    private final Duration duration;
    private final InMemoryGreNetwork network = new InMemoryGreNetwork();
    private final SplittableRandom random = new SplittableRandom(20261202L);

    // The server: what the appliance's PptpService holds.
    private final AddressPool pool;
    private final CallIdAllocator serverCallIds;
    private final PppSessions serverSessions;
    private final GreDemux serverDemux = new GreDemux();
    private final CallTunnels serverTunnels;
    private final ControlServer server;
    private final NettyTransport serverIo = NettyTransport.create(2, "server-io");
    private InetSocketAddress serverAddress;

    // The crowd of clients.
    private final CallIdAllocator clientCallIds;
    private final PppSessions clientSessions;
    private final GreDemux clientDemux = new GreDemux();
    private final CallTunnels clientTunnels;
    private final NettyTransport clientIo = NettyTransport.create(2, "client-io");

    // Tunnel devices (both ends): open ones by name, so a session's device can be found and leaks counted.
    private final Map<String, CheckedDevice> devices = new ConcurrentHashMap<>();
    private final AtomicInteger deviceNumber = new AtomicInteger();
    private final AtomicInteger openDevices = new AtomicInteger();

    // Vanished clients: GRE to the server with these server call IDs, and to the client with these client call IDs, is dropped.
    private final Set<Integer> blackholeToServer = ConcurrentHashMap.newKeySet();
    private final Set<Integer> blackholeToClient = ConcurrentHashMap.newKeySet();

    // Which dial a session belongs to, for the end listeners.
    private final Map<PppSession, Dial> serverOwners = new ConcurrentHashMap<>();
    private final Map<PppSession, Dial> clientOwners = new ConcurrentHashMap<>();

    // Counters.
    private final AtomicLong dialsStarted = new AtomicLong();
    private final AtomicLong setups = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final LongAdder packetsSent = new LongAdder();
    private final LongAdder packetsVerified = new LongAdder();
    private final LongAdder packetsCorrupt = new LongAdder();
    private final LongAdder unownedEnds = new LongAdder();
    private final Map<Ending, LongAdder> completedBy = new EnumMap<>(Ending.class);
    private final Map<String, LongAdder> endReasons = new ConcurrentHashMap<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private volatile boolean draining;
    private long startNanos;
    private volatile long dialsLive;

    private Soak(int target, Duration duration) {
        this.target = target;
        this.duration = duration;
        for (Ending e : Ending.values()) {
            completedBy.put(e, new LongAdder());
        }
        List<AuthMethod> methods = List.of(AuthMethod.MSCHAP_V2);
        AuthPolicy auth = AuthPolicy.DEFAULT.withMethods(AuthMethod.MSCHAP_V2);
        SessionSettings serverSettings = new SessionSettings(SessionRole.SERVER, "homerouter",
                LcpSettings.server(methods).withEcho(ECHO_INTERVAL, ECHO_FAILURES), auth,
                IpcpSettings.server((Inet4Address) ip("10.0.0.1"), (Inet4Address) ip("10.0.0.1"), null, null, null),
                Optional.of(MppePolicy.DEFAULT), Optional.empty(), "pptp");
        // The clients send no LCP echo: a vanished client must be noticed by the server, not by itself.
        SessionSettings clientSettings = new SessionSettings(SessionRole.CLIENT, "client",
                LcpSettings.client(methods).withEcho(Duration.ZERO, 1), auth, IpcpSettings.client(),
                Optional.of(MppePolicy.DEFAULT), Optional.of(new PeerCredentials(USER, PASSWORD)), "ppp");
        SecureRandom secure = new SecureRandom();
        // A pool of twice the sessions: it wraps around many times in a run, so a leaked address
        // would soon show as a refused session (NO_ADDRESS), not only in the final count.
        int first = 10 << 24 | 1 << 16 | 1;
        pool = new AddressPool(v4(first), v4(first + 2 * target - 1));
        serverCallIds = new CallIdAllocator(target + 64);
        clientCallIds = new CallIdAllocator(target + 64);
        // As the appliance runs it: logins through the brute-force lockout, the session limits on.
        serverSessions = new PppSessions(serverSettings, new SessionEnvironment(Clock.SYSTEM, secure::nextBytes,
                new InMemoryUserDirectory(PppUser.withPassword(USER, PASSWORD)), pool, config -> openDevice("pptp", config))
                .withLockout(AuthFailureLockout.defaults(Clock.SYSTEM)),
                new SessionListener() {
                    @Override
                    public void ended(PppSession s, SessionEnd reason, String detail) {
                        Dial d = serverOwners.get(s);
                        if (d == null) {
                            unownedEnds.increment();
                            return;
                        }
                        // Whatever is black-holed for it goes now: its call IDs are about to be reused.
                        d.unblackhole();
                        d.serverEnd = reason;
                    }
                });
        clientSessions = new PppSessions(clientSettings, new SessionEnvironment(Clock.SYSTEM, secure::nextBytes, null,
                null, config -> openDevice("ppp", config)), new SessionListener() {
                    @Override
                    public void ended(PppSession s, SessionEnd reason, String detail) {
                        Dial d = clientOwners.get(s);
                        if (d == null) {
                            unownedEnds.increment();
                            return;
                        }
                        d.clientEnd = reason;
                    }
                });
        // Tight enough that a count that leaks (one login or one user session never given back) soon
        // refuses sessions: the dials in flight log in at once, and the one user holds every session.
        serverSessions.setLimits(new SessionLimits(2 * IN_FLIGHT, target + 64));
        GreTransport serverGre = network.bind(SERVER);
        GreTransport clientGre = network.bind(CLIENT);
        serverGre.setReceiver(serverDemux);
        clientGre.setReceiver(clientDemux);
        serverTunnels = new CallTunnels(serverGre, serverDemux, Clock.SYSTEM, GreChannelConfig.DEFAULTS,
                serverSessions::sinkFor, serverSessions);
        clientTunnels = new CallTunnels(clientGre, clientDemux, Clock.SYSTEM, GreChannelConfig.DEFAULTS,
                clientSessions::sinkFor, clientSessions);
        server = new ControlServer(serverIo, new ControlServer.Options(ControlSettings.defaults("pac"), target + 64,
                CONTROL_TICK, Clock.SYSTEM), serverTunnels, serverCallIds);
        // Enhanced GRE (RFC 2637 §4.1): the Key's low half, octets 6-7, is the receiver's call ID.
        network.setImpairment((source, destination, packet) -> {
            if (packet.remaining() < 8) {
                return InMemoryGreNetwork.Fate.DELIVER;
            }
            int callId = packet.getShort(packet.position() + 6) & 0xFFFF;
            Set<Integer> holes = destination.equals(SERVER) ? blackholeToServer : blackholeToClient;
            return !holes.isEmpty() && holes.contains(callId) ? InMemoryGreNetwork.Fate.DROP
                    : InMemoryGreNetwork.Fate.DELIVER;
        });
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Soak result.md minutes sessions");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        double minutes = Double.parseDouble(args[1]);
        int sessions = Integer.parseInt(args[2]);
        if (minutes <= 0 || sessions < 3) {
            throw new IllegalArgumentException("minutes > 0 and sessions >= 3 required");
        }
        String loadAtStart = loadAverage();
        Soak soak = new Soak(sessions, Duration.ofMillis(Math.round(minutes * 60_000)));
        boolean ok = soak.run(out, loadAtStart);
        System.out.flush();
        System.exit(ok ? 0 : 1); // Netty's event loops are not daemons: do not wait for them
    }

    // ------------------------------------------------------------------ the run

    private boolean run(Path out, String loadAtStart) throws Exception {
        serverAddress = server.start(new InetSocketAddress(SERVER, 0));
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> SessionScale.daemon(r, "timers"));
        timers.scheduleAtFixedRate(() -> {
            try {
                serverSessions.poll();
                serverTunnels.poll();
                clientSessions.poll();
                clientTunnels.poll();
            } catch (RuntimeException e) {
                failure("timer tick threw " + e);
            }
        }, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        // The in-memory GRE "wire": delivers on its own thread, as the raw socket's reader does.
        AtomicBoolean wireRunning = new AtomicBoolean(true);
        Thread wire = SessionScale.daemon(() -> {
            while (wireRunning.get()) {
                if (network.deliverAll() == 0) {
                    LockSupport.parkNanos(50_000);
                }
            }
        }, "gre-wire");
        wire.start();

        // The baseline: everything started, no session yet.
        Sample baseline = sample(0);
        System.out.printf(Locale.ROOT, "soak: %d sessions for %s, hold %d s on average, %d packets each way twice per "
                        + "session; baseline heap %s, %d threads, %d fds%n", target, duration, HOLD.toSeconds(), PACKETS,
                mib(baseline.heap()), baseline.threads(), baseline.fds());
        printHeader();

        startNanos = System.nanoTime();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> SessionScale.daemon(r, "sampler"));
        sampler.scheduleAtFixedRate(() -> {
            Sample s = sample((System.nanoTime() - startNanos) / 1e9);
            samples.add(s);
            printRow(s);
        }, SAMPLE_EVERY.toMillis(), SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);

        // The driver: every dial is a small state machine stepped here every 20 ms.
        List<Dial> dials = new ArrayList<>();
        long end = startNanos + duration.toNanos();
        while (System.nanoTime() - end < 0) {
            drive(dials, true);
            Thread.sleep(20);
        }
        sampler.shutdown();
        sampler.awaitTermination(30, TimeUnit.SECONDS);
        double runSeconds = (System.nanoTime() - startNanos) / 1e9;
        long setupsInRun = setups.get();

        // Hang everything up: no new dials, every session ends now in its own way.
        draining = true;
        long drainStart = System.nanoTime();
        while (!dials.isEmpty() && System.nanoTime() - drainStart < Duration.ofMinutes(2).toNanos()) {
            drive(dials, false);
            Thread.sleep(20);
        }
        if (!dials.isEmpty()) {
            failure(dials.size() + " sessions still not ended 2 minutes after the hang-up began");
        }
        double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        // Grace: then every book must be back to zero (waiting up to another grace for stragglers).
        Thread.sleep(GRACE.toMillis());
        long settle = System.nanoTime();
        while (!Leftovers.of(this).isEmpty() && System.nanoTime() - settle < GRACE.toNanos()) {
            Thread.sleep(100);
        }
        Leftovers leftovers = Leftovers.of(this);
        Sample atRest = sample((System.nanoTime() - startNanos) / 1e9);
        System.out.println("soak: at rest after the hang-up and " + GRACE.toSeconds() + " s grace:");
        printRow(atRest);
        timers.shutdown();
        wireRunning.set(false);

        Report report = new Report(runSeconds, setupsInRun, drainSeconds, baseline, atRest, leftovers);
        String md = report.markdown(loadAtStart, loadAverage());
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md);
        System.out.println();
        System.out.print(report.summary());
        System.out.println("soak: written to " + out);
        return report.passed();
    }

    /** Steps every dial once, retires finished ones and (unless draining) starts new ones in their place. */
    private void drive(List<Dial> dials, boolean replace) {
        long now = System.nanoTime();
        int settingUp = 0;
        for (Iterator<Dial> it = dials.iterator(); it.hasNext(); ) {
            Dial d = it.next();
            try {
                d.step(now);
            } catch (RuntimeException e) {
                d.fail("harness error: " + e);
            }
            if (d.step == Step.DONE) {
                it.remove();
            } else if (d.step == Step.CONNECTING || d.step == Step.COMING_UP) {
                settingUp++;
            }
        }
        while (replace && dials.size() < target && settingUp < IN_FLIGHT) {
            Ending ending = Ending.values()[(int) (dialsStarted.getAndIncrement() % Ending.values().length)];
            long hold = (long) (HOLD.toNanos() * (0.5 + random.nextDouble()));
            Dial d = new Dial(ending, hold, now);
            dials.add(d);
            d.dial();
            settingUp++;
        }
        dialsLive = dials.size();
    }

    // ------------------------------------------------------------------ one session's life

    private final class Dial {
        final Ending ending;
        final long holdNanos;
        Step step = Step.CONNECTING;
        long since;
        long upAt;
        volatile ClientConnection connection;
        volatile PptpCall call;
        volatile Throwable setupError;
        volatile boolean closed;
        volatile boolean abandoned;
        volatile SessionEnd serverEnd;
        volatile SessionEnd clientEnd;
        int serverCallId;
        int clientCallId;
        /** The server's end of this dial's control connection. */
        ControlConnection serverControl;
        PppSession server;
        PppSession client;
        CheckedDevice serverDevice;
        CheckedDevice clientDevice;
        int expected;

        Dial(Ending ending, long holdNanos, long now) {
            this.ending = ending;
            this.holdNanos = holdNanos;
            this.since = now;
        }

        void dial() {
            ControlClient.connect(clientIo, serverAddress, ControlSettings.defaults("pns"), Clock.SYSTEM, CONTROL_TICK,
                    clientTunnels, clientCallIds).whenComplete((c, e) -> {
                        if (e != null) {
                            setupError = e;
                            return;
                        }
                        connection = c;
                        c.closed().thenRun(() -> closed = true);
                        if (abandoned) {
                            c.stop();
                            return;
                        }
                        c.placeCall().whenComplete((placed, f) -> {
                            if (f != null) {
                                setupError = f;
                            } else {
                                call = placed;
                            }
                        });
                    });
        }

        void step(long now) {
            switch (step) {
                case CONNECTING -> {
                    if (setupError != null) {
                        fail("dial failed: " + setupError);
                    } else if (call != null) {
                        clientCallId = call.localCallId();
                        serverCallId = call.peerCallId();
                        to(Step.COMING_UP, now);
                    } else {
                        timeout(now, SETUP_TIMEOUT, "no call within");
                    }
                }
                case COMING_UP -> {
                    if (server == null) {
                        server = serverSessions.session(serverCallId);
                        if (server != null) {
                            serverOwners.put(server, this);
                        }
                    }
                    if (client == null) {
                        client = clientSessions.session(clientCallId);
                        if (client != null) {
                            clientOwners.put(client, this);
                        }
                    }
                    if (serverEnd != null || clientEnd != null) {
                        fail("ended while coming up: server " + serverEnd + ", client " + clientEnd);
                        return;
                    }
                    if (serverControl == null) {
                        CallTunnel t = serverTunnels.tunnel(serverCallId);
                        serverControl = t == null ? null : t.call().connection();
                    }
                    if (serverDevice == null && server != null) {
                        serverDevice = startedDevice(server);
                    }
                    if (clientDevice == null && client != null) {
                        clientDevice = startedDevice(client);
                    }
                    if (serverDevice != null && clientDevice != null && serverControl != null) {
                        setups.incrementAndGet();
                        upAt = now;
                        burst();
                        to(Step.FIRST_TRAFFIC, now);
                    } else {
                        timeout(now, SETUP_TIMEOUT, "not both ends up within");
                    }
                }
                case FIRST_TRAFFIC, LAST_TRAFFIC -> {
                    if (serverDevice.wrong.get() > 0 || clientDevice.wrong.get() > 0) {
                        fail("a packet arrived damaged, out of order or unexpected");
                    } else if (serverEnd != null || clientEnd != null) {
                        fail("ended during traffic: server " + serverEnd + ", client " + clientEnd);
                    } else if (serverDevice.arrived.get() >= expected && clientDevice.arrived.get() >= expected) {
                        packetsVerified.add(2L * PACKETS);
                        if (step == Step.FIRST_TRAFFIC) {
                            to(Step.HOLDING, now);
                        } else {
                            beginEnding(now);
                        }
                    } else {
                        timeout(now, TRAFFIC_TIMEOUT, "packets missing (server device " + serverDevice.arrived.get()
                                + ", client device " + clientDevice.arrived.get() + " of " + expected + ") after");
                    }
                }
                case HOLDING -> {
                    if (serverEnd != null || clientEnd != null) {
                        fail("ended on its own while held: server " + serverEnd + ", client " + clientEnd);
                    } else if (draining || now - upAt >= holdNanos) {
                        burst();
                        to(Step.LAST_TRAFFIC, now);
                    }
                }
                case ENDING -> {
                    // A vanished client hears nothing until the server has given up on it and closed the connection.
                    boolean clientSideDone = ending == Ending.CLIENT_VANISHES
                            ? serverControl.phase() == ControlConnection.Phase.CLOSED
                            : clientEnd != null && connection.state().calls().isEmpty();
                    if (serverEnd != null && clientSideDone) {
                        unblackhole();
                        String expectedServer = switch (ending) {
                            case CLIENT_HANGS_UP -> serverEnd == SessionEnd.HUNG_UP || serverEnd == SessionEnd.CALL_CLEARED
                                    ? null : "HUNG_UP or CALL_CLEARED";
                            case CLIENT_VANISHES -> serverEnd == SessionEnd.PEER_DEAD ? null : "PEER_DEAD";
                            case SERVER_DISCONNECTS -> serverEnd == SessionEnd.HUNG_UP ? null : "HUNG_UP";
                        };
                        if (expectedServer != null) {
                            fail(ending + ": the server ended the session as " + serverEnd + ", expected " + expectedServer);
                            return;
                        }
                        if (ending == Ending.CLIENT_VANISHES) {
                            channelOf(connection).config().setAutoRead(true);
                        } else {
                            connection.stop();
                        }
                        to(Step.CLOSING, now);
                    } else {
                        timeout(now, ENDING_TIMEOUT, ending + ": not ended (server " + serverEnd + ", client "
                                + clientEnd + ", client calls " + connection.state().calls().size()
                                + ", server's control connection " + serverControl.phase() + ") after");
                    }
                }
                case CLOSING -> {
                    // Both ends of the control connection closed, both sessions ended.
                    if (closed && clientEnd != null && serverControl.phase() == ControlConnection.Phase.CLOSED) {
                        endReasons.computeIfAbsent(ending.name() + " server " + serverEnd + ", client " + clientEnd,
                                k -> new LongAdder()).increment();
                        forget();
                        completed.incrementAndGet();
                        completedBy.get(ending).increment();
                        to(Step.DONE, now);
                    } else {
                        timeout(now, CLOSE_TIMEOUT, ending + ": control connection still open (client "
                                + connection.state().phase() + ", server " + serverControl.phase() + ", client session "
                                + clientEnd + ") after");
                    }
                }
                case DONE -> {
                }
            }
        }

        private CheckedDevice startedDevice(PppSession s) {
            Optional<String> name = s.deviceName();
            if (name.isEmpty() || s.dataPath().isEmpty()) {
                return null;
            }
            CheckedDevice d = devices.get(name.get());
            return d != null && d.sink != null ? d : null;
        }

        private void burst() {
            for (int i = 0; i < PACKETS; i++) {
                send(clientDevice, serverDevice, ipv4(40 + random.nextInt(1260)));
                send(serverDevice, clientDevice, ipv4(40 + random.nextInt(1260)));
            }
            expected += PACKETS;
            packetsSent.add(2L * PACKETS);
        }

        private void beginEnding(long now) {
            switch (ending) {
                case CLIENT_HANGS_UP -> client.close("the user hung up");
                case CLIENT_VANISHES -> {
                    blackholeToServer.add(serverCallId);
                    blackholeToClient.add(clientCallId);
                    channelOf(connection).config().setAutoRead(false);
                }
                case SERVER_DISCONNECTS -> server.close("the administrator disconnected the session");
            }
            to(Step.ENDING, now);
        }

        void unblackhole() {
            if (ending == Ending.CLIENT_VANISHES) {
                blackholeToServer.remove(serverCallId);
                blackholeToClient.remove(clientCallId);
            }
        }

        private void timeout(long now, Duration limit, String what) {
            if (now - since > limit.toNanos()) {
                fail(what + " " + limit.toSeconds() + " s");
            }
        }

        void fail(String why) {
            failure("session " + (server != null ? server.id() : "call " + serverCallId) + " (" + ending + ", "
                    + step + "): " + why);
            abandoned = true;
            unblackhole();
            ClientConnection c = connection;
            if (c != null) {
                channelOf(c).config().setAutoRead(true);
                c.stop();
            }
            forget();
            step = Step.DONE;
        }

        private void forget() {
            if (server != null) {
                serverOwners.remove(server);
            }
            if (client != null) {
                clientOwners.remove(client);
            }
        }

        private void to(Step next, long now) {
            step = next;
            since = now;
        }
    }

    private static final Field CHANNEL;

    static {
        try {
            CHANNEL = ClientConnection.class.getDeclaredField("channel");
            CHANNEL.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The client's TCP channel, to stop and resume reading it. The engine's client has no reason to
     * offer that (a real client that vanishes just stops), so the harness takes it by reflection.
     */
    private static Channel channelOf(ClientConnection c) {
        try {
            return (Channel) CHANNEL.get(c);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(CheckedDevice from, CheckedDevice to, byte[] packet) {
        to.expected.add(packet);
        from.inject(packet);
    }

    private byte[] ipv4(int length) {
        byte[] p = new byte[length];
        random.nextBytes(p);
        p[0] = 0x45;
        return p;
    }

    private void failure(String why) {
        failed.incrementAndGet();
        if (failures.size() < 20) {
            failures.add(why);
        }
        System.err.println("soak: FAILURE " + why);
    }

    // ------------------------------------------------------------------ tunnel devices

    private TunnelDevice openDevice(String prefix, TunnelConfig config) {
        CheckedDevice d = new CheckedDevice(prefix + deviceNumber.getAndIncrement(), config);
        devices.put(d.name, d);
        openDevices.incrementAndGet();
        return d;
    }

    /**
     * A session's tunnel device that checks what the tunnel delivers: every packet written must be
     * the next one the other end injected, octet for octet.
     */
    private final class CheckedDevice implements TunnelDevice {
        final String name;
        final TunnelConfig config;
        final ConcurrentLinkedQueue<byte[]> expected = new ConcurrentLinkedQueue<>();
        final AtomicInteger arrived = new AtomicInteger();
        final AtomicInteger wrong = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        volatile IpPacketSink sink;

        CheckedDevice(String name, TunnelConfig config) {
            this.name = name;
            this.config = config;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void write(ByteBuffer ipPacket) {
            byte[] want = expected.poll();
            if (want != null && ipPacket.equals(ByteBuffer.wrap(want))) {
                arrived.incrementAndGet();
            } else {
                wrong.incrementAndGet();
                packetsCorrupt.increment();
            }
        }

        @Override
        public void start(IpPacketSink sink) {
            this.sink = sink;
        }

        void inject(byte[] packet) {
            sink.onIpPacket(ByteBuffer.wrap(packet));
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                devices.remove(name, this);
                openDevices.decrementAndGet();
            }
        }
    }

    // ------------------------------------------------------------------ measuring

    private Sample sample(double seconds) {
        long heap = usedHeapAfterGc();
        return new Sample(seconds, heap, ManagementFactory.getThreadMXBean().getThreadCount(), openFds(),
                serverCallIds.inUse(), pool.inUse(), serverSessions.sessions().size(), serverSessions.registered(),
                serverTunnels.tunnels().size(), serverDemux.registered(), server.connections().size(), openDevices.get(),
                clientCallIds.inUse(), setups.get(), completed.get(), failed.get(), (int) dialsLive);
    }

    /** Heap in use after full collections, the lower of two (a collection can leave garbage behind). */
    static long usedHeapAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 2; i++) {
            System.gc();
            LockSupport.parkNanos(50_000_000);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the listing's own descriptor
        } catch (IOException e) {
            return -1;
        }
    }

    /** What must be back to zero once every session has ended. */
    private record Leftovers(Map<String, Integer> nonZero) {
        static Leftovers of(Soak s) {
            Map<String, Integer> all = new LinkedHashMap<>();
            all.put("server call IDs allocated", s.serverCallIds.inUse());
            all.put("pool addresses in use", s.pool.inUse());
            all.put("server sessions", s.serverSessions.sessions().size());
            all.put("server calls registered (PppSessions)", s.serverSessions.registered());
            all.put("server sessions logging in", s.serverSessions.loggingIn());
            all.put("server sessions counted for the user", s.serverSessions.sessionsOf(USER));
            all.put("server GRE tunnels", s.serverTunnels.tunnels().size());
            all.put("server GRE demux channels", s.serverDemux.registered());
            all.put("server control connections", s.server.connections().size());
            all.put("tunnel devices open (both ends)", s.openDevices.get());
            all.put("client call IDs allocated", s.clientCallIds.inUse());
            all.put("client calls registered", s.clientSessions.registered());
            all.put("client GRE tunnels", s.clientTunnels.tunnels().size());
            all.put("client GRE demux channels", s.clientDemux.registered());
            all.put("harness: sessions still owned", s.serverOwners.size() + s.clientOwners.size());
            all.put("harness: black-holed call IDs", s.blackholeToServer.size() + s.blackholeToClient.size());
            Map<String, Integer> nonZero = new LinkedHashMap<>();
            all.forEach((k, v) -> {
                if (v != 0) {
                    nonZero.put(k, v);
                }
            });
            return new Leftovers(nonZero);
        }

        boolean isEmpty() {
            return nonZero.isEmpty();
        }
    }

    // ------------------------------------------------------------------ the verdict

    private final class Report {
        final double runSeconds;
        final long setupsInRun;
        final double drainSeconds;
        final Sample baseline;
        final Sample atRest;
        final Leftovers leftovers;
        final double warmup;
        final double window;
        final List<Sample> firstWindow;
        final List<Sample> lastWindow;
        final List<String[]> checks = new ArrayList<>();
        boolean passed = true;

        Report(double runSeconds, long setupsInRun, double drainSeconds, Sample baseline, Sample atRest,
               Leftovers leftovers) {
            this.runSeconds = runSeconds;
            this.setupsInRun = setupsInRun;
            this.drainSeconds = drainSeconds;
            this.baseline = baseline;
            this.atRest = atRest;
            this.leftovers = leftovers;
            double d = duration.toMillis() / 1000.0;
            // A minute's warm-up (ramp to full population, JIT) and minute-long windows; shorter runs scale down.
            warmup = Math.min(60, d / 5);
            window = Math.min(60, d / 5);
            firstWindow = samples.stream().filter(s -> s.seconds() >= warmup && s.seconds() < warmup + window).toList();
            lastWindow = samples.stream().filter(s -> s.seconds() > d - window - 1).toList();
            judge();
        }

        private void judge() {
            if (firstWindow.isEmpty() || lastWindow.isEmpty()) {
                check("samples in both windows", firstWindow.size() + " / " + lastWindow.size(), false);
            } else {
                flat("heap in use after GC", Sample::heap, HEAP_SLACK, true);
                flat("live threads", Sample::threads, THREAD_SLACK, false);
                flat("open file descriptors", Sample::fds, FD_SLACK, false);
                double live = avg(lastWindow, Sample::serverSessions);
                check("server sessions up, last-window average ≥ 80% of " + target, fmt(live), live >= 0.8 * target);
            }
            check("failed sessions", String.valueOf(failed.get()), failed.get() == 0);
            // Each session lives HOLD on average plus setup and teardown; require at least half the churn that implies.
            double expectedChurn = target * runSeconds / HOLD.toSeconds();
            check("sessions set up and torn down (≥ " + Math.round(expectedChurn / 2) + ")", String.valueOf(completed.get()),
                    completed.get() >= expectedChurn / 2 && setupsInRun >= target);
            for (Ending e : Ending.values()) {
                long n = completedBy.get(e).sum();
                check("ended by " + e.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " (≥ 20% of all)", String.valueOf(n),
                        n >= completed.get() / 5 && n > 0);
            }
            long sent = packetsSent.sum();
            long verified = packetsVerified.sum();
            check("IP packets through the tunnels, verified intact / sent", verified + " / " + sent,
                    sent > 0 && verified == sent && packetsCorrupt.sum() == 0 && verified >= 4L * PACKETS * completed.get());
            check("after the hang-up: every book back to zero", leftovers.isEmpty() ? "all zero" : leftovers.nonZero().toString(),
                    leftovers.isEmpty());
            check("descriptors at rest ≤ baseline + " + FD_SLACK, atRest.fds() + " (baseline " + baseline.fds() + ")",
                    atRest.fds() <= baseline.fds() + FD_SLACK);
            check("sessions that ended before the harness saw them", String.valueOf(unownedEnds.sum()),
                    unownedEnds.sum() == 0);
        }

        private void flat(String what, ToDoubleFunction<Sample> f, long slack, boolean bytes) {
            double first = avg(firstWindow, f);
            double last = avg(lastWindow, f);
            double limit = first * FLAT_FACTOR + slack;
            String shown = bytes ? mib((long) first) + " → " + mib((long) last) + " (limit " + mib((long) limit) + ")"
                    : fmt(first) + " → " + fmt(last) + " (limit " + fmt(limit) + ")";
            check(what + ": last minute ≤ first × " + FLAT_FACTOR + " + " + (bytes ? mib(slack) : slack), shown,
                    last <= limit);
        }

        private void check(String what, String value, boolean ok) {
            checks.add(new String[] {what, value, ok ? "✓" : "✗"});
            passed &= ok;
        }

        boolean passed() {
            return passed;
        }

        String summary() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "soak: %d sessions set up in %.0f s (%.1f/s), %d churned through, "
                            + "%d failed; hang-up of the last %d took %.1f s%n", setupsInRun, runSeconds,
                    setupsInRun / runSeconds, completed.get(), failed.get(), target, drainSeconds));
            for (String[] c : checks) {
                b.append("  ").append(c[2]).append(' ').append(c[0]).append(": ").append(c[1]).append('\n');
            }
            b.append(passed ? "soak: PASSED: flat, nothing leaked\n" : "soak: FAILED\n");
            for (String f : failures) {
                b.append("  failure: ").append(f).append('\n');
            }
            return b.toString();
        }

        String markdown(String loadAtStart, String loadAtEnd) throws IOException {
            StringBuilder md = new StringBuilder();
            md.append("# Soak: ").append(String.format(Locale.ROOT, "%,d", target)).append(" sessions churned for ")
                    .append(fmtMinutes()).append(" (issue P7, acceptance point 4)\n\n");
            md.append("Verdict: **").append(passed ? "flat, nothing leaked" : "FAILED").append("**. Made by `make soak`")
                    .append(" (`bench/soak.sh`, `org.homerouter.bench.Soak`).\n\n");
            if (BenchReport.machine(md, loadAtStart, loadAtEnd)) {
                md.append("**This run was made on a loaded machine** (other builds and tests were running on the same ")
                        .append(Runtime.getRuntime().availableProcessors()).append(" cores): setup rates are lower ")
                        .append("than the engine's own capacity; the flatness and leak checks do not depend on speed.\n\n");
            }
            md.append("## What ran\n\n")
                    .append("One JVM (").append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB max heap) holds the server and the crowd of")
                    .append(" clients: each session its own control connection over loopback TCP, GRE in memory")
                    .append(" (`InMemoryGreNetwork`), MS-CHAPv2, MPPE-128 stateless and IPCP with an address from a pool of ")
                    .append(2 * target).append(", timers on the appliance's 20 ms tick. ").append(target)
                    .append(" sessions are kept up at once (at most ").append(IN_FLIGHT).append(" dialling at a time);")
                    .append(" each holds ").append(HOLD.toSeconds() / 2).append("–").append(HOLD.toSeconds() * 3 / 2)
                    .append(" s (uniform), carries ").append(PACKETS).append(" IP packets (40–1299 octets) each way")
                    .append(" right after it comes up and again before it ends (each checked to arrive intact and in")
                    .append(" order at the other end's tunnel device), then ends in one of three ways in turn and a")
                    .append(" new session takes its place:\n\n");
            for (Ending e : Ending.values()) {
                md.append("- ").append(e.description).append(": ").append(completedBy.get(e).sum()).append(" sessions\n");
            }
            md.append("\nThe server's LCP echo is every ").append(ECHO_INTERVAL.toSeconds()).append(" s, dead after ")
                    .append(ECHO_FAILURES).append(" unanswered (the appliance's default is 20 s), so a vanished client")
                    .append(" is noticed in seconds; its control connection then waits out the server's stop timeout")
                    .append(" (5 s) before the server closes it. Clients send no echo.\n\n");
            md.append("## Figures\n\n| | |\n|---|---|\n")
                    .append(row("sessions set up during the run", String.format(Locale.ROOT, "%,d in %.0f s (%.1f setups/s)",
                            setupsInRun, runSeconds, setupsInRun / runSeconds)))
                    .append(row("sessions churned through (up, traffic, ended, control connection closed)",
                            String.format(Locale.ROOT, "%,d", completed.get())))
                    .append(row("failed sessions", String.valueOf(failed.get())))
                    .append(row("IP packets verified / sent", String.format(Locale.ROOT, "%,d / %,d (damaged or unexpected: %d)",
                            packetsVerified.sum(), packetsSent.sum(), packetsCorrupt.sum())))
                    .append(row("hang-up of the last sessions", String.format(Locale.ROOT, "%.1f s", drainSeconds)))
                    .append(row("baseline before the first session (heap / threads / fds)",
                            mib(baseline.heap()) + " / " + baseline.threads() + " / " + baseline.fds()))
                    .append(row("at rest after the hang-up and " + GRACE.toSeconds() + " s grace (heap / threads / fds)",
                            mib(atRest.heap()) + " / " + atRest.threads() + " / " + atRest.fds()))
                    .append(row("heap trend after warm-up (least squares)", heapTrend()))
                    .append('\n');
            md.append(String.format(Locale.ROOT, "Windows: warm-up %.0f s; first window %.0f–%.0f s (%d samples), "
                            + "last window %.0f–%.0f s (%d samples).%n%n", warmup, warmup, warmup + window, firstWindow.size(),
                    duration.toMillis() / 1000.0 - window, duration.toMillis() / 1000.0, lastWindow.size()));
            md.append("| window | heap after GC | threads | fds | server sessions | call IDs | pool addresses |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|\n")
                    .append(windowRow("first", firstWindow)).append(windowRow("last", lastWindow)).append('\n');
            md.append("## Verdict\n\n| check | value | |\n|---|---|---|\n");
            for (String[] c : checks) {
                md.append("| ").append(c[0]).append(" | ").append(c[1]).append(" | ").append(c[2]).append(" |\n");
            }
            md.append("\n\"Flat\" = the last window's average ≤ the first window's × ").append(FLAT_FACTOR)
                    .append(" + slack (heap ").append(mib(HEAP_SLACK)).append(", threads ").append(THREAD_SLACK)
                    .append(", descriptors ").append(FD_SLACK).append("). The factor absorbs that each sample")
                    .append(" catches the churn at a different point (how many sessions are setting up or tearing down,")
                    .append(" how many control connections are open); the slacks absorb what a JVM grows by once,")
                    .append(" whatever the sessions do (JIT and class-loading objects, C2 compiler threads started on")
                    .append(" demand, jar files and /dev/urandom opened lazily). A leak per session churned exceeds them")
                    .append(" quickly: ").append(heapFloor()).append("\n\n");
            if (!failures.isEmpty()) {
                md.append("Failures (first ").append(failures.size()).append("):\n\n");
                for (String f : failures) {
                    md.append("- ").append(f.replace("|", "\\|")).append('\n');
                }
                md.append('\n');
            }
            md.append("## How the sessions ended\n\n| ending | server's reason, client's reason | sessions |\n|---|---|---:|\n");
            endReasons.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                String[] parts = e.getKey().split(" ", 2);
                md.append("| ").append(parts[0]).append(" | ").append(parts[1]).append(" | ").append(e.getValue().sum())
                        .append(" |\n");
            });
            md.append("\n## Samples (every ").append(SAMPLE_EVERY.toSeconds()).append(" s; heap after a full GC)\n\n");
            md.append("| s | heap | threads | fds | server call IDs | pool in use | server sessions | calls registered | "
                    + "GRE tunnels | demux channels | control conns | devices open | client call IDs | set up | churned | failed |\n");
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Sample s : samples) {
                md.append(sampleRow(s));
            }
            md.append(sampleRow(atRest).replaceFirst("^\\| [0-9]+ ", "| at rest "));
            return md.toString();
        }

        private String heapTrend() {
            List<Sample> after = samples.stream().filter(s -> s.seconds() >= warmup).toList();
            if (after.size() < 3) {
                return "too few samples";
            }
            double mx = avg(after, Sample::seconds);
            double my = avg(after, Sample::heap);
            double sxy = 0;
            double sxx = 0;
            for (Sample s : after) {
                sxy += (s.seconds() - mx) * (s.heap() - my);
                sxx += (s.seconds() - mx) * (s.seconds() - mx);
            }
            double slope = sxy / sxx; // bytes per second
            double churnPerSecond = (after.getLast().completed() - after.getFirst().completed())
                    / Math.max(1, after.getLast().seconds() - after.getFirst().seconds());
            return String.format(Locale.ROOT, "%+.1f KiB/min, i.e. %+.0f bytes per session churned (noise: a sample's "
                    + "heap depends on the churn's state)", slope * 60 / 1024, churnPerSecond > 0 ? slope / churnPerSecond : 0);
        }

        private String heapFloor() {
            double first = avg(firstWindow, Sample::heap);
            long churnedBetween = lastWindow.isEmpty() || firstWindow.isEmpty() ? 0
                    : lastWindow.getLast().completed() - firstWindow.getFirst().completed();
            if (churnedBetween <= 0) {
                return "too little churn in this run to say how much.";
            }
            double allowed = first * (FLAT_FACTOR - 1) + HEAP_SLACK;
            return String.format(Locale.ROOT, "in this run %,d sessions were churned between the two windows, so a heap "
                    + "leak of %.0f bytes per session (%s in all) would have failed it, as would one descriptor "
                    + "per %,d sessions.", churnedBetween, allowed / churnedBetween, mib((long) allowed),
                    Math.max(1, churnedBetween / (long) Math.max(1, avg(firstWindow, Sample::fds) * (FLAT_FACTOR - 1) + FD_SLACK)));
        }

        private String fmtMinutes() {
            double m = duration.toMillis() / 60_000.0;
            return m == Math.rint(m) ? (long) m + " minute" + (m == 1 ? "" : "s") : fmt(m) + " minutes";
        }

        private String windowRow(String name, List<Sample> w) {
            return "| " + name + " | " + mib((long) avg(w, Sample::heap)) + " | " + fmt(avg(w, Sample::threads)) + " | "
                    + fmt(avg(w, Sample::fds)) + " | " + fmt(avg(w, Sample::serverSessions)) + " | "
                    + fmt(avg(w, Sample::serverCallIds)) + " | " + fmt(avg(w, Sample::poolInUse)) + " |\n";
        }
    }

    private static String sampleRow(Sample s) {
        return String.format(Locale.ROOT, "| %.0f | %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |%n",
                s.seconds(), mib(s.heap()), s.threads(), s.fds(), s.serverCallIds(), s.poolInUse(), s.serverSessions(),
                s.serverRegistered(), s.serverTunnels(), s.serverDemux(), s.connections(), s.openDevices(),
                s.clientCallIds(), s.setups(), s.completed(), s.failed());
    }

    private static void printHeader() {
        System.out.printf(Locale.ROOT, "%6s %9s %7s %6s %8s %6s %8s %7s %7s %8s %6s%n", "s", "heap", "threads", "fds",
                "callIDs", "pool", "sessions", "conns", "devices", "set up", "failed");
    }

    private static void printRow(Sample s) {
        System.out.printf(Locale.ROOT, "%6.0f %9s %7d %6d %8d %6d %8d %7d %7d %8d %6d%n", s.seconds(), mib(s.heap()),
                s.threads(), s.fds(), s.serverCallIds(), s.poolInUse(), s.serverSessions(), s.connections(),
                s.openDevices(), s.setups(), s.failed());
    }

    private static String row(String k, String v) {
        return "| " + k + " | " + v + " |\n";
    }

    private static double avg(List<Sample> w, ToDoubleFunction<Sample> f) {
        return w.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+"), 3));
        } catch (IOException e) {
            return "?";
        }
    }


    private static Inet4Address v4(int v) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
