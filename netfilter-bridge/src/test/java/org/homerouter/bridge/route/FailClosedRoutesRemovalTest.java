package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.homerouter.bridge.admin.AdminCommands;
import org.junit.jupiter.api.Test;

/**
 * A network no longer reached through a tunnel (the owner removed a branch office's routes), with
 * ip as a busy board has it (a fake: no kernel touched). A removal that timed out was counted as
 * done: the unreachable route stayed, nothing tried again, and the network was unreachable every
 * way until the next start. Only the kernel's "none" (ESRCH) counts as gone.
 */
class FailClosedRoutesRemovalTest {
    private final List<String> ran = new CopyOnWriteArrayList<>();
    /** What ip's deletes answer: null for success, else the failure's words after the command. */
    private final AtomicReference<String> deletes = new AtomicReference<>();

    private final AdminCommands ip = new AdminCommands(null) {
        @Override
        public String run(String stdin, String... command) throws IOException {
            String line = String.join(" ", command);
            ran.add(line);
            String failure = deletes.get();
            if (command[3].equals("del") && failure != null) {
                throw new IOException(line + failure);
            }
            return command[3].equals("show") ? "unreachable 10.2.0.0/24 proto 99 metric 4242\n" : "";
        }
    };

    @Test
    void aRemovalThatTimesOutIsTriedAgainAtTheNextKeep() throws IOException {
        FailClosedRoutes routes = new FailClosedRoutes(ip);
        assertEquals(Set.of("10.2.0.0/24"), routes.kept());
        deletes.set(" timed out after 10000 ms");
        assertThrows(IOException.class, () -> routes.keep(List.of()));
        assertEquals(Set.of("10.2.0.0/24"), routes.kept(), "still there, still to remove");
        deletes.set(null);
        ran.clear();
        routes.keep(List.of());
        assertEquals(List.of("ip -4 route del unreachable 10.2.0.0/24 metric 4242 proto 99"), ran);
        assertEquals(Set.of(), routes.kept());
    }

    @Test
    void aRouteTheKernelDoesNotHaveIsNothingToRemove() throws IOException {
        FailClosedRoutes routes = new FailClosedRoutes(ip);
        deletes.set(" failed (2): RTNETLINK answers: No such process");
        routes.keep(List.of());
        assertEquals(Set.of(), routes.kept());
    }
}
