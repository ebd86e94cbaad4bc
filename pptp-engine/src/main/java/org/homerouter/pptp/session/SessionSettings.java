package org.homerouter.pptp.session;

import java.util.Optional;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;

/**
 * How one PPP session behaves.
 *
 * @param localName   our name in CHAP challenges and responses (RFC 1994 §4.1)
 * @param credentials the engine client's user name and password; empty on the server
 * @param mppe        the encryption policy; empty: no CCP at all (the peer's CCP is Protocol-Rejected)
 * @param deviceName  name hint for the session's tunnel device, e.g. "pptp"
 */
public record SessionSettings(SessionRole role, String localName, LcpSettings lcp, AuthPolicy auth,
                              IpcpSettings ipcp, Optional<MppePolicy> mppe, Optional<PeerCredentials> credentials,
                              String deviceName) {

    public SessionSettings {
        if (role == SessionRole.CLIENT && credentials.isEmpty()) {
            throw new IllegalArgumentException("a client session needs credentials");
        }
    }
}
