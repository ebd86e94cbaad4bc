package org.homerouter.pptp.alg;

import java.net.Inet4Address;

/**
 * The GRE NAT of one connected call, what the data plane installs in the kernel:
 * <ul>
 *   <li>server to client: GRE from {@code server} to {@code publicAddress} with key call ID
 *       {@code natCallId} becomes GRE to {@code client} with call ID {@code clientCallId};</li>
 *   <li>client to server: GRE from {@code client} to {@code server} with call ID
 *       {@code serverCallId} (the PAC's, unchanged) leaves from {@code publicAddress}.</li>
 * </ul>
 * RFC 2637 §4.1: the GRE key's call ID is always the receiver's, so only the server-to-client
 * direction needs a call-ID rewrite.
 */
public record GreMapping(Inet4Address client, int clientCallId, Inet4Address server, int serverCallId,
                         Inet4Address publicAddress, int natCallId) {
    @Override
    public String toString() {
        return client.getHostAddress() + "#" + clientCallId + " <-> " + publicAddress.getHostAddress() + "#" + natCallId
                + " <-> " + server.getHostAddress() + "#" + serverCallId;
    }
}
