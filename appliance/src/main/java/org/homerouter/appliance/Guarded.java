package org.homerouter.appliance;

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
        LogLimit budget = new LogLimit();
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | StackOverflowError | AssertionError e) {
                String more = budget.admit();
                if (more != null) {
                    LOG.error("{} failed (run again on schedule){}", what, more, e);
                }
            } catch (Error e) {
                LOG.error("{} stopped for good", what, e);
                org.homerouter.bridge.io.DataPathFailure.report(what);
                throw e;
            }
        };
    }
}
