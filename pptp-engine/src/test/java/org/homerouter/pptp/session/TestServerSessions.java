package org.homerouter.pptp.session;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.InMemoryUserDirectory;
import org.homerouter.pptp.auth.PppUser;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;

/** The server's sessions as the tests at the wire use them: MS-CHAPv2, MPPE by default, one user "u". */
final class TestServerSessions {
    private TestServerSessions() {
    }

    static PppSessions create(ManualClock clock, SessionListener listener) {
        return create(clock, listener, AuthPolicy.DEFAULT);
    }

    /** The same with {@code auth}'s patience (retries, timeouts). */
    static PppSessions create(ManualClock clock, SessionListener listener, AuthPolicy auth) {
        SessionSettings settings = new SessionSettings(SessionRole.SERVER, "homerouter",
                LcpSettings.server(List.of(AuthMethod.MSCHAP_V2)), auth,
                IpcpSettings.server(v4("192.168.250.1"), null, null, null, null),
                Optional.of(MppePolicy.DEFAULT), Optional.empty(), "pptp");
        return new PppSessions(settings, new SessionEnvironment(clock, new Random(1)::nextBytes,
                new InMemoryUserDirectory(PppUser.withPassword("u", "password1")),
                new AddressPool(v4("192.168.250.10"), v4("192.168.250.19")),
                config -> new InMemoryTunnelDevice("pptp0", config)), listener);
    }

    private static Inet4Address v4(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
