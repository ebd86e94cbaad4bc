package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.homerouter.bridge.admin.AdminCommands;
import org.junit.jupiter.api.Test;

/**
 * Taking the hold off (the owner switched "everything through the tunnel" off), with ip as a busy
 * board has it (a fake: no kernel touched). Only the kernel's "no such rule" ends a removal: a
 * timed-out ip counted as "none left", and the router said forwarded traffic may take the default
 * route again while the rules still held it, and nothing tried again.
 */
class DefaultRouteFailClosedRemovalTest {
    @Test
    void aRemovalThatTimesOutFailsRatherThanCountingAsDone() {
        List<String> ran = new CopyOnWriteArrayList<>();
        AdminCommands busy = new AdminCommands(null) {
            @Override
            public String run(String stdin, String... command) throws IOException {
                ran.add(String.join(" ", command));
                throw new IOException(String.join(" ", command) + " timed out after 10000 ms");
            }
        };
        assertThrows(IOException.class, () -> new DefaultRouteFailClosed(busy).keep(false, OptionalInt.empty()));
        assertTrue(ran.getFirst().startsWith("ip -4 rule del"), ran.toString());
    }

    @Test
    void rulesTheKernelDoesNotHaveAreNothingToRemove() throws IOException {
        List<String> ran = new CopyOnWriteArrayList<>();
        AdminCommands none = new AdminCommands(null) {
            @Override
            public String run(String stdin, String... command) throws IOException {
                ran.add(String.join(" ", command));
                throw new IOException(String.join(" ", command) + " failed (2): RTNETLINK answers: No such file or directory");
            }
        };
        new DefaultRouteFailClosed(none).keep(false, OptionalInt.empty());
        assertTrue(ran.stream().anyMatch(c -> c.startsWith("ip -6 rule del")), "both families asked: " + ran);
    }
}
