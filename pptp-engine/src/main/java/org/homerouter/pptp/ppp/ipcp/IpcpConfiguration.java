package org.homerouter.pptp.ppp.ipcp;

import java.net.Inet4Address;
import java.util.Optional;

/**
 * What IPCP agreed when it reached Opened. Name servers are the ones the client side will use:
 * learned from the peer, or handed to it.
 *
 * @param localAddress our address on the link
 * @param peerAddress the peer's address on the link
 * @param primaryDns primary DNS server (RFC 1877 type 129)
 * @param secondaryDns secondary DNS server (type 131)
 * @param primaryNbns primary NBNS (WINS) server (type 130)
 * @param secondaryNbns secondary NBNS server (type 132)
 */
public record IpcpConfiguration(Optional<Inet4Address> localAddress, Optional<Inet4Address> peerAddress,
                                Optional<Inet4Address> primaryDns, Optional<Inet4Address> secondaryDns,
                                Optional<Inet4Address> primaryNbns, Optional<Inet4Address> secondaryNbns) {
}
