package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class ServiceWatchdogTest {
    private static final long SECOND = 1_000_000_000L;

    /** A thread that runs what it is given only when the test says so. */
    private static final class HeldLoop implements Executor {
        final Queue<Runnable> queued = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            queued.add(task);
        }

        void runAll() {
            Runnable r;
            while ((r = queued.poll()) != null) {
                r.run();
            }
        }
    }

    private final List<String> sent = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    @Test
    void stillAliveIsSentOnlyWhileEveryLoopRunsWhatItIsGiven() {
        HeldLoop control = new HeldLoop();
        Executor timers = Runnable::run;
        ServiceWatchdog w = new ServiceWatchdog(sent::add,
                () -> List.of(new ServiceWatchdog.Probe("control event loop 0", control),
                        new ServiceWatchdog.Probe("session timers", timers)), problems::add);

        assertTrue(w.check(0), "nothing handed out yet");
        control.runAll();
        assertTrue(w.check(30 * SECOND), "both ran their task");
        assertEquals(List.of("WATCHDOG=1", "WATCHDOG=1"), sent);

        // The control loop stops running tasks (an endless loop, a deadlock): no more pings.
        assertFalse(w.check(60 * SECOND));
        assertFalse(w.check(90 * SECOND));
        assertEquals(2, sent.size(), "systemd hears nothing and restarts the service");
        assertEquals(1, control.queued.size(), "a stuck loop is not handed task after task");
        assertEquals(1, problems.size(), "reported once: " + problems);
        assertTrue(problems.get(0).startsWith("control event loop 0 has not run a task for 30 s"), problems.get(0));

        // It recovers (a long pause, not a hang) before systemd acted: pings again.
        control.runAll();
        assertTrue(w.check(100 * SECOND));
        assertEquals(3, sent.size());
    }

    @Test
    void aLoopThatIsGoneOrShutDownIsNotAHang() {
        HeldLoop stuck = new HeldLoop();
        List<ServiceWatchdog.Probe> probes = new ArrayList<>(List.of(new ServiceWatchdog.Probe("session timers", stuck),
                new ServiceWatchdog.Probe("closing", task -> {
                    throw new RejectedExecutionException("shut down");
                })));
        ServiceWatchdog w = new ServiceWatchdog(sent::add, () -> List.copyOf(probes), problems::add);
        assertTrue(w.check(0));
        assertFalse(w.check(SECOND), "the timers never ran theirs");
        // The VPN server is restarted on a new listener: its old timer thread goes with it.
        probes.remove(0);
        assertTrue(w.check(2 * SECOND), "a rejected task (an executor shut down) counts as an answer");
        assertTrue(w.check(3 * SECOND));
    }

    @Test
    void aNewExecutorUnderTheSameNameIsNotTheOldOnesUnrunTask() {
        // The VPN server restarted on a new listener: its old timer thread was shut down with the
        // watchdog's task still queued, and the new one has the same name.
        HeldLoop oldTimers = new HeldLoop();
        List<ServiceWatchdog.Probe> probes = new ArrayList<>(List.of(new ServiceWatchdog.Probe("session timers", oldTimers)));
        ServiceWatchdog w = new ServiceWatchdog(sent::add, () -> List.copyOf(probes), problems::add);
        assertTrue(w.check(0));
        oldTimers.queued.clear(); // shutdownNow() drops what was queued
        probes.set(0, new ServiceWatchdog.Probe("session timers", Runnable::run));
        assertTrue(w.check(30 * SECOND), "the new timers are asked afresh");
        assertTrue(w.check(60 * SECOND));
        assertEquals(List.of(), problems);
    }

    @Test
    void aNotificationSocketThatFailsIsNotFatal() {
        ServiceWatchdog w = new ServiceWatchdog(state -> {
            throw new java.io.IOException("connection refused");
        }, List::of, problems::add);
        assertTrue(w.check(0), "checked all the same");
    }

    @Test
    void theIntervalIsSystemdsWhenItIsForThisProcess() {
        assertEquals(Optional.of(Duration.ofMinutes(2)), ServiceWatchdog.interval(Map.of("WATCHDOG_USEC", "120000000"), 42));
        assertEquals(Optional.of(Duration.ofMinutes(2)),
                ServiceWatchdog.interval(Map.of("WATCHDOG_USEC", "120000000", "WATCHDOG_PID", "42"), 42));
        assertEquals(Optional.empty(), ServiceWatchdog.interval(Map.of("WATCHDOG_USEC", "120000000", "WATCHDOG_PID", "7"), 42),
                "inherited by a child process: not ours");
        assertEquals(Optional.empty(), ServiceWatchdog.interval(Map.of(), 42));
        assertEquals(Optional.empty(), ServiceWatchdog.interval(Map.of("WATCHDOG_USEC", "soon"), 42));
        assertEquals(Optional.empty(), ServiceWatchdog.interval(Map.of("WATCHDOG_USEC", "0"), 42));
    }

    /**
     * The dump logged when a probe is stuck names who holds a lock however deep in its stack it
     * took it: ThreadInfo#toString, used before, stops after 8 frames.
     */
    @Test
    void theThreadDumpShowsALockTakenDeepInAStack() throws Exception {
        Object lock = new Object();
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        Thread holder = Thread.ofPlatform().name("holder").daemon().start(() -> {
            synchronized (lock) {
                deep(12, holding);
            }
        });
        holding.await();
        while (holder.getState() != Thread.State.TIMED_WAITING) { // past the count-down, into its sleep
            Thread.onSpinWait();
        }
        try {
            var info = java.lang.management.ManagementFactory.getThreadMXBean()
                    .getThreadInfo(new long[] {holder.threadId()}, true, true)[0];
            String dump = ServiceWatchdog.whole(info);
            assertTrue(dump.startsWith("\"holder\" TIMED_WAITING"), dump);
            assertTrue(dump.contains("- locked java.lang.Object@"), dump);
            assertTrue(dump.lines().filter(l -> l.contains("deep(")).count() >= 12, dump);
            assertFalse(info.toString().contains("- locked java.lang.Object@"), "what the old dump missed");
        } finally {
            holder.interrupt();
        }
    }

    private static void deep(int frames, java.util.concurrent.CountDownLatch holding) {
        if (frames > 0) {
            deep(frames - 1, holding);
            return;
        }
        holding.countDown();
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
