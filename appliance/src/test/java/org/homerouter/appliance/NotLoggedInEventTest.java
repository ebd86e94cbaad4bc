package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A call that never logged in, as the event log names it. */
class NotLoggedInEventTest {
    @TempDir
    Path dir;

    /**
     * A call that never got as far as a login (GRE blocked on the way, then hung up) is "(not
     * logged in)" in the event log as in the history: it said "unknown user", which the owner read
     * as a user name the router did not know.
     */
    @Test
    void aSessionThatNeverLoggedInIsNotLoggedInInTheEventLog() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            net.blockGre();
            InMemoryDialIn.Client c = net.dial(a.pptpAddress(), "alice", "alice password");
            Eventually.until("the server's session for the call", () -> a.sessions().size(), n -> n == 1);
            c.hangUp();
            var events = Eventually.value(() -> a.store().events(100, null),
                    l -> l.stream().anyMatch(e -> e.message().contains(" from 127.0.0.5: ")));
            String line = events.stream().map(e -> e.message()).filter(m -> m.contains(" from 127.0.0.5: ")).findFirst()
                    .orElseThrow();
            assertTrue(line.startsWith(ApplianceSessions.NOT_LOGGED_IN + " from 127.0.0.5: "), line);
            assertEquals("(not logged in)", Eventually.value(() -> a.store().sessionHistory(10, false), r -> !r.isEmpty())
                    .stream().map(r -> ApplianceSessions.record(r).user()).findFirst().orElseThrow(),
                    "the history says the same");
        }
    }
}
