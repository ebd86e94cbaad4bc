package org.homerouter.appliance;

import java.io.IOException;
import java.util.Optional;
import org.homerouter.bridge.netns.NamespaceLock;

/**
 * The service's sign to the other programs in its network namespace that it runs there: a name it
 * holds while it runs ({@link NamespaceLock}: the kernel drops it when the process ends, however
 * it ends). Not the data directory's lock: the {@code passthrough} command is given no data
 * directory, and what it would clash with (the router's call IDs, its inbound forward's table,
 * its firewall) belongs to the namespace, not to a database.
 */
final class RunningService {
    static final String NAME = "homerouter-service";

    private RunningService() {
    }

    /** Takes the name for this process's lifetime; empty when another service holds it here. */
    static Optional<NamespaceLock> mark() throws IOException {
        return Optional.ofNullable(NamespaceLock.tryAcquire(null, NAME));
    }

    /** Whether a service runs in this process's network namespace now. */
    static boolean runsHere() throws IOException {
        return NamespaceLock.held(null, NAME);
    }
}
