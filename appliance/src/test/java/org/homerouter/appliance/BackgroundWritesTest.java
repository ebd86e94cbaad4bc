package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.homerouter.appliance.store.ApplianceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stranger failing VPN logins gets 60 records a minute written, each its own synced commit:
 * about 86,000 commits and 1-2 GB of flash writes a day. Those that come fast are committed
 * together; a quiet router's writes, and every other write, are made at once.
 */
class BackgroundWritesTest {
    /** Well under {@link BackgroundWrites#GATHER_FOR}: a write made "at once" lands within this. */
    private static final long AT_ONCE_MS = BackgroundWrites.GATHER_FOR.toMillis() / 2;

    @TempDir
    Path dir;
    private ApplianceStore store;
    private BackgroundWrites writes;

    @BeforeEach
    void open() throws Exception {
        store = ApplianceStore.open(dir.resolve("router.db"));
        writes = new BackgroundWrites("test-records", Duration.ofSeconds(5), all -> store.inOneTransaction(all::run));
    }

    @AfterEach
    void close() throws Exception {
        writes.close();
        store.close();
    }

    /** A stranger's failed login, as SessionAccounting records one: a row of its own and its event. */
    private BackgroundWrites.Write attempt(String name) {
        return () -> store.sessionEnded(0, 1_000, 1_000, name, "203.0.113.9", null, 0, 0, "AUTH_FAILED", "",
                "auth-failure", name + " from 203.0.113.9: authentication failed");
    }

    /** The users of the history's rows (attempts' and sessions'), oldest first. */
    private List<String> rows() throws SQLException {
        List<String> out = new java.util.ArrayList<>(store.sessionHistory(1_000, false).stream()
                .map(ApplianceStore.SessionRow::user).toList());
        store.sessionHistory(1_000, true).forEach(r -> out.add(r.user()));
        return out.stream().sorted(java.util.Comparator.comparingLong(u -> idOf(u))).toList();
    }

