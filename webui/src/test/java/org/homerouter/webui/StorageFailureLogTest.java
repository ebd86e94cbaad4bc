package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.homerouter.webui.api.StorageUnavailable;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class StorageFailureLogTest {
    private static final long SECOND = 1_000_000_000L;
    private final Lines log = new Lines();
    private final AtomicLong now = new AtomicLong();
    private final StorageFailureLog failures = new StorageFailureLog(log, now::get);

    private static StorageUnavailable full() {
        return new StorageUnavailable("the storage is full", new SQLException("[SQLITE_FULL] database or disk is full"));
    }

    /**
     * A Dashboard polling every 2 s against a full storage for three minutes: the first failure
     * with its stack, then a line a minute with the count, not 90 stacks.
     */
    @Test
    void aStorageThatStaysDownIsLoggedOnceWithItsStackThenOnceAMinute() {
        for (int i = 0; i < 90; i++) {
            failures.failed("GET /dashboard/status", full());
            now.addAndGet(2 * SECOND);
        }
        assertEquals(List.of(
                "GET /dashboard/status: the storage is full + stack",
                "GET /dashboard/status: the storage is full (29 more requests failed on the storage since the last line)",
                "GET /dashboard/status: the storage is full (29 more requests failed on the storage since the last line)"),
                log.lines);
    }

    /** Another failure gets its stack at its line; one after ten quiet minutes begins anew, with its stack. */
    @Test
    void anotherFailureOrOneAfterAQuietSpellHasItsStackLogged() {
        failures.failed("GET /dashboard/status", full());
        now.addAndGet(61 * SECOND);
        failures.failed("POST /users/add", new StorageUnavailable("the storage is read-only", new SQLException("[SQLITE_READONLY]")));
        now.addAndGet(11 * 60 * SECOND);
        failures.failed("GET /dashboard/status", full());
        assertEquals(List.of(
                "GET /dashboard/status: the storage is full + stack",
                "POST /users/add: the storage is read-only + stack",
                "GET /dashboard/status: the storage is full + stack"), log.lines);
    }

    /** The lines a logger was given, each with "+ stack" where it came with a throwable. */
    private static final class Lines extends LegacyAbstractLogger {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            lines.add(MessageFormatter.basicArrayFormat(pattern, arguments) + (throwable != null ? " + stack" : ""));
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
