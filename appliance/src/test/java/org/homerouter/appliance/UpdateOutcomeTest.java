package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After the restart into an update, the owner learns what became of it: the new version says it
 * started, and the old one, when the router came back to it by itself, says the update did not
 * stay and how (once in the event log, on the System page until the next update).
 */
class UpdateOutcomeTest {
    private static final String OLD = "0.1.0+202612011200.abc1234";
    private static final String NEW = "0.1.0+202612061015.def5678";
    @TempDir
    Path dir;
    private final List<String> events = new ArrayList<>();

    private Optional<String> start(UpdateOutcome o, String running) {
        return o.atStart(running, (kind, message) -> events.add(message));
    }

    @Test
    void theNewVersionSaysItStartedOnceAndTheNoteGoesWhenItsSlotIsConfirmed() {
        Path note = dir.resolve("firmware-update");
        UpdateOutcome o = new UpdateOutcome(note);
        o.restarting(NEW, OLD, Instant.parse("2026-12-06T10:00:00Z"));
        assertEquals(Optional.empty(), start(o, NEW));
        assertEquals(List.of("firmware " + NEW + " started (updated from " + OLD + ")"), events);
        assertEquals(Optional.empty(), start(o, NEW), "a service restart");
        assertEquals(1, events.size(), "said once: " + events);
        o.confirmed(NEW);
        assertFalse(Files.exists(note));
    }

    @Test
    void theOldVersionBackAfterANewOneThatNeverStartedSaysSoUntilTheNextUpdate() {
        UpdateOutcome o = new UpdateOutcome(dir.resolve("firmware-update"));
        o.restarting(NEW, OLD, Instant.now());
        String words = start(o, OLD).orElseThrow();
        assertTrue(words.startsWith("The update to " + NEW + " did not stay: it did not start, and the router went back to "
                + OLD + " by itself."), words);
        assertEquals(List.of("firmware " + NEW + " did not stay: it did not start; back to " + OLD), events);
        assertEquals(Optional.of(words), start(o, OLD), "still said after a service restart");
        assertEquals(1, events.size(), "logged once: " + events);
        o.confirmed(OLD);
        assertEquals(Optional.of(words), start(o, OLD), "the old slot's confirmation does not hide it");
    }

    @Test
    void aNewVersionThatStartedButWasAbandonedIsToldApart() {
        UpdateOutcome o = new UpdateOutcome(dir.resolve("firmware-update"));
        o.restarting(NEW, OLD, Instant.now());
        assertEquals(Optional.empty(), start(o, NEW)); // started, then not confirmed within 30 minutes
        String words = start(o, OLD).orElseThrow();
        assertTrue(words.contains("it started but did not confirm itself within 30 minutes"), words);
    }

    @Test
    void anUpdateInstalledButNotYetRestartedIntoIsNoFailureAndIsKnownAfterAServiceRestart() {
        UpdateOutcome o = new UpdateOutcome(dir.resolve("firmware-update"));
        o.installed(NEW, OLD);
        assertEquals(Optional.empty(), start(o, OLD));
        assertEquals(Optional.of(NEW), o.installedNotStarted());
        assertTrue(events.isEmpty(), events.toString());
    }

    @Test
    void noUpdateNothingToSay() {
        assertEquals(Optional.empty(), start(new UpdateOutcome(dir.resolve("firmware-update")), OLD));
        assertTrue(events.isEmpty());
    }
}
