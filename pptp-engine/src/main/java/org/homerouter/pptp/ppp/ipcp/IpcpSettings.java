package org.homerouter.pptp.ppp.ipcp;

import java.net.Inet4Address;
import org.homerouter.pptp.ppp.AutomatonSettings;

/**
 * What one IPCP instance asks for and offers. Name server addresses may be null: a server then
 * rejects the option (RFC 1877), so the client stops asking.
 *
 * @param localAddress our address; 0.0.0.0 to have the peer assign one
 * @param acceptAssignedAddress take the address the peer Naks us with (client side)
 * @param primaryDns offered to the peer (server side), or null
 * @param secondaryDns offered to the peer, or null
 * @param primaryNbns offered to the peer, or null
 * @param secondaryNbns offered to the peer, or null
 * @param learnDns ask the peer for primary and secondary DNS (client side)
 * @param automaton timers and counters of the negotiation automaton
 */
public record IpcpSettings(Inet4Address localAddress, boolean acceptAssignedAddress,
                           Inet4Address primaryDns, Inet4Address secondaryDns,
                           Inet4Address primaryNbns, Inet4Address secondaryNbns,
                           boolean learnDns, AutomatonSettings automaton) {

    public IpcpSettings {
        if (localAddress == null) {
            throw new IllegalArgumentException("localAddress is required (0.0.0.0 to be assigned one)");
        }
    }

    /** A server: our tunnel address, and the name servers to hand out (each may be null). */
    public static IpcpSettings server(Inet4Address localAddress, Inet4Address primaryDns, Inet4Address secondaryDns,
                                      Inet4Address primaryNbns, Inet4Address secondaryNbns) {
        return new IpcpSettings(localAddress, false, primaryDns, secondaryDns, primaryNbns, secondaryNbns, false,
                AutomatonSettings.DEFAULTS);
    }

    /** The same, handing out these DNS servers (RFC 1877 §1.1, §1.3; {@code secondary} may be null). */
    public IpcpSettings withDns(Inet4Address primary, Inet4Address secondary) {
        return new IpcpSettings(localAddress, acceptAssignedAddress, primary, secondary, primaryNbns, secondaryNbns,
                learnDns, automaton);
    }

    /** A client: asks for an address and for DNS servers, offers nothing. */
    public static IpcpSettings client() {
        return new IpcpSettings(Ipv4Octets.UNSPECIFIED, true, null, null, null, null, true, AutomatonSettings.DEFAULTS);
    }
}
