package org.homerouter.appliance;

import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: start every service from the stored configuration and run until SIGINT/SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Start the appliance (PPTP server, ...) from the configuration in the data directory.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--data-dir", defaultValue = "data",
            description = "Directory of the SQLite database (created on first run). Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--pptp-port", description = "Override the stored PPTP control port (default 1723).")
    Integer pptpPort;

    @Option(names = "--pptp-address", description = "Override the stored listen address (default 0.0.0.0).")
    String pptpAddress;

    @Option(names = "--ui-port", description = "Override the stored web UI port (default 8080, on 127.0.0.1).")
    Integer uiPort;

    // The router image binds the UI to every address and lets its firewall admit the LAN and VPN clients only.
    @Option(names = "--ui-address", description = "Override the stored web UI listen address (default 127.0.0.1).")
    String uiAddress;

    /** Held until the process exits (the kernel releases it then, however it ends). */
    private static InstanceLock instanceLock;
    /** Likewise: the passthrough command refuses to run beside this service. */
    private static org.homerouter.bridge.netns.NamespaceLock runningHere;

    @Override
    public Integer call() throws Exception {
        if (pptpAddress != null && !org.homerouter.webui.api.Ipv4.valid(pptpAddress)) {
            // PPTP's GRE socket is IPv4 (RFC 2637 carries it over IPv4): an IPv6 listener closed every
            // call, and its address broke the WAN firewall's "ip daddr" rule. Refused before anything starts.
            throw new IllegalArgumentException("--pptp-address takes an IPv4 address (PPTP runs over IPv4), not "
                    + pptpAddress);
        }
        StringBuilder holder = new StringBuilder();
        var lock = InstanceLock.take(dataDir, holder);
        if (lock.isEmpty()) {
            LOG.error("another appliance is already running with {} ({}): stop it first, or give this one a data"
                    + " directory of its own with --data-dir", dataDir.toAbsolutePath(), holder);
            return 2;
        }
        instanceLock = lock.get();
        runningHere = RunningService.mark().orElse(null);
        if (runningHere == null && org.homerouter.bridge.systemd.NotifySocket.fromEnvironment(System.getenv()).isPresent()) {
            // The router's own service, and something else (a 'make run' as root) came first: running
            // without the kernel state would leave the router without its VPN server, its holds and
            // its WAN admission for good. Exiting, systemd starts it again (Restart=on-failure) until
            // the other has gone.
            LOG.error("another homerouter process runs in this network namespace and owns its kernel state:"
                    + " the service exits for systemd to start it again once that one has stopped");
            instanceLock.release();
            return 2;
        }
        LOG.info("homerouter appliance {} starting (Java {}, pid {})", Version.current(), Runtime.version(),
                ProcessHandle.current().pid());
        // A data-path thread that stopped (an event loop killed by an Error, the ALG's queue reader)
        // leaves a service that looks up and passes nothing: exit instead, and let systemd
        // (Restart=on-failure) bring it back whole.
        java.util.concurrent.atomic.AtomicReference<Appliance> running = new java.util.concurrent.atomic.AtomicReference<>();
        org.homerouter.bridge.io.DataPathFailure.onFailure(what -> {
            LOG.error("the data path ({}) stopped: exiting so that the service restarts", what);
            Appliance a = running.get();
            if (a != null) {
                // The journal is in RAM on the router: the Logs page is where the owner can read why
                // the sessions of that moment were cut.
                a.store().logEvent("service", "the data path (" + what + ") stopped: the service restarts");
            }
            Thread.ofPlatform().start(() -> System.exit(70));
        });
        // Added before the start: a stop during it (systemd's, while the firewall rules are tried
        // again, say) ended the JVM with nothing undone, the passthrough's queue rule left with no
        // reader and the LAN's outgoing PPTP stalled until the next start. The hook waits for the
        // start to finish, then stops what it started.
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<ServiceWatchdog> watching = new java.util.concurrent.atomic.AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            try {
                if (!started.await(STOP_WAITS_FOR_START.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                    LOG.warn("stopping before the start finished: what it had done so far is left as it is");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ServiceWatchdog watchdog = watching.get();
            if (watchdog != null) {
                watchdog.close();
                watchdog.notify("STOPPING=1");
            }
            Appliance a = running.get();
            if (a != null) {
                a.close();
                LOG.info("stopped cleanly");
            }
            stopped.countDown();
        }, "shutdown"));
        try {
            Appliance appliance;
            try {
                appliance = Appliance.start(dataDir.resolve("appliance.db"), new Appliance.Overrides(pptpAddress, pptpPort,
                        uiPort, uiAddress), dataPlane(runningHere != null));
                running.set(appliance);
            } catch (BindException e) {
                LastRun.startFailed(dataDir); // a start that failed, not a run that crashed
                LOG.error("{}", cannotListen(e.getMessage()));
                instanceLock.release();
                return 2;
            } catch (Exception e) {
                LastRun.startFailed(dataDir);
                throw e;
            }
            try {
                // For status: an owner locked out of the web UI asks the console where it is.
                instanceLock.serving(appliance.uiHost(), appliance.uiPort());
            } catch (java.io.IOException e) {
                LOG.warn("cannot note in {} where the web UI listens: {}", dataDir.resolve(InstanceLock.FILE),
                        e.toString());
            }
            watching.set(tellSystemd(appliance));
        } finally {
            // Only now: a stop that came meanwhile found no watchdog to stop, and told systemd of its
            // stop before this told it of the start.
            started.countDown();
        }
        stopped.await();
        return 0;
    }

    /** How long a stop waits for a start under way (the firewall rules' tries take up to about a minute). */
    static final java.time.Duration STOP_WAITS_FOR_START = java.time.Duration.ofSeconds(75);

    static final String SECOND_IN_NAMESPACE = "another homerouter service runs in this network namespace and owns"
            + " its kernel state (firewall, GRE, routes and their holds): this one leaves all of it alone and runs its"
            + " web UI and PPTP control only";

    /**
     * The data plane for a run: this machine's, unless another service holds the network namespace.
     * A second one (make run as root beside the router's service) used to take the namespace's kernel
     * state over: it emptied the WAN's admission of VPN clients, removed the tunnel-only holds its
     * own database did not name (the LAN's traffic then left in clear), and deleted the service's
     * firewall table at its stop, even after failing to start.
     */
    static DataPlane dataPlane(boolean ownsNamespace) {
        return ownsNamespace ? LinuxDataPlane.open(true) : DataPlane.othersNamespace(SECOND_IN_NAMESPACE);
    }

    /**
     * Run by systemd ({@code Type=notify}): tells it the service is up (the unit's ExecStartPost and
     * what waits for it run then, not when the JVM merely started), and starts the watchdog if the
     * unit asks for one. Null when no manager listens (make run, tests).
     */
    private static ServiceWatchdog tellSystemd(Appliance appliance) {
        var socket = org.homerouter.bridge.systemd.NotifySocket.fromEnvironment(System.getenv());
        if (socket.isEmpty()) {
            return null;
        }
        ServiceWatchdog watchdog = new ServiceWatchdog(ServiceWatchdog.to(socket.get()), appliance::watchdogProbes,
                problem -> Thread.ofVirtual().start(() -> appliance.store().logEvent("service", problem)));
        watchdog.notify("READY=1\nSTATUS=" + readyStatus(appliance.uiPort(), appliance.pptpAddress(), appliance.dataPlane()));
        ServiceWatchdog.interval(System.getenv(), ProcessHandle.current().pid()).ifPresent(watchdog::start);
        return watchdog;
    }

    /** What the image's homerouter-ready finds in the status text of a firmware that cannot carry VPN traffic. */
    static final String NO_DATA_PLANE = "no data plane";

    /**
     * The status systemd shows ({@code systemctl status homerouter}) once the service is ready. On
     * the image a data plane that did not open is this firmware's fault (a kernel module missing from
     * it): homerouter-ready reads {@value #NO_DATA_PLANE} there and leaves a freshly updated slot
     * unconfirmed, so that the trial check returns to the previous firmware, whose VPN worked; the UI
     * stays up meanwhile.
     */
    static String readyStatus(int uiPort, java.net.InetSocketAddress pptp, DataPlane dataPlane) {
        return "web UI on port " + uiPort + (pptp == null ? ", VPN server not listening" : ", VPN server on " + pptp)
                + (dataPlane.available() || dataPlane.inOthersNamespace() ? ""
                : "; " + NO_DATA_PLANE + " (no VPN session can carry traffic): " + dataPlane.unavailableReason());
    }

    /**
     * What to do about a port named on the command line that cannot be listened on. A port below
     * 1024 (the UI on 80, say) refused to a user without root was met with "Is another instance
     * running?", which sent the owner looking for a process that did not exist.
     */
    static String cannotListen(String why) {
        if (String.valueOf(why).contains("Permission denied")) {
            return why + ". Ports below 1024 need root or CAP_NET_BIND_SERVICE: run it as root, or choose a port"
                    + " from 1024 up with --pptp-port / --ui-port (make run PPTP_PORT=11723 UI_PORT=18080).";
        }
        return why + ". Is another instance running? Choose other ports with --pptp-port / --ui-port "
                + "(make run PPTP_PORT=11723 UI_PORT=18080).";
    }
}
