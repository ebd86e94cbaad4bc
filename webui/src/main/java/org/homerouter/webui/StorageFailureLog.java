package org.homerouter.webui;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.homerouter.webui.api.StorageUnavailable;
import org.slf4j.Logger;

/**
 * The log lines of requests that failed because the storage refused them ({@link StorageUnavailable}).
 * The Dashboard polls every 2 s in every open tab, so a storage that stays full or read-only failed
 * a request every second or so, each logged at ERROR with the SQLException's whole stack: a 16 MB
 * volatile journal lost, within the hour, its earlier lines, the evidence of what went wrong first.
 * Now the first failure (after {@link #EPISODE_OVER_AFTER} without one) is logged with its stack,
 * then at most one line each {@link #SUMMARY_EVERY} says how many failed since, with the stack
 * again only if the failure is another. There is no line for the storage answering again: a
 * request that succeeds may not have touched the storage, so a quiet spell is all that says so.
 * Thread-safe.
 */
final class StorageFailureLog {
    static final Duration SUMMARY_EVERY = Duration.ofMinutes(1);
    static final Duration EPISODE_OVER_AFTER = Duration.ofMinutes(10);

    private final Logger log;
    private final LongSupplier nanos;
    private boolean failing;
    private long lastFailure;
    private long lastLine;
    /** The failure whose stack was logged last. */
    private String stacked;
    private long notLogged;

    StorageFailureLog(Logger log, LongSupplier nanos) {
        this.log = log;
        this.nanos = nanos;
    }

    /** {@code request} ("GET /dashboard/status") failed on the storage. */
    synchronized void failed(String request, StorageUnavailable e) {
        long now = nanos.getAsLong();
        boolean anew = !failing || now - lastFailure >= EPISODE_OVER_AFTER.toNanos();
        failing = true;
        lastFailure = now;
        if (!anew && now - lastLine < SUMMARY_EVERY.toNanos()) {
            notLogged++;
            return;
        }
        String failure = e.getMessage();
        String since = anew || notLogged == 0 ? "" : " (" + notLogged + " more requests failed on the storage since the last line)";
        if (anew || !failure.equals(stacked)) {
            log.error("{}: {}{}", request, failure, since, e.getCause());
            stacked = failure;
        } else {
            log.error("{}: {}{}", request, failure, since);
        }
        lastLine = now;
        notLogged = 0;
    }
}
