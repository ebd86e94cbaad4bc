package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The UI's thread pool at its cap, as the owner reads it in the log. */
class ThreadPoolWatchTest {
    private static final long SECOND = 1_000_000_000L;
    private final RecordingLogger log = new RecordingLogger();
    private final AtomicLong now = new AtomicLong();
    private final QueuedThreadPool pool = new QueuedThreadPool(2, 1);
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
    private final ThreadPoolWatch watch = new ThreadPoolWatch(pool, scheduler, log, now::get);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger done = new AtomicInteger();

    ThreadPoolWatchTest() throws Exception {
        pool.setReservedThreads(0);
        pool.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        pool.stop();
        scheduler.stop();
    }

    /**
     * Both threads held by slow pages and three more waiting: one warning, however many looks see
     * it so, and one line once the queue has drained, with how long (in minutes and seconds, as
     * the other lines say a duration) and how many waited at most. A pool with work but no queue
     * is not worth a line.
     */
    @Test
    void everyThreadBusyWithRequestsWaitingIsLoggedOnceAndItsEndToo() throws Exception {
        submit(1);
        await(() -> pool.getBusyThreads() == 1);
        watch.check();
        assertEquals(List.of(), log.leveled, "a thread to spare");

        submit(4);
        await(() -> pool.getQueueSize() == 3);
        watch.check();
        now.addAndGet(2 * SECOND);
        submit(1);
        await(() -> pool.getQueueSize() == 4);
        watch.check();
        assertEquals(List.of("WARN web UI: all 2 threads are busy and 3 tasks wait for one; pages are slow until they"
                + " are done (a slow storage, or devices asking for many pages at once, does this)"), log.leveled);

        now.addAndGet(183 * SECOND);
        release.countDown();
        await(() -> done.get() == 6);
        watch.check();
        watch.check();
        assertEquals(List.of("INFO web UI: threads free again after 3 min 5 s busy (at most 4 tasks waited)"),
                log.leveled.subList(1, log.leveled.size()));
        assertEquals(1, watch.episodes());
    }

    /** Started as the server's bean, it looks by itself on the scheduler's thread, which the pool's being busy does not hold. */
    @Test
    void itLooksEveryFewSecondsOnItsOwn() throws Exception {
        scheduler.start();
        watch.start();
        submit(5);
        await(() -> watch.episodes() == 1);
        watch.stop();
    }

    private void submit(int n) {
        for (int i = 0; i < n; i++) {
            pool.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.incrementAndGet();
            });
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10 * SECOND;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), "not within 10 s");
    }
}
