package org.homerouter.appliance;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * <p>Nothing is lost to a busy database: a write refused as busy is tried again, for about a
 * minute. The queue is bounded, so a database that never answers cannot fill the router's memory:
 * past {@link #QUEUE_LIMIT} writes the newest are dropped, and the log says how many.
 */
final class BackgroundWrites implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundWrites.class);
    /** Far above any session churn the server's limits allow while the store is healthy. */
    static final int QUEUE_LIMIT = 10_000;
    /** SQLite's primary result codes for "another connection holds the lock". */
    private static final int SQLITE_BUSY = 5;
    private static final int SQLITE_LOCKED = 6;

    /** One write. */
    interface Write {
        void run() throws SQLException;
    }

    private final ThreadPoolExecutor thread;
    private final Duration retryFor;
    private final AtomicLong dropped = new AtomicLong();

    BackgroundWrites(String name, Duration retryFor) {
        this.retryFor = retryFor;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(QUEUE_LIMIT), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }, (r, pool) -> {
            long n = dropped.incrementAndGet();
            if (pool.isShutdown()) {
                LOG.warn("a store write asked for after the service stopped was not made");
            } else if (Long.bitCount(n) == 1) { // 1, 2, 4, 8, ...: the log says it, but is not flooded
                LOG.error("the database has not answered for a while: {} session record(s) dropped so far "
                        + "(more than {} were waiting)", n, QUEUE_LIMIT);
            }
        });
    }

    /** Queues {@code write}; returns at once. {@code what} names it in the log if it cannot be made. */
    void submit(String what, Write write) {
        thread.execute(() -> runRetryingWhileBusy(what, write));
    }

    private void runRetryingWhileBusy(String what, Write write) {
        long deadline = System.nanoTime() + retryFor.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                write.run();
                if (attempt > 1) {
                    LOG.info("{}: recorded at attempt {} (the database was busy)", what, attempt);
                }
                return;
            } catch (SQLException e) {
                int code = e.getErrorCode() & 0xFF; // extended codes keep the primary one in the low octet
                boolean busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
                if (!busy || System.nanoTime() - deadline >= 0) {
                    LOG.warn("{}: not recorded: {}", what, e.toString());
                    return;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    LOG.warn("{}: not recorded (stopping): {}", what, e.toString());
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: not recorded: {}", what, e.toString());
                return;
            }
        }
    }

    /** Makes the writes already queued (waiting up to 10 s), then stops. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("{} session record(s) not written before the service stopped", thread.getQueue().size() + 1);
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }
}
