package org.homerouter.bridge.nfqueue;

/**
 * One packet the kernel queued: its id (for the verdict) and the whole IPv4 datagram, which the
 * caller may rewrite in place and hand back with {@link NfQueueSocket#verdict}.
 */
public record QueuedPacket(int id, byte[] packet) {
}
