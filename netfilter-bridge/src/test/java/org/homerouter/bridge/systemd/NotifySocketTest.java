package org.homerouter.bridge.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotifySocketTest {
    @TempDir
    Path dir;

    @Test
    void messagesReachTheManagersSocketOneDatagramEach() throws Exception {
        try (NotifyListener manager = NotifyListener.bind(dir.resolve("notify"))) {
            NotifySocket service = NotifySocket.fromEnvironment(Map.of("NOTIFY_SOCKET", manager.name()))
                    .orElseThrow();
            service.send("READY=1\nSTATUS=serving");
            service.send("WATCHDOG=1");
            assertEquals(Optional.of("READY=1\nSTATUS=serving"), manager.receive(Duration.ofSeconds(5)));
            assertEquals(Optional.of("WATCHDOG=1"), manager.receive(Duration.ofSeconds(5)));
            assertEquals(Optional.empty(), manager.receive(Duration.ofMillis(50)), "nothing else was sent");
        }
    }

    @Test
    void anAbstractNameIsReachedToo() throws Exception {
        String name = "@homerouter-notify-test-" + ProcessHandle.current().pid();
        try (NotifyListener manager = NotifyListener.bind(name)) {
            NotifySocket.fromEnvironment(Map.of("NOTIFY_SOCKET", name)).orElseThrow().send("STOPPING=1");
            assertEquals(Optional.of("STOPPING=1"), manager.receive(Duration.ofSeconds(5)));
        }
    }

    @Test
    void withoutAManagerThereIsNothingToNotifyAndAGoneSocketIsAnError() {
        assertTrue(NotifySocket.fromEnvironment(Map.of()).isEmpty(), "run by hand: no NOTIFY_SOCKET");
        assertTrue(NotifySocket.fromEnvironment(Map.of("NOTIFY_SOCKET", "vsock:2:999")).isEmpty());
        IOException e = assertThrows(IOException.class, () -> NotifySocket.at(dir.resolve("gone").toString()).send("WATCHDOG=1"));
        assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
    }
}
