package org.homerouter.appliance;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.homerouter.bridge.systemd.NotifySocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's service watchdog ({@code WatchdogSec=}, sd_watchdog_enabled(3)): "still alive" is sent
 * only while every thread the router cannot do without still runs what it is given. A process
 * that has not died but serves nothing (an event loop in an endless loop or a deadlock, the
 * configuration's lock never released) then stops sending, and systemd kills and restarts it,
 * where before it stayed up, passing nothing, until someone power-cycled the router.
 *
 * <p>Each check hands every {@link Probe} a no-op task and sends {@code WATCHDOG=1} if each task of
 * the previous check has run. A probe whose task is still waiting is not given another (nothing
 * piles up on a stuck thread), is logged once with the thread's stack, and holds the pings back
 * until it runs again. Checks run at a quarter of the watchdog's interval, so a thread must be
 * stuck for three quarters of it (90 s of the image's 2 minutes) before systemd acts: a busy loop
 * that answers late is not killed.
 */
final class ServiceWatchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceWatchdog.class);

    /** A thread (or lock) that must keep running tasks: its name for the log and how to hand it one. */
    record Probe(String name, Executor executor) {
    }

    /** Where "still alive" goes: the notification socket, or a test's list. */
    interface Notifier {
        void send(String state) throws IOException;
    }

    /** The task handed to one probe: to which executor, when, and whether (and on which thread) it ran. */
    private static final class Pending {
        final Executor executor;
        final long givenAt;
        volatile boolean ran;
        volatile Thread thread;
        boolean reported;

        Pending(Executor executor, long givenAt, Thread lastThread) {
            this.executor = executor;
            this.givenAt = givenAt;
            this.thread = lastThread;
        }
    }

    private final Notifier notifier;
    private final Supplier<List<Probe>> probes;
    private final Consumer<String> problems;
    private final Map<String, Pending> pending = new HashMap<>();
    private ScheduledExecutorService timer;
    private boolean notifyFailureLogged;

    /**
     * @param probes   what to check, asked at each check (listeners and loops come and go)
     * @param problems where a stuck thread is reported besides the log (the Logs page's events)
     */
    ServiceWatchdog(Notifier notifier, Supplier<List<Probe>> probes, Consumer<String> problems) {
        this.notifier = notifier;
        this.probes = probes;
        this.problems = problems;
    }

    /**
     * The watchdog's interval when systemd asks this process for one: {@code WATCHDOG_USEC} set,
     * and {@code WATCHDOG_PID}, if set, naming this process (sd_watchdog_enabled(3)).
     */
    static Optional<Duration> interval(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        String forPid = env.get("WATCHDOG_PID");
        if (usec == null || forPid != null && !forPid.equals(Long.toString(pid))) {
            return Optional.empty();
        }
        try {
            long us = Long.parseLong(usec.trim());
            return us > 0 ? Optional.of(Duration.ofNanos(us * 1000)) : Optional.empty();
        } catch (NumberFormatException e) {
            LOG.warn("WATCHDOG_USEC={} is not a number: no watchdog", usec);
            return Optional.empty();
        }
    }

    /** Checks (and pings) every quarter of {@code interval} on a thread of its own, from now. */
    synchronized void start(Duration interval) {
        long every = Math.max(1, interval.toMillis() / 4);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            try {
                check(System.nanoTime());
            } catch (RuntimeException e) {
                // Not fatal here: without pings systemd restarts the service, which is right if it persists.
                LOG.error("watchdog check failed: {}", e.toString());
            }
        }, 0, every, TimeUnit.MILLISECONDS);
        LOG.info("watchdog: systemd restarts the service if a data or control thread stops for {} s", interval.toSeconds());
    }

    /**
     * One check at {@code now} (System.nanoTime): sends {@code WATCHDOG=1} when every probe ran its
     * last task, and hands each probe that did a new one.
     *
     * @return whether it sent
     */
    synchronized boolean check(long now) {
        List<Probe> current = probes.get();
        Set<String> names = new HashSet<>();
        boolean alive = true;
        for (Probe p : current) {
            names.add(p.name());
            Pending last = pending.get(p.name());
            if (last != null && last.executor != p.executor()) {
                // Another executor under the same name: the VPN server restarted on a new listener,
                // its old timers shut down with this probe's task still queued (thrown away).
                last = null;
            }
            if (last != null && !last.ran) {
                alive = false;
                if (!last.reported) {
                    last.reported = true;
                    reportStuck(p.name(), last, now);
                }
                continue;
            }
            if (last != null && last.reported) {
                LOG.warn("watchdog: {} runs again after {} s", p.name(), Duration.ofNanos(now - last.givenAt).toSeconds());
            }
            Pending next = new Pending(p.executor(), now, last == null ? null : last.thread);
            pending.put(p.name(), next);
            try {
                p.executor().execute(() -> {
                    next.thread = Thread.currentThread();
                    next.ran = true;
                });
            } catch (RejectedExecutionException e) {
                next.ran = true; // shut down (a listener being replaced): going away is not hanging
            }
        }
        pending.keySet().retainAll(names);
        if (alive) {
            notify("WATCHDOG=1");
        }
        return alive;
    }

    private void reportStuck(String name, Pending p, long now) {
        long seconds = Duration.ofNanos(now - p.givenAt).toSeconds();
        Thread t = p.thread;
        StringBuilder stack = new StringBuilder();
        if (t != null && t.isAlive()) {
            stack.append(" (thread ").append(t.getName()).append(", ").append(t.getState()).append(')');
            for (StackTraceElement e : t.getStackTrace()) {
                stack.append("\n\tat ").append(e);
            }
        } else {
            // A probe run on a fresh thread each time (the configuration's lock, the database): who
            // holds it is one of the others. All of them, once per incident.
            stack.append("; every thread:");
            for (var info : java.lang.management.ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
                stack.append("\n").append(whole(info));
            }
        }
        String message = name + " has not run a task for " + seconds + " s: if it stays so, systemd restarts the service";
        LOG.error("watchdog: {}{}", message, stack);
        problems.accept(message);
    }

    /**
     * A thread as a thread dump shows it, its whole stack with the monitors it holds where it took
     * them: ThreadInfo#toString stops after 8 frames, which hid who held the lock that the stuck
     * probe waits for, deep in the holder's stack.
     */
    static String whole(java.lang.management.ThreadInfo info) {
        StringBuilder b = new StringBuilder().append('"').append(info.getThreadName()).append("\" ")
                .append(info.getThreadState());
        if (info.getLockName() != null) {
            b.append(" on ").append(info.getLockName());
        }
        if (info.getLockOwnerName() != null) {
            b.append(" owned by \"").append(info.getLockOwnerName()).append('"');
        }
        StackTraceElement[] frames = info.getStackTrace();
        for (int i = 0; i < frames.length; i++) {
            b.append("\n\tat ").append(frames[i]);
            for (var m : info.getLockedMonitors()) {
                if (m.getLockedStackDepth() == i) {
                    b.append("\n\t- locked ").append(m);
                }
            }
        }
        for (var l : info.getLockedSynchronizers()) {
            b.append("\n\t- holds ").append(l);
        }
        return b.toString();
    }

    /** Sends a state to the manager; a failure is logged once (the manager restarting, say), not fatal. */
    void notify(String state) {
        try {
            notifier.send(state);
            notifyFailureLogged = false;
        } catch (IOException | RuntimeException e) {
            if (!notifyFailureLogged) {
                notifyFailureLogged = true;
                LOG.warn("cannot tell systemd {}: {}", state.replace('\n', ' '), e.toString());
            }
        }
    }

    /** A notifier for systemd's socket. */
    static Notifier to(NotifySocket socket) {
        return socket::send;
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
