package org.homerouter.appliance;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.homerouter.appliance.store.ApplianceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the event log's and the session history's rows once they are older than they are kept
 * for ({@link ApplianceStore#KEPT_FOR}, {@link ApplianceStore#OTHERS_KEPT_FOR}), and the whole
 * copies of the database set aside beside it ({@link ApplianceStore#COPIES_KEPT_FOR}) and the
 * hashes of passwords replaced a month ago ({@link ApplianceStore#PREVIOUS_PASSWORD_KEPT_FOR}): at start, then
 * every {@link #PERIOD}, on the appliance's housekeeping thread, so that neither a page nor the
 * VPN's data path waits for it. The trimming by count runs with each write; age is checked here,
 * because on a quiet router no write comes to trim anything.
 */
final class AgedRecords implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgedRecords.class);
    /** Rows age by days: once a day is soon enough. */
    static final Duration PERIOD = Duration.ofDays(1);
    /** Rows deleted under one hold of the store's lock: a page waits for one batch at most. */
    static final int BATCH = 500;

    /** How soon a run skipped for an unsynchronised clock is tried again. */
    static final Duration RETRY = Duration.ofHours(1);

    private final ApplianceStore store;
    private final LongSupplier wallMillis;
    private final BooleanSupplier clockSet;
    private final Duration period;
    private ScheduledFuture<?> task;
    /** {@link System#nanoTime()} of the last run that deleted by age, null before the first; the timer's thread only. */
    private Long lastRunNanos;
    /** Set by {@link #close}: a run waiting for the monitor then deletes nothing more (the store is closing). */
    private boolean closed;

    /** Whether a try found the clock not set, and none deleted since: the first try after it is set waits. */
    private boolean sawClockUnset;

    /**
     * @param wallMillis {@link System#currentTimeMillis()}: the clock the rows' times came from
     * @param clockSet   whether a time server has set that clock (true where nobody can say)
     * @param period     {@link #PERIOD}; shorter in tests
     */
    AgedRecords(ApplianceStore store, LongSupplier wallMillis, BooleanSupplier clockSet, Duration period) {
        this.store = store;
        this.wallMillis = wallMillis;
        this.clockSet = clockSet;
        this.period = period;
    }

    static AgedRecords system(ApplianceStore store) {
        return new AgedRecords(store, System::currentTimeMillis,
                () -> org.homerouter.bridge.ClockState.synchronizedByTimeServer().orElse(true), PERIOD);
    }

    /**
     * Tries at once on {@code timer}, then every {@link #RETRY} (or {@link #period} if shorter),
     * deleting once per {@link #period}, until {@link #close}.
     */
    synchronized void start(ScheduledExecutorService timer) {
        // A fixed delay, counted on the monotonic clock: a step of the wall clock neither hurries nor delays it.
        long every = Math.min(period.toMillis(), RETRY.toMillis());
        task = timer.scheduleWithFixedDelay(Guarded.task("deleting old records", this::tryDeleteAged), 0, every,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Deletes by age when a period has passed since the last time, and only while a time server has
     * set the clock: a board whose clock reads years ahead at boot (a battery clock gone wrong, a
     * bad saved time) would otherwise take the whole history and event log for old in the minute
     * before its time server answers.
     */
    void tryDeleteAged() {
        long now = System.nanoTime();
        if (lastRunNanos != null && now - lastRunNanos < period.toNanos()) {
            return;
        }
        if (!clockSet.getAsBoolean()) {
            LOG.debug("the clock is not set by a time server yet: old records are deleted once it is");
            sawClockUnset = true;
            return;
        }
        if (sawClockUnset) {
            // Set since the last try: this run's rows written before carried the old clock's times
            // until ClockSteps (every 10 s) moved them with the step; deleting now could take them
            // for old ones. The next try (RETRY on) deletes.
            sawClockUnset = false;
            return;
        }
        lastRunNanos = now;
        deleteAged();
    }

    /** One run: batch after batch until the store has no more aged rows. */
    void deleteAged() {
        long now = wallMillis.getAsLong();
        int deleted = 0;
        try {
            int batch;
            do {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    batch = store.deleteAgedRows(now, BATCH);
                }
                deleted += batch;
            } while (batch == BATCH);
        } catch (SQLException | RuntimeException e) {
            // Caught: an exception would end the schedule, and the next day's run may well succeed.
            LOG.warn("could not delete the records older than they are kept: {}", e.toString());
        }
        if (deleted > 0) {
            LOG.info("{} row(s) of the event log and session history older than they are kept: deleted", deleted);
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            store.deleteAgedCopies(now); // logs each by name
            try {
                int forgotten = store.forgetAgedPreviousPasswords(now);
                if (forgotten > 0) {
                    LOG.info("{} account(s): the password from before its last change, kept {} days to tell a device"
                            + " still using it, forgotten", forgotten, ApplianceStore.PREVIOUS_PASSWORD_KEPT_FOR.toDays());
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warn("could not forget the old passwords kept after their change: {}", e.toString());
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (task != null) {
            task.cancel(false);
        }
    }
}
