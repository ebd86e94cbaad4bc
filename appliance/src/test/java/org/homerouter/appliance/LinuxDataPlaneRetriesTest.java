package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The server's firewall rules at start: nft timing out once on a busy boot must not leave every VPN client refused. */
class LinuxDataPlaneRetriesTest {
    private static final List<Duration> THREE_PAUSES = List.of(Duration.ZERO, Duration.ZERO, Duration.ZERO);

    @Test
    void aChangeThatFailsAtFirstIsTriedAgainUntilItIsIn() throws IOException {
        AtomicInteger tries = new AtomicInteger();
        LinuxDataPlane.withRetries("the rules", () -> {
            if (tries.incrementAndGet() < 3) {
                throw new IOException("nft: timed out after 10 s");
            }
        }, THREE_PAUSES);
        assertEquals(3, tries.get());
    }

    @Test
    void aChangeThatNeverGoesInFailsAfterTheLastPauseSayingHowOftenItWasTried() {
        AtomicInteger tries = new AtomicInteger();
        IOException e = assertThrows(IOException.class, () -> LinuxDataPlane.withRetries("the rules", () -> {
            tries.incrementAndGet();
            throw new IOException("nft: timed out after 10 s");
        }, THREE_PAUSES));
        assertEquals(4, tries.get());
        assertTrue(e.getMessage().startsWith("nft: timed out after 10 s (4 tries)"), e.getMessage());
    }
}
