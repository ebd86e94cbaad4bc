package org.homerouter.appliance;

import java.util.function.Consumer;
import org.homerouter.pptp.LogLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task that runs again and again on a shared timer thread. A {@code ScheduledExecutorService}
 * cancels every later run of a periodic task, silently, the first time it throws: a bug met once
 * (a RuntimeException, an AssertionError, a StackOverflowError) would stop that chore for the life
 * of the service while everything else looks up. Those are logged with their stack (within a
 * {@link LogLimit}) and the next run goes ahead. Any other Error (a LinkageError, an InternalError)
 * leaves the JVM in no state to trust: it is reported as a failure of the service, which then exits
 * for systemd to start it again whole, as {@code -XX:+ExitOnOutOfMemoryError} does for that one.
 */
final class Guarded {
    private static final Logger LOG = LoggerFactory.getLogger(Guarded.class);

    private Guarded() {
    }

    /** {@code task}, guarded; {@code what} names it in the log ("session timers"). */
    static Runnable task(String what, Runnable task) {
        return task(LOG, new LogLimit(), what, task, e -> { });
    }

    /**
     * {@link #task(String, Runnable)} logging to {@code log} within {@code budget} (the tasks of one
     * loop share one), with {@code afterwards} run on its thread after a failure it survives (itself
     * guarded, once): the site-to-site dial-out hangs up and dials again, where a step that merely
     * ended would leave it waiting for good.
     */
    static Runnable task(Logger log, LogLimit budget, String what, Runnable task, Consumer<Throwable> afterwards) {
        Repeats repeats = new Repeats();
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | StackOverflowError | AssertionError e) {
                String more = budget.admit();
                if (more != null && repeats.stackWanted(e, System.nanoTime())) {
                    log.error("{} failed{}", what, more, e);
                } else if (more != null) {
                    log.error("{} failed again: {}{}", what, e, more);
                }
                task(log, budget, what + ", after its failure", () -> afterwards.accept(e), x -> { }).run();
            } catch (Error e) {
                log.error("{} stopped for good", what, e);
                org.homerouter.bridge.io.DataPathFailure.report(what);
                throw e;
            }
        };
    }

    /**
     * The stack trace of a failure the task met before is logged at most once an hour: a chore that
     * fails at every run (every 10 s, say) would fill the journal with the same trace.
     */
    private static final class Repeats {
        private static final long HOUR_NANOS = java.util.concurrent.TimeUnit.HOURS.toNanos(1);
        private String last;
        private long stackLoggedAt;

        synchronized boolean stackWanted(Throwable e, long now) {
            String failure = e.toString();
            if (failure.equals(last) && now - stackLoggedAt < HOUR_NANOS) {
                return false;
            }
            last = failure;
            stackLoggedAt = now;
            return true;
        }
    }
}
