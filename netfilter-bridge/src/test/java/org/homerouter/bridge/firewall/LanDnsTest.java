package org.homerouter.bridge.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** What the base firewall's chains hold for each state of the dial-out (nothing run here). */
class LanDnsTest {
    private static final String FLUSH = "flush chain inet homerouter lan_dns\nflush chain inet homerouter lan_dns_input\n";
    private static final String DROP = "add rule inet homerouter lan_dns drop comment \"LAN DNS held\"\n"
            + "add rule inet homerouter lan_dns_input drop comment \"LAN DNS held\"\n";

    private static Inet4Address office() throws Exception {
        return (Inet4Address) InetAddress.getByName("10.20.1.53");
    }

    @Test
    void withoutEverythingThroughTheTunnelTheRoutersOwnResolverAnswers() throws Exception {
        assertEquals(FLUSH, LanDns.rules(false, false, null));
        assertEquals(FLUSH, LanDns.rules(false, true, office()));
    }

    @Test
    void whileTheTunnelIsDownTheLansQueriesAreDropped() {
        assertEquals(FLUSH + DROP, LanDns.rules(true, false, null));
    }

    @Test
    void whileItIsUpTheyGoToTheOfficesServerAndNothingElseLeaves() throws Exception {
        assertEquals(FLUSH + "add rule inet homerouter lan_dns meta nfproto ipv4 dnat ip to 10.20.1.53"
                + " comment \"LAN DNS through the tunnel\"\n" + DROP, LanDns.rules(true, true, office()));
    }

    /** No DNS server reached through the tunnel: no names, rather than names looked up in clear. */
    @Test
    void upWithNoServerTheTunnelReachesTheyAreDroppedStill() {
        assertEquals(FLUSH + DROP, LanDns.rules(true, true, null));
    }
}
