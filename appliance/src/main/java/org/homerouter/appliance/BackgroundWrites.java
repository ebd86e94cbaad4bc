package org.homerouter.appliance;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store writes that the VPN's sessions ask for (a session's start, problem and end rows), run on
 * one thread of their own, in the order asked. The sessions report from the data-path thread,
 * which carries every session's packets: a write made there would stop all traffic for as long
 * as the disk takes (a WAL checkpoint's fsync on slow flash) or another program holds the
 * database (busy_timeout, up to 5 s while a CLI command writes).
 *
 * <p>Writes that {@linkplain #submitMayWait may wait} (the records of attempts that never came up:
 * anyone on the WAN can make those) are committed together while they come fast. Each write made
 * alone is a commit of its own, with synchronous=FULL an fsync and several pages of WAL, and a
 * stranger failing logins gets 60 such records a minute recorded (two budgets of 30, see
 * AttemptRecords): about 86,000 commits and 1-2 GB written to the flash a day, for as long as he
 * likes, where the router's own workload is 3-8 MB; cheap SD cards wear out under that in a few
 * years. So a write that may wait, arriving less than {@link #GATHER_FOR} after the last commit,
 * waits until then, and all that came meanwhile are made in one transaction, in their order; while
 * they keep coming each group waits twice as long as the last, up to {@link #GATHER_AT_MOST} (a
 * commit's pages are much the same for one record or sixty: measured, 5 s groups alone cut the
 * WAL written per record from 21.8 KB to 6.3 KB at the stranger's rate; a minute's groups make
 * 1,440 commits a day of a flood, not 86,000). On a quiet router nothing changes: a write
 * {@link #GATHER_FOR} after the last commit runs at once. Any other write runs at once, after
 * those waiting (the order stays the order asked). During a flood the Logs page shows the
 * attempts up to a minute late.
 *
 * <p>Only those may wait because a failed group is rolled back and its writes are made again one
 * by one (one that fails must not lose the others): a write that keeps something besides the
 * store (a session's start keeps its row's id, which its end then updates) would keep it from the
 * rolled-back try, and the records of attempts keep nothing.
 *
 * <p>Nothing is lost to a busy database: a write refused as busy is tried again, for about a
 * minute. The writes are bounded, so a database that never answers cannot fill the router's memory:
 * past {@link #QUEUE_LIMIT} writes the newest are dropped, and the log says how many.
 */
final class BackgroundWrites implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundWrites.class);
    /** Far above any session churn the server's limits allow while the store is healthy. */
    static final int QUEUE_LIMIT = 10_000;
    /** Writes that may wait are committed at most once per this while they come faster: see above. */
    static final Duration GATHER_FOR = Duration.ofSeconds(5);
    /** While they keep coming, each group waits twice as long as the last, up to this: a minute's attempts in one commit. */
    static final Duration GATHER_AT_MOST = Duration.ofSeconds(60);
    /** SQLite's primary result codes for "another connection holds the lock". */
    private static final int SQLITE_BUSY = 5;
    private static final int SQLITE_LOCKED = 6;
    /** ... and for a write to a database opened read-only. */
    private static final int SQLITE_READONLY = 8;

    /** One write. */
    interface Write {
        void run() throws SQLException;
    }

    /** Makes {@code writes} in one store transaction (ApplianceStore::inOneTransaction). */
    interface OneTransaction {
        void run(Write writes) throws SQLException;
    }

    private record Queued(String what, Write write, boolean mayWait) {
    }

    /** Put in by {@link #close} so that the thread, waiting for a write, sees it is to stop. */
    private static final Queued STOP = new Queued("", () -> { }, false);

    private final OneTransaction oneTransaction;
    private final Duration gatherFor;
    private final Duration gatherAtMost;
    private final Duration retryFor;
    private final LinkedBlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
    /** Writes asked for and not yet made (queued, gathered or running): bounded by {@link #QUEUE_LIMIT}. */
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    /** Guards {@link #closed} against a write queued after the thread made the last. */
    private final Object submitting = new Object();
    private volatile boolean closed;
    /** Set when {@link #close} gave up waiting: the writer makes nothing more. */
    private volatile boolean abandoned;
    private final Thread thread;
    private final java.util.concurrent.atomic.AtomicBoolean readOnlySaid = new java.util.concurrent.atomic.AtomicBoolean();

    BackgroundWrites(String name, Duration retryFor, OneTransaction oneTransaction) {
        this(name, retryFor, oneTransaction, GATHER_FOR, GATHER_AT_MOST);
    }

    /** As above, gathering for {@code gatherFor} at first and {@code gatherAtMost} at most (tests: shorter). */
    BackgroundWrites(String name, Duration retryFor, OneTransaction oneTransaction, Duration gatherFor,
            Duration gatherAtMost) {
        this.retryFor = retryFor;
        this.oneTransaction = oneTransaction;
        this.gatherFor = gatherFor;
        this.gatherAtMost = gatherAtMost;
        this.thread = new Thread(this::writeUntilClosed, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code write}, to be made at once; returns at once. {@code what} names it in the log if it cannot be made. */
    void submit(String what, Write write) {
        queue(new Queued(what, write, false));
    }

    /**
     * As {@link #submit}, for a write that may wait up to {@link #GATHER_FOR} to be made with
     * others, and that keeps nothing besides the store (it may be made twice, see above).
     */
    void submitMayWait(String what, Write write) {
        queue(new Queued(what, write, true));
    }

    /** Whether {@code q} was queued. */
    private boolean queue(Queued q) {
        synchronized (submitting) {
            if (closed) {
                LOG.warn("a store write asked for after the service stopped was not made");
                return false;
            }
            if (pending.incrementAndGet() > QUEUE_LIMIT) {
                pending.decrementAndGet();
                long n = dropped.incrementAndGet();
                if (Long.bitCount(n) == 1) { // 1, 2, 4, 8, ...: the log says it, but is not flooded
                    LOG.error("the database has not answered for a while: {} session record(s) dropped so far "
                            + "(more than {} were waiting)", n, QUEUE_LIMIT);
                }
                return false;
            }
            queue.add(q);
            return true;
        }
    }

    private void writeUntilClosed() {
        long quietNanos = gatherFor.toNanos();
        long gatherNanos = quietNanos;
        List<Queued> gathered = new ArrayList<>();
        long lastCommit = System.nanoTime() - quietNanos; // a quiet start: the first write runs at once
        try {
            while (!abandoned) {
                Queued next;
                if (gathered.isEmpty()) {
                    next = closed ? queue.poll() : queue.take();
                    if (next == null) {
                        return; // closed, and all made
                    }
                } else {
                    // Closing: what was gathered is made now, not after the wait.
                    long dueIn = closed ? 0 : lastCommit + gatherNanos - System.nanoTime();
                    // Due: made now, not after whatever more a backlog holds.
                    next = dueIn <= 0 ? null : queue.poll(dueIn, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        makeTogether(gathered);
                        gathered.clear();
                        lastCommit = System.nanoTime();
                        // Still coming after a whole wait: a flood, not a burst. The next group
                        // waits twice as long, up to GATHER_AT_MOST.
                        gatherNanos = Math.min(2 * gatherNanos, gatherAtMost.toNanos());
                        continue;
                    }
                }
                if (next == STOP) {
                    continue;
                }
                if (next.mayWait()) {
                    if (!gathered.isEmpty() || System.nanoTime() - lastCommit < quietNanos) {
                        gathered.add(next);
                        continue;
                    }
                    gatherNanos = quietNanos; // quiet for a while: the flood, if any, is over; made at once
                }
                if (!gathered.isEmpty()) { // those asked for before it first
                    makeTogether(gathered);
                    gathered.clear();
                }
                make(next);
                lastCommit = System.nanoTime();
            }
        } catch (InterruptedException e) {
            // close() gave up waiting: what is left is not made (and it said how many).
        }
    }

    /**
     * {@code writes} in one transaction; if that fails (one of them failed: it was rolled back
     * whole), one by one as any write, so that one that fails loses only itself.
     */
    private void makeTogether(List<Queued> writes) throws InterruptedException {
        if (writes.size() == 1) {
            make(writes.getFirst());
            return;
        }
        String what = writes.size() + " session records made together";
        Throwable failed = runRetryingWhileBusy(what, () -> oneTransaction.run(() -> {
            for (Queued q : writes) {
                q.write().run();
            }
        }));
        if (failed == null) {
            pending.addAndGet(-writes.size());
            return;
        }
        LOG.info("{}: not made together ({}): one by one", what, failed.toString());
        for (Queued q : writes) {
            if (abandoned) {
                throw new InterruptedException(); // close() gave up: the store is closing
            }
            make(q);
        }
    }

    private void make(Queued q) throws InterruptedException {
        try {
            Throwable failed = runRetryingWhileBusy(q.what(), q.write());
            if (failed != null) {
                LOG.warn("{}: not recorded: {}", q.what(), failed.toString());
            }
        } finally {
            pending.decrementAndGet();
        }
    }

    /** Null once made (or refused by read-only storage, said once); else why not (not busy, or busy for longer than {@link #retryFor}). */
    private Throwable runRetryingWhileBusy(String what, Write write) throws InterruptedException {
        long deadline = System.nanoTime() + retryFor.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                write.run();
                if (attempt > 1) {
                    LOG.info("{}: recorded at attempt {} (the database was busy)", what, attempt);
                }
                return null;
            } catch (SQLException e) {
                int code = e.getErrorCode() & 0xFF; // extended codes keep the primary one in the low octet
                boolean busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
                if (code == SQLITE_READONLY) {
                    // Read-only storage refuses every session's rows: said once, not at each login and hang-up.
                    if (readOnlySaid.compareAndSet(false, true)) {
                        LOG.warn("{}: not recorded, the storage being read-only; no later session record is either"
                                + " (not said again)", what);
                    }
                    return null; // nothing to retry, nor to say again: as if made
                }
                if (!busy || System.nanoTime() - deadline >= 0) {
                    return e;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    LOG.warn("{}: not recorded (stopping): {}", what, e.toString());
                    throw ie;
                }
            } catch (RuntimeException | Error e) {
                // A bug in one write (errors too: the thread would end, and no write be made after).
                return e;
            }
        }
    }

    /**
     * Makes every write asked for so far, gathered ones too, and returns once they are made (or
     * {@code atMost} has passed): before the clock's restamp moves the rows written so far.
     */
    void flush(Duration atMost) throws InterruptedException {
        java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(1);
        // Made at once, after those gathered before it; not queued (closed, or full): nothing to wait for.
        if (queue(new Queued("a flush", made::countDown, false))
                && !made.await(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("the session records asked for were not all written within {} s", atMost.toSeconds());
        }
    }

    /** Makes the writes already asked for, gathered ones too (waiting up to 10 s), then stops. */
    @Override
    public void close() {
        synchronized (submitting) {
            if (closed) {
                return;
            }
            closed = true;
        }
        queue.add(STOP);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{} session record(s) not written before the service stopped", pending.get());
            abandoned = true; // no more into the store that closes next
            thread.interrupt();
            try {
                thread.join(1000); // out of the store before it closes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
