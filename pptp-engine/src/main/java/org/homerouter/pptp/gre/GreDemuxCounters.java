package org.homerouter.pptp.gre;

/**
 * A snapshot of a {@link GreDemux}'s counters.
 *
 * @param routed      packets handed to a channel
 * @param malformed   packets that failed {@link GreCodec#decode}
 * @param unknownCall packets whose Call ID belongs to no registered channel
 * @param wrongSource packets for a registered call from an address other than its peer's
 */
public record GreDemuxCounters(long routed, long malformed, long unknownCall, long wrongSource) {
}
