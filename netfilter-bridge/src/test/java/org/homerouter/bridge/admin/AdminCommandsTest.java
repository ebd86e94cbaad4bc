package org.homerouter.bridge.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ALG's queue reader runs ip and nft while every queued PPTP packet waits for its verdict: a
 * tool that hangs must cost the timeout, not the router's passthrough.
 */
// A regression blocks in a pipe, which no interrupt ends: fail from a separate thread instead of hanging the build.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AdminCommandsTest {
    @Test
    void aToolThatHangsIsKilledAtTheTimeout() {
        AdminCommands commands = new AdminCommands(null, Duration.ofMillis(300));
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> commands.run(null, "sleep", "30"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(millis < 5_000, "gave up after " + millis + " ms");
    }

    @Test
    void outputInputAndFailuresComeThrough() throws Exception {
        AdminCommands commands = new AdminCommands(null);
        assertEquals("ruleset\n", commands.run("ruleset\n", "cat"));
        String big = "x".repeat(200_000) + "\n";
        assertEquals(big, commands.run(big, "cat"), "more than a pipe holds, both ways");
        IOException e = assertThrows(IOException.class, () -> commands.run(null, "sh", "-c", "echo no such table >&2; exit 3"));
        assertTrue(e.getMessage().contains("failed (3): no such table"), e.getMessage());
    }
}
