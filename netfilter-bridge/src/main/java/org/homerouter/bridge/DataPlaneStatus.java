package org.homerouter.bridge;

/**
 * Whether this process can run the Linux data plane, as {@link DataPlaneProbe} found it.
 *
 * @param available both parts below work
 * @param rawGre    a raw IPPROTO_GRE socket can be opened (CAP_NET_RAW)
 * @param tun       TUN session devices can be made (/dev/net/tun and CAP_NET_ADMIN)
 * @param message   one sentence for the log and the UI saying what works or what is missing and what to do
 */
public record DataPlaneStatus(boolean available, boolean rawGre, boolean tun, String message) {
}
