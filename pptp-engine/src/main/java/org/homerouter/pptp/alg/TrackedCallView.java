package org.homerouter.pptp.alg;

import java.net.Inet4Address;
import java.time.Duration;

/**
 * One tracked call as the UI shows it.
 *
 * @param serverCallId -1 until the server has answered
 * @param bytesToClient GRE octets the data plane forwarded server to client (as last reported)
 * @param bytesToServer GRE octets forwarded client to server
 */
public record TrackedCallView(Inet4Address client, Inet4Address server, int clientCallId, int natCallId, int serverCallId,
                              String state, long bytesToClient, long bytesToServer, Duration age) {
}
