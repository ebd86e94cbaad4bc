package org.homerouter.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.InMemoryUserDirectory;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.auth.PppUser;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ControlSettings;
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
import org.homerouter.pptp.session.SessionListener;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;

/**
 * Acceptance 1b: the engine's client opens N sessions against the engine's server in this JVM,
 * each on its own control connection over loopback TCP (as N real clients would), GRE over
 * {@link InMemoryGreNetwork}, each session through MS-CHAPv2, MPPE-128 (stateless) and IPCP, on
 * the real clock with the appliance's timer tick. Both ends live in this JVM, so the heap figure
 * is client and server together: an upper bound for the server alone.
 *
 * <p>Usage: {@code SessionScale resultFile N1 N2 ...}: opens sessions up to N1, measures, then up
 * to N2, and so on. Writes one line of key=value pairs per step.
 */
public final class SessionScale {
    private static final InetAddress SERVER = ip("127.0.0.2");
    private static final InetAddress CLIENT = ip("127.0.0.1");
    /** Dials in flight at once: enough to keep both cores busy, as a crowd of clients would. */
    private static final int IN_FLIGHT = Integer.getInteger("bench.inFlight", 64);
    /**
     * Calls per control connection. One per connection is what N separate clients do, but 10,000
     * sessions in one JVM would then need 20,000 sockets (both ends here), past this machine's
     * hard limit on open files; two per connection keeps 10,000 sessions at 10,000 sockets.
     */
    private static final int CALLS_PER_CONNECTION = Integer.getInteger("bench.callsPerConnection", 2);
    /**
     * Sessions opened and hung up again before the measured phases, not counted: the JIT compiles
     * the setup path (MS-CHAPv2, MPPE keys, the negotiations) during its first thousand or so
     * setups, as it compiles the data path in 1c's unmeasured first seconds. Their own figures are
     * reported too: a cold JVM's setup rate.
     */
    private static final int WARMUP = Integer.getInteger("bench.warmup", 1000);
    private static final int TICKS_TIMED = 200;
    private static final Duration IDLE = Duration.ofSeconds(5);
    /** PptpService.TICK and DialCommand: the appliance runs its timers every 20 ms. */
    private static final Duration TICK = Duration.ofMillis(20);

