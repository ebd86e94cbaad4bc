package org.homerouter.webui;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;

/**
 * Says in the log when every thread of the UI's pool ({@link WebServer#MAX_THREADS}) is busy and
 * requests wait in its queue, once per episode, and when the queue has drained again. The pool is
 * capped so that a burst of slow pages cannot grow a thread each on a small router; the price is
 * that requests wait, and an owner whose pages then took seconds (a slow store, devices asking for
 * many pages at once) found nothing in the log to say why.
 *
 * <p>A look at the pool's counters every {@link #EVERY} on the server's scheduler, whose thread is
 * not the pool's (it runs while every pool thread is taken), costs nothing per request. A queue
 * shorter-lived than that may go unseen: only waits that an owner could notice matter here.
 * Thread-safe ({@link #check} runs on the scheduler's thread, and the test's).
 */
final class ThreadPoolWatch extends AbstractLifeCycle implements Runnable {
    static final Duration EVERY = Duration.ofSeconds(2);

    private final QueuedThreadPool pool;
    private final Scheduler scheduler;
    private final Logger log;
    private final LongSupplier nanos;
    private Scheduler.Task next;
    private boolean exhausted;
    private long since;
    private int mostQueued;
    private int episodes;

    ThreadPoolWatch(QueuedThreadPool pool, Scheduler scheduler, Logger log, LongSupplier nanos) {
        this.pool = pool;
        this.scheduler = scheduler;
        this.log = log;
        this.nanos = nanos;
    }

    @Override
    protected synchronized void doStart() {
        next = scheduler.schedule(this, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected synchronized void doStop() {
        if (next != null) {
            next.cancel();
            next = null;
        }
    }

    @Override
    public synchronized void run() {
        if (next == null) {
            return; // stopped meanwhile
        }
        try {
            check();
        } finally {
            next = scheduler.schedule(this, EVERY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One look at the pool: tasks queued with no thread idle and none to be added is an exhausted
     * pool; an empty queue after that ends the episode. Jetty's reserved threads wait for work
     * of their own and are never idle to the queue: they count as busy here, as they are to it.
     */
    synchronized void check() {
        int queued = pool.getQueueSize();
        if (!exhausted) {
            if (queued > 0 && pool.getIdleThreads() == 0 && pool.getThreads() >= pool.getMaxThreads()) {
                exhausted = true;
                since = nanos.getAsLong();
                mostQueued = queued;
                episodes++;
                log.warn("web UI: all {} threads are busy and {} tasks wait for one; pages are slow until they"
                        + " are done (a slow storage, or devices asking for many pages at once, does this)",
                        pool.getMaxThreads(), queued);
            }
            return;
        }
        mostQueued = Math.max(mostQueued, queued);
        if (queued == 0) {
            exhausted = false;
            // Spoken as the other lines with a duration are: "3 min 5 s", not "185 s".
            log.info("web UI: threads free again after {} busy (at most {} tasks waited)",
                    org.homerouter.pptp.SpokenDuration.of(nanos.getAsLong() - since), mostQueued);
        }
    }

    /** How many times every thread was found busy with tasks waiting (episodes, as logged). */
    synchronized int episodes() {
        return episodes;
    }
}
