package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.homerouter.webui.api.StorageUnavailable;
import org.junit.jupiter.api.Test;

class StorageFailureLogTest {
    private static final long SECOND = 1_000_000_000L;
    private final RecordingLogger log = new RecordingLogger();
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

    /**
     * Space freed after three minutes of a full disk: the Dashboard's next status is answered, and
     * one line says the storage answers again, after how many failures over how long. A request
     * that never failed (it may not touch the storage, or only read it while writes fail) says
     * nothing, nor does the next success; a failure soon after is counted in the episode's lines.
     */
    @Test
    void theFirstAnswerToARequestThatFailedSaysTheStorageAnswersAgainOnce() {
        for (int i = 0; i < 90; i++) {
            failures.failed("GET /dashboard/status", full());
            now.addAndGet(2 * SECOND);
        }
        failures.failed("POST /users/add", full());
        log.clear();
        failures.answered("GET /logs");
        assertEquals(List.of(), log.lines, "a request that never failed tells nothing");
        now.addAndGet(SECOND);
        failures.answered("GET /dashboard/status");
        failures.answered("GET /dashboard/status");
        failures.answered("POST /users/add");
        assertEquals(List.of("INFO GET /dashboard/status: the storage answers again after 91 failed requests over 3 min 1 s"),
                log.leveled);
        log.clear();
        failures.failed("POST /users/add", full());
        assertEquals(List.of(), log.lines, "a minute since the last line: counted, not a stack again");
    }

    /**
     * An answer held back (on and off within a minute) whose request never came again: the next
     * failure, much later, is an episode of its own, not "answers again after ... over 11 min".
     */
    @Test
    void anAnswerHeldBackDoesNotKeepItsEpisodeOpenForGood() {
        failures.failed("POST /users/add", full());
        failures.answered("POST /users/add");          // said
        now.addAndGet(SECOND);
        failures.failed("POST /users/add", full());    // counted, no line
        failures.answered("POST /users/add");          // held back: said a second ago
        now.addAndGet(11 * 60 * SECOND);
        log.clear();
        failures.failed("GET /dashboard/status", full());
        failures.answered("GET /dashboard/status");
        assertEquals(List.of("ERROR GET /dashboard/status: the storage is full + stack",
                "INFO GET /dashboard/status: the storage answers again after 1 failed request over 0 s"), log.leveled);
    }

    /**
     * A storage failing on and off, every other poll of the Dashboard's: each turn logged a stack
     * and an "answers again" line, the flood this class is here to stop. Over two minutes: the one
     * stack, and at most a line a minute of each kind.
     */
    @Test
    void aStorageFailingOnAndOffIsNotLoggedAtEachTurn() {
        for (int i = 0; i < 30; i++) {
            failures.failed("GET /dashboard/status", full());
            now.addAndGet(2 * SECOND);
            failures.answered("GET /dashboard/status");
            now.addAndGet(2 * SECOND);
        }
        assertEquals(1, log.lines.stream().filter(l -> l.endsWith("+ stack")).count(), log.lines.toString());
        assertTrue(log.lines.size() <= 6, log.lines.toString());
        // Each failure line is followed by an "answers again" one: the journal never ends on a failure
        // the storage has since answered, and the count covers every turn since the last one said.
        assertTrue(log.leveled.getLast().startsWith("INFO GET /dashboard/status: the storage answers again after"),
                log.leveled.toString());
        assertEquals(log.lines.stream().filter(l -> l.startsWith("GET /dashboard/status: the storage is full")).count(),
                log.leveled.stream().filter(l -> l.startsWith("INFO")).count(), log.leveled.toString());
    }
}