    private long idOf(String user) {
        try {
            return java.util.stream.Stream.concat(store.sessionHistory(1_000, false).stream(),
                            store.sessionHistory(1_000, true).stream())
                    .filter(r -> user.equals(r.user())).mapToLong(ApplianceStore.SessionRow::id).min().orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How long until the history has {@code n} rows, in ms. */
    private long msUntilRows(int n) throws Exception {
        long start = System.nanoTime();
        Eventually.until(n + " rows in the history",
                () -> store.sessionHistory(1_000, false).size() + store.sessionHistory(1_000, true).size(),
                size -> size >= n);
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aFloodOfAttemptsIsCommittedInFewTransactionsEveryRowInOrderAndAQuietRoutersWriteAtOnce() throws Exception {
        int attempts = 300;
        try (WalCommits wal = new WalCommits(store.file())) {
            for (int i = 0; i < attempts; i++) {
                writes.submitMayWait("attempt " + i, attempt("guess" + i));
            }
            long firstMs = msUntilRows(1);
            msUntilRows(attempts);
            long commits = wal.commits();
            System.out.printf("%d attempt records: %d commits, %d octets of WAL%n", attempts, commits, wal.octets());
            assertTrue(firstMs < AT_ONCE_MS, "the first, on a quiet router, at once: " + firstMs + " ms");
            assertEquals(IntStream.range(0, attempts).mapToObj(i -> "guess" + i).toList(), rows(), "every row, in order");
            // The first at once, the rest together once GATHER_FOR has passed (a third if the
            // submits straddle it on a slow machine); one by one they were 300.
            assertTrue(commits <= 3, attempts + " records in " + commits + " commits");
        }
        // Quiet again: a lone record lands at once.
        Thread.sleep(BackgroundWrites.GATHER_FOR.toMillis() + 200);
        writes.submitMayWait("a lone attempt", attempt("lone"));
        long loneMs = msUntilRows(attempts + 1);
        assertTrue(loneMs < AT_ONCE_MS, "a lone write after a quiet while, at once: " + loneMs + " ms");
    }

    /**
     * A flood that goes on: each group waits twice as long as the last, up to the most (here 100
     * ms doubling to 800 ms for 5 s doubling to a minute), so a stranger's day of failed logins is
     * 1,440 commits, not 17,280 of 5 s groups; quiet again, a lone record lands at once.
     */
    @Test
    void aFloodThatGoesOnIsCommittedLessAndLessOftenUpToTheMost() throws Exception {
        writes.close();
        writes = new BackgroundWrites("test-records", Duration.ofSeconds(5), all -> store.inOneTransaction(all::run),
                Duration.ofMillis(100), Duration.ofMillis(800));
        int attempts = 0;
        try (WalCommits wal = new WalCommits(store.file())) {
            long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < end) {
                writes.submitMayWait("attempt " + attempts, attempt("guess" + attempts));
                attempts++;
                Thread.sleep(10);
            }
            msUntilRows(attempts);
            long commits = wal.commits();
            System.out.printf("%d attempt records over 4 s: %d commits%n", attempts, commits);
            // At once, then at 0.1, 0.3, 0.7, 1.5, 2.3, 3.1, 3.9 s (and the rest): about 9. Groups
            // of a fixed 100 ms would be 40.
            assertTrue(commits <= 14, attempts + " records in " + commits + " commits");
            assertEquals(IntStream.range(0, attempts).mapToObj(i -> "guess" + i).toList(), rows(), "every row, in order");
        }
        Thread.sleep(150);
        writes.submitMayWait("a lone attempt", attempt("lone"));
        long loneMs = msUntilRows(attempts + 1);
        assertTrue(loneMs < 400, "a lone write after a quiet while, at once: " + loneMs + " ms");
    }

    /**
     * The clock's restamp moves the rows this run wrote before the time server answered: the
     * records still gathered must be written first, or they would keep the unset clock's times.
     * Each record's event carries the time of the attempt, not of the commit up to a minute later.
     */
    @Test
    void aFlushMakesTheGatheredRecordsAtOnceAndTheirEventsKeepTheirOwnTimes() throws Exception {
        writes.submitMayWait("attempt 0", attempt("guess0"));
        msUntilRows(1);
        for (int i = 1; i <= 3; i++) {
            writes.submitMayWait("attempt " + i, attempt("guess" + i));
        }
        long start = System.nanoTime();
        writes.flush(Duration.ofSeconds(10));
        long flushMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(List.of("guess0", "guess1", "guess2", "guess3"), rows(), "all made by the flush");
        assertTrue(flushMs < AT_ONCE_MS, "the flush took " + flushMs + " ms");
        assertEquals(List.of(1_000L, 1_000L, 1_000L, 1_000L), store.events(10, "auth-failure").stream()
                .map(ApplianceStore.EventRow::atMs).toList(), "each event at its attempt's time");
    }

    @Test
    void aWriteThatFailsAmongThoseGatheredLosesOnlyItself() throws Exception {
        writes.submitMayWait("attempt 0", attempt("guess0"));
        msUntilRows(1);
        writes.submitMayWait("attempt 1", attempt("guess1"));
        writes.submitMayWait("attempt 2", attempt("guess2"));
        writes.submitMayWait("a write that fails", () -> {
            throw new SQLException("the disk said no"); // not busy: not tried again
        });
        writes.submitMayWait("attempt 3", attempt("guess3"));
        msUntilRows(4);
        Thread.sleep(200); // any more, made twice, would show now
        assertEquals(List.of("guess0", "guess1", "guess2", "guess3"), rows(), "each once, in order");
    }

    @Test
    void aWriteThatMayNotWaitIsMadeAtOnceAfterThoseGatheredBeforeIt() throws Exception {
        writes.submitMayWait("attempt 0", attempt("guess0"));
        msUntilRows(1);
        writes.submitMayWait("attempt 1", attempt("guess1"));
        writes.submitMayWait("attempt 2", attempt("guess2"));
        writes.submit("alice's start", () -> store.sessionStarted(2_000, "alice", "198.51.100.4", "10.0.0.2",
                "alice connected"));
        long startMs = msUntilRows(4);
        assertTrue(startMs < AT_ONCE_MS, "a session's start at once: " + startMs + " ms");
        assertEquals(List.of("guess0", "guess1", "guess2", "alice"), rows(), "in the order asked");
    }

    @Test
    void closingMakesTheGatheredWritesWithoutWaitingForTheirTurn() throws Exception {
        writes.submitMayWait("attempt 0", attempt("guess0"));
        msUntilRows(1);
        for (int i = 1; i <= 10; i++) {
            writes.submitMayWait("attempt " + i, attempt("guess" + i));
        }
        long start = System.nanoTime();
        writes.close();
        long closeMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(IntStream.rangeClosed(0, 10).mapToObj(i -> "guess" + i).toList(), rows(), "all made by close()");
        assertTrue(closeMs < AT_ONCE_MS, "close() took " + closeMs + " ms");
    }

    /**
     * Read-only storage (worn flash) refuses every session's rows: the journal, in RAM on the
     * router, said so at each start, problem and end of every session, and pushed out what else it held.
     */
    @Test
    void writesRefusedByReadOnlyStorageAreSaidOnceNotForEachSession() {
        java.util.concurrent.atomic.AtomicInteger tried = new java.util.concurrent.atomic.AtomicInteger();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            BackgroundWrites refusing = new BackgroundWrites("test-writes", Duration.ofSeconds(5), all -> all.run());
            for (int i = 0; i < 20; i++) {
                refusing.submit("the start of call " + i, () -> {
                    tried.incrementAndGet();
                    throw new SQLException("[SQLITE_READONLY] Attempt to write a readonly database", null, 8);
                });
            }
            refusing.close();
        } finally {
            System.setErr(old);
        }
        assertEquals(20, tried.get(), "each tried, none retried");
        String log = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, log.split("not recorded", -1).length - 1, log);
    }
}
