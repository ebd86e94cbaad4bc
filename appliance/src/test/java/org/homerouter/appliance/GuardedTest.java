package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.homerouter.bridge.io.DataPathFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuardedTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
        DataPathFailure.onFailure(what -> { });
    }

    /**
     * A chore that meets a bug once (each kind a bug throws) still runs at its next time: unguarded,
     * the timer cancelled it for good at the first throw, silently.
     */
    @Test
    void aChoreThatFailsOnceRunsAgainOnSchedule() throws Exception {
        for (Bug kind : Bug.values()) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch again = new CountDownLatch(3);
            timer.scheduleWithFixedDelay(Guarded.task("a chore", () -> {
                again.countDown();
                if (runs.incrementAndGet() == 1) {
                    kind.raise();
                }
            }), 0, 5, TimeUnit.MILLISECONDS);
            assertTrue(again.await(5, TimeUnit.SECONDS), kind + ": ran " + runs.get() + " time(s) only");
        }
    }

    private enum Bug {
        RUNTIME_EXCEPTION, ASSERTION_ERROR, STACK_OVERFLOW;

        void raise() {
            switch (this) {
                case RUNTIME_EXCEPTION -> throw new IllegalStateException("a bug");
                case ASSERTION_ERROR -> throw new AssertionError("a bug");
                case STACK_OVERFLOW -> throw new StackOverflowError();
            }
        }
    }

    /** Any other Error is the service's failure: reported (the service then exits for systemd), not run again. */
    @Test
    void anyOtherErrorIsReportedAsTheServicesFailure() {
        List<String> reported = new CopyOnWriteArrayList<>();
        DataPathFailure.onFailure(reported::add);
        Runnable chore = Guarded.task("deleting old records", () -> {
            throw new LinkageError("a class gone from the jar");
        });
        assertThrows(LinkageError.class, chore::run);
        assertEquals(List.of("deleting old records"), reported);
    }

    /**
     * A chore that fails the same way at every run logs its stack trace once (an hour), then one line
     * a run: every 10 s, the trace filled the journal. A different failure gets its trace.
     */
    @Test
    void aFailureRepeatedAtEveryRunHasItsStackTraceLoggedOnce() {
        Lines log = new Lines();
        AtomicInteger runs = new AtomicInteger();
        Runnable chore = Guarded.task(log, new org.homerouter.pptp.LogLimit(), "checking the clock", () -> {
            throw runs.incrementAndGet() <= 3 ? new IllegalStateException("the same bug") : new ArithmeticException("another");
        }, e -> { });
        for (int i = 0; i < 4; i++) {
            chore.run();
        }
        assertEquals(List.of("checking the clock failed + stack", "checking the clock failed again:"
                + " java.lang.IllegalStateException: the same bug", "checking the clock failed again:"
                + " java.lang.IllegalStateException: the same bug", "checking the clock failed + stack"), log.lines);
    }

    /** The lines a logger was given, each with "+ stack" where it came with a throwable. */
    private static final class Lines extends org.slf4j.helpers.LegacyAbstractLogger {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(org.slf4j.event.Level level, org.slf4j.Marker marker, String pattern,
                                                   Object[] arguments, Throwable throwable) {
            lines.add(org.slf4j.helpers.MessageFormatter.basicArrayFormat(pattern, arguments)
                    + (throwable != null ? " + stack" : ""));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }
}
