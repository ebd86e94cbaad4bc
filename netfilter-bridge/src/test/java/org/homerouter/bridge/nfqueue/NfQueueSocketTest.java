package org.homerouter.bridge.nfqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The queue socket against the kernel, in a namespace the test makes. */
@Tag("root")
class NfQueueSocketTest {
    private static final int QUEUE = 11;

    /**
     * A verdict the kernel refuses comes back later, as a netlink error among the queued packets;
     * it was read and thrown away, so a verdict that let nothing go left no trace. Now it is
     * counted, with its reason, for the ALG to report.
     */
    @Test
    void aVerdictTheKernelRefusesLaterIsCountedWithItsReason() throws Exception {
        try (Netns ns = Netns.create("nfq")) {
            NfQueueSocket socket = NetworkNamespace.call(ns.name(), () -> NfQueueSocket.bind(QUEUE));
            try {
                socket.verdict(0x7654321, true, null); // no packet of that id is queued
                assertNull(socket.receive(500), "nothing queued");
                assertEquals(1, socket.verdictsRefused());
                assertTrue(socket.lastRefusal().contains("[ENOENT]"), socket.lastRefusal());
                assertEquals(0, socket.overruns());
            } finally {
                socket.close();
            }
        }
    }
}
