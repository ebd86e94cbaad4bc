package org.homerouter.pptp.gre;

/**
 * A snapshot of one {@link GreChannel}'s counters.
 *
 * @param rxPackets       payloads delivered to the sink, in order
 * @param rxBytes         payload octets delivered to the sink
 * @param txPackets       data packets sent
 * @param txBytes         payload octets sent
 * @param lost            sequence numbers given up on: never arrived within the reorder timeout, or
 *                        skipped when a packet far beyond the window arrived
 * @param reordered       packets that arrived ahead of a missing one and waited in the reorder buffer
 * @param duplicates      packets whose sequence number was already delivered or already waiting
 * @param stale           packets that arrived after their sequence number had been given up on, or
 *                        too far behind to tell
 * @param ackOnlySent     acknowledgement-only packets sent
 * @param ackOnlyReceived acknowledgement-only packets received
 * @param malformed       packets for this call that were not valid GRE or disagreed with their header
 */
public record GreChannelCounters(long rxPackets, long rxBytes, long txPackets, long txBytes, long lost,
                                 long reordered, long duplicates, long stale, long ackOnlySent,
                                 long ackOnlyReceived, long malformed) {
}
