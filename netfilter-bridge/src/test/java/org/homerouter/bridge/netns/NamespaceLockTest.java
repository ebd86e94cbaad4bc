package org.homerouter.bridge.netns;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A name held while its lock lives, in this process's namespace (no privileges needed). */
class NamespaceLockTest {
    private static String name(String what) {
        return "homerouter-test-" + what + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @Test
    void aNameIsHeldUntilItsLockIsClosed() throws Exception {
        String name = name("held");
        try (NamespaceLock lock = NamespaceLock.tryAcquire(null, name)) {
            assertNotNull(lock);
            assertNull(NamespaceLock.tryAcquire(null, name), "taken twice");
            assertTrue(NamespaceLock.held(null, name));
        }
        assertFalse(NamespaceLock.held(null, name));
    }

    /**
     * Closing a lock twice (two owners at a shutdown) leaves alone whatever took its descriptor's
     * number since: here another lock, which would have lost its name.
     */
    @Test
    void aSecondCloseLeavesTheDescriptorsNumberToItsNewOwner() throws Exception {
        NamespaceLock first = NamespaceLock.tryAcquire(null, name("first"));
        first.close();
        String second = name("second");
        try (NamespaceLock next = NamespaceLock.tryAcquire(null, second)) {
            assertNotNull(next);
            // The lowest free number: the one the first lock freed, unless another thread took it.
            org.junit.jupiter.api.Assumptions.assumeTrue(next.fd() == first.fd(), "the number went elsewhere");
            first.close();
            assertTrue(NamespaceLock.held(null, second), "the second close closed another lock's descriptor");
        }
    }
}