    private SessionScale() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int[] phases = new int[args.length - 1];
        for (int i = 1; i < args.length; i++) {
            phases[i - 1] = Integer.parseInt(args[i]);
        }
        String lines = run(phases);
        System.out.print(lines);
        Files.writeString(out, lines);
        System.exit(0); // the control connections and event loops are not worth a clean teardown here
    }

    static String run(int... phases) throws Exception {
        int n = phases[phases.length - 1];
        long heapBefore = usedHeapAfterGc();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        InMemoryGreNetwork network = new InMemoryGreNetwork();
        AtomicInteger serverUp = new AtomicInteger();
        AtomicInteger clientUp = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        ConcurrentHashMap<PppSession, Long> started = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        AtomicReference<CountDownLatch> phaseDone = new AtomicReference<>(new CountDownLatch(0));
        // Set while the warm-up's sessions are hung up on purpose: their ends are no failures.
        AtomicBoolean hangingUp = new AtomicBoolean();

        InMemoryUserDirectory users = new InMemoryUserDirectory(PppUser.withPassword("bench", "bench-password"));
        List<AuthMethod> methods = List.of(AuthMethod.MSCHAP_V2);
        AuthPolicy auth = AuthPolicy.DEFAULT.withMethods(AuthMethod.MSCHAP_V2);
        SessionSettings serverSettings = new SessionSettings(SessionRole.SERVER, "homerouter",
                LcpSettings.server(methods), auth,
                IpcpSettings.server((Inet4Address) ip("10.0.0.1"), (Inet4Address) ip("10.0.0.1"), null, null, null),
                Optional.of(MppePolicy.DEFAULT), Optional.empty(), "pptp");
        SessionSettings clientSettings = new SessionSettings(SessionRole.CLIENT, "client", LcpSettings.client(methods),
                auth, IpcpSettings.client(), Optional.of(MppePolicy.DEFAULT),
                Optional.of(new PeerCredentials("bench", "bench-password")), "ppp");
        SecureRandom random = new SecureRandom();
        AddressPool pool = new AddressPool((Inet4Address) ip("10.1.0.1"), (Inet4Address) ip("10.1.255.254"));
        AtomicInteger deviceNumber = new AtomicInteger();
        PppSessions serverSessions = new PppSessions(serverSettings, new SessionEnvironment(Clock.SYSTEM,
                random::nextBytes, users, pool, config -> new InMemoryTunnelDevice("pptp" + deviceNumber.getAndIncrement(),
                config)), new SessionListener() {
                    @Override
                    public void up(PppSession s) {
                        serverUp.incrementAndGet();
                    }

                    @Override
                    public void ended(PppSession s, SessionEnd reason, String detail) {
                        if (!hangingUp.get()) {
                            failure("server session ended: " + reason + " " + detail, failed, firstFailure);
                        }
                    }
                });
        PppSessions clientSessions = new PppSessions(clientSettings, new SessionEnvironment(Clock.SYSTEM,
                random::nextBytes, null, null, config -> new InMemoryTunnelDevice("ppp" + deviceNumber.getAndIncrement(),
                config)), new SessionListener() {
                    @Override
                    public void up(PppSession s) {
                        clientUp.incrementAndGet();
                        inFlight.release();
                        phaseDone.get().countDown();
                    }

                    @Override
                    public void ended(PppSession s, SessionEnd reason, String detail) {
                        if (hangingUp.get()) {
                            return;
                        }
                        failure("client session ended: " + reason + " " + detail, failed, firstFailure);
                        inFlight.release();
                        phaseDone.get().countDown();
                    }
                });
        GreTransport serverGre = network.bind(SERVER);
        GreTransport clientGre = network.bind(CLIENT);
        GreDemux serverDemux = new GreDemux();
        GreDemux clientDemux = new GreDemux();
        serverGre.setReceiver(serverDemux);
        clientGre.setReceiver(clientDemux);
        CallTunnels serverTunnels = new CallTunnels(serverGre, serverDemux, Clock.SYSTEM, GreChannelConfig.DEFAULTS,
                serverSessions::sinkFor, serverSessions);
        CallTunnels clientTunnels = new CallTunnels(clientGre, clientDemux, Clock.SYSTEM, GreChannelConfig.DEFAULTS,
                clientSessions::sinkFor, clientSessions);
        NettyTransport serverIo = NettyTransport.create(2, "server-io");
        NettyTransport clientIo = NettyTransport.create(2, "client-io");
        ControlServer server = new ControlServer(serverIo, new ControlServer.Options(ControlSettings.defaults("pac"),
                n + 16, Duration.ofSeconds(1), Clock.SYSTEM), serverTunnels, new CallIdAllocator(Math.max(n + 16, 256)));
        InetSocketAddress address = server.start(new InetSocketAddress(SERVER, 0));

        // The appliance's timer thread (PptpService) and the client's, both on the same tick.
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, r -> daemon(r, "timers"));
        java.util.concurrent.atomic.AtomicLong timerThread = new java.util.concurrent.atomic.AtomicLong(-1);
        timers.scheduleAtFixedRate(() -> {
            timerThread.compareAndSet(-1, Thread.currentThread().threadId());
            serverSessions.poll();
            serverTunnels.poll();
            clientSessions.poll();
            clientTunnels.poll();
        }, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        // The in-memory GRE "wire": delivers on its own thread, as the raw socket's reader does.
        Thread wire = daemon(() -> {
            while (true) {
                if (network.deliverAll() == 0) {
                    LockSupport.parkNanos(50_000);
                }
            }
        }, "gre-wire");
        wire.start();

        CallIdAllocator clientCallIds = new CallIdAllocator(Math.max(n + 16, 256));
        // Opens count sessions, CALLS_PER_CONNECTION per control connection, at most IN_FLIGHT
        // dials at once; each session's up (or failure) counts phaseDone down.
        Dialer dial = count -> {
            for (int i = 0; i < count; i += CALLS_PER_CONNECTION) {
                int calls = Math.min(CALLS_PER_CONNECTION, count - i);
                inFlight.acquire(calls);
                ControlClient.connect(clientIo, address, ControlSettings.defaults("pns"), Clock.SYSTEM,
                        Duration.ofSeconds(1), clientTunnels, clientCallIds).whenComplete((c, e) -> {
                            if (e != null) {
                                for (int k = 0; k < calls; k++) {
                                    failure("connect failed: " + e, failed, firstFailure);
                                    inFlight.release();
                                    phaseDone.get().countDown();
                                }
                                return;
                            }
                            for (int k = 0; k < calls; k++) {
                                c.placeCall().whenComplete((call, f) -> {
                                    if (f != null) {
                                        failure("call failed: " + f, failed, firstFailure);
                                        inFlight.release();
                                        phaseDone.get().countDown();
                                    }
                                });
                            }
                        });
            }
        };

        StringBuilder out = new StringBuilder();
        if (WARMUP > 0) {
            CountDownLatch done = new CountDownLatch(WARMUP);
            phaseDone.set(done);
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            dial.open(WARMUP);
            boolean finished = done.await(10, TimeUnit.MINUTES);
            long elapsed = System.nanoTime() - t0;
            long cpu = processCpuNanos() - cpu0;
            int up = clientUp.get();
            // Hang them all up (LCP Terminate, then the calls are cleared) and wait until neither
            // end holds a call any more, so the measured phases start from none.
            hangingUp.set(true);
            for (PppSession s : clientSessions.sessions()) {
                s.close("benchmark warm-up over");
            }
            long t1 = System.nanoTime();
            while ((serverSessions.registered() > 0 || clientSessions.registered() > 0)
                    && System.nanoTime() - t1 < TimeUnit.MINUTES.toNanos(1)) {
                Thread.sleep(20);
            }
            boolean released = serverSessions.registered() == 0 && clientSessions.registered() == 0;
            hangingUp.set(false);
            clientUp.set(0);
            serverUp.set(0);
            out.append(String.format(Locale.ROOT,
                    "warmup=%d up=%d failed=%d finished=%b released=%b seconds=%.2f setupsPerSecond=%.0f cpuSecondsPerSetup=%.6f%n",
                    WARMUP, up, failed.get(), finished, released, elapsed / 1e9, WARMUP / (elapsed / 1e9),
                    cpu / 1e9 / WARMUP));
            if (!finished || !released || failed.get() > 0) {
                return out.toString();
            }
        }
        int opened = 0;
        for (int target : phases) {
            int count = target - opened;
            CountDownLatch done = new CountDownLatch(count);
            phaseDone.set(done);
            long cpu0 = processCpuNanos();
            long timerCpu0 = threadCpuNanos(timerThread.get());
            long t0 = System.nanoTime();
            dial.open(count);
            boolean finished = done.await(10, TimeUnit.MINUTES);
            long elapsed = System.nanoTime() - t0;
            long cpu = processCpuNanos() - cpu0;
            long timerCpu = threadCpuNanos(timerThread.get()) - timerCpu0;
            opened = target;
            // The server counts its session up when it has sent its last IPCP Ack; let the last few land.
            for (int i = 0; i < 100 && serverUp.get() < clientUp.get(); i++) {
                Thread.sleep(20);
            }
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            long heapAfter = usedHeapAfterGc();
            // One timer tick of the server (every session and GRE channel polled), timed here on this
            // thread: what the 20 ms tick costs with this many sessions, keepalives aside.
            long tick0 = System.nanoTime();
            for (int i = 0; i < TICKS_TIMED; i++) {
                serverSessions.poll();
                serverTunnels.poll();
            }
            double tickMicros = (System.nanoTime() - tick0) / 1e3 / TICKS_TIMED;
            // With every session up and nothing to send: what the sessions' timers cost at rest.
            long idleCpu0 = processCpuNanos();
            long idleTimer0 = threadCpuNanos(timerThread.get());
            long idle0 = System.nanoTime();
            Thread.sleep(IDLE.toMillis());
            double idleSeconds = (System.nanoTime() - idle0) / 1e9;
            double idleCores = (processCpuNanos() - idleCpu0) / 1e9 / idleSeconds;
            double idleTimerCores = (threadCpuNanos(timerThread.get()) - idleTimer0) / 1e9 / idleSeconds;
            int up = clientUp.get();
            long perSession = up == 0 ? 0 : (heapAfter - heapBefore) / up;
            System.err.println("server demux " + serverDemux.counters() + " client demux " + clientDemux.counters());
            out.append(String.format(Locale.ROOT,
                    "sessions=%d up=%d serverUp=%d failed=%d finished=%b phaseSessions=%d seconds=%.2f "
                            + "setupsPerSecond=%.0f cpuSecondsPerSetup=%.6f timerCpuShare=%.3f serverTickMicros=%.1f idleCores=%.4f idleTimerCores=%.4f "
                            + "heapBytes=%d heapPerSessionBytes=%d maxHeapBytes=%d threads=%d threadsBefore=%d callsPerConnection=%d cores=%d%s%n",
                    target, up, serverUp.get(), failed.get(), finished, count, elapsed / 1e9, count / (elapsed / 1e9),
                    cpu / 1e9 / count, cpu == 0 ? 0.0 : (double) timerCpu / cpu, tickMicros, idleCores, idleTimerCores, heapAfter, perSession, Runtime.getRuntime().maxMemory(), threads, threadsBefore,
                    CALLS_PER_CONNECTION, Runtime.getRuntime().availableProcessors(),
                    firstFailure.get() == null ? "" : " firstFailure=\"" + firstFailure.get().replace('"', '\'') + "\""));
            if (!finished || failed.get() > 0) {
                break;
            }
        }
        return out.toString();
    }

    /** Opens sessions; see its use in {@link #run}. */
    @FunctionalInterface
    private interface Dialer {
        void open(int count) throws InterruptedException;
    }

    private static long threadCpuNanos(long threadId) {
        return threadId < 0 ? 0 : Math.max(0, ManagementFactory.getThreadMXBean().getThreadCpuTime(threadId));
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void failure(String what, AtomicInteger failed, AtomicReference<String> first) {
        failed.incrementAndGet();
        first.compareAndSet(null, what);
    }

    /** Heap in use after full collections, once it stops shrinking. */
    static long usedHeapAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            best = Math.min(best, used);
        }
        return best;
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
