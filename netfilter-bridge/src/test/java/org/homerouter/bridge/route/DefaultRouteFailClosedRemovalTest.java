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
        AdminCommands busy = failingWith(" timed out after 10000 ms", ran);
        assertThrows(IOException.class, () -> new DefaultRouteFailClosed(busy).keep(false, OptionalInt.empty()));
        assertTrue(ran.getFirst().startsWith("ip -4 rule del"), ran.toString());
    }

    @Test
    void rulesTheKernelDoesNotHaveAreNothingToRemove() throws IOException {
        List<String> ran = new CopyOnWriteArrayList<>();
        AdminCommands none = failingWith(" failed (2): RTNETLINK answers: No such file or directory", ran);
        new DefaultRouteFailClosed(none).keep(false, OptionalInt.empty());
        assertTrue(ran.stream().anyMatch(c -> c.startsWith("ip -6 rule del")), "both families asked: " + ran);
    }

    /**
     * Holding, an earlier firmware's rule that cannot be removed now stays (harmless beside the new
     * ones): the hold is in, and is not reported as failed.
     */
    @Test
    void aLeftoverThatCannotBeRemovedNowDoesNotFailTheHold() throws IOException {
        List<String> ran = new CopyOnWriteArrayList<>();
        AdminCommands slowDeletes = new AdminCommands(null) {
            @Override
            public String run(String stdin, String... command) throws IOException {
                ran.add(String.join(" ", command));
                if (command[3].equals("del")) {
                    throw new IOException(String.join(" ", command) + " timed out after 10000 ms");
                }
                return "";
            }
        };
        new DefaultRouteFailClosed(slowDeletes).keep(true, OptionalInt.of(1723));
        assertTrue(ran.stream().anyMatch(c -> c.startsWith("ip -4 rule del")), "a leftover was to go: " + ran);
        assertTrue(ran.stream().anyMatch(c -> c.startsWith("ip -4 rule add")), ran.toString());
    }

    /** ip failing every command with {@code after} its words, each command noted in {@code ran}. */
    private static AdminCommands failingWith(String after, List<String> ran) {
        return new AdminCommands(null) {
            @Override
            public String run(String stdin, String... command) throws IOException {
                ran.add(String.join(" ", command));
                throw new IOException(String.join(" ", command) + after);
            }
        };
    }
}
