package org.homerouter.appliance;

import java.io.IOException;

/**
 * Where a session that carries a branch office's networks is given the larger share of the
 * kernel's connection table that its whole LAN needs (ServerFirewall's, on Linux): the server
 * gives it once the networks are routed into the session's device and takes it back at the
 * session's end. The engine knows nothing of it; none in memory.
 */
@FunctionalInterface
public interface BranchShares {
    /** No kernel: nothing to give. */
    BranchShares NONE = device -> () -> { };

    /** {@code device} carries a branch's networks from now on; returns what takes the larger share back. */
    Given give(String device) throws IOException;

    /** A share given to one device, taken back once (its device may be gone by then). */
    @FunctionalInterface
    interface Given {
        void takeBack() throws IOException;

        /**
         * Whether {@code other} was given to this one's device (the same kernel device, not only
         * its name: a renegotiated link has a new device, maybe of the same name): then it is this
         * share again, not one to take back apart. Unknown: no.
         */
        default boolean sameDeviceAs(Given other) {
            return false;
        }
    }
}
