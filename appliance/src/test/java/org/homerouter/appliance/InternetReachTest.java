package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The Dashboard tells an owner whose remote clients "cannot connect" whether any of their
 * connections reach this router: none since the start means they stop before it.
 */
class InternetReachTest {
    /** Elapsed milliseconds (not the time of day, which a board's first time sync steps by decades). */
    private final AtomicLong now = new AtomicLong(123_456L);
    private final InternetReach reach = new InternetReach(now::get);

    private static Inet4Address a(String text) throws Exception {
        return (Inet4Address) InetAddress.getByName(text);
    }

    @Test
    void noneFromTheInternetSaysTheAttemptsStopBeforeTheRouterWhateverTheLanDoes() throws Exception {
        now.addAndGet(3 * 3_600_000L);
        reach.callPlaced(a("192.168.1.20")); // the owner testing from the LAN
        reach.callPlaced(a("192.168.250.10")); // a VPN client
        reach.callPlaced(a("100.72.1.1")); // the provider's shared range
        reach.callPlaced(InetAddress.getByName("2001:db8::1"));
        assertEquals("No client on the internet has placed a PPTP call with this router since the VPN server started 3"
                + " hours ago (connections that placed none, such as port scanners', do not count): if a client outside"
                + " tried meanwhile, its attempt stopped before this router (check the address it dials, and what stands"
                + " in front of this router).", reach.describe());
    }

    /** Switched on (or its port freed) later than the service: counted from then, not from the service's start. */
    @Test
    void noneSinceCountsFromWhenTheServerStartedListening() {
        now.addAndGet(5 * 86_400_000L);
        reach.listening();
        now.addAndGet(120_000);
        assertTrue(reach.describe().contains("since the VPN server started 2 minutes ago"), reach.describe());
    }

    @Test
    void theLastFromTheInternetIsNamedWithHowLongAgo() throws Exception {
        reach.callPlaced(a("198.51.100.7"));
        now.addAndGet(90_000);
        assertEquals("A client on the internet last placed a PPTP call with this router 1 minute ago, from 198.51.100.7"
                + " (connections that placed none, such as port scanners', do not count).", reach.describe());
        reach.callPlaced(a("192.168.1.20"));
        now.addAndGet(2 * 86_400_000L);
        assertTrue(reach.describe().contains("2 days ago, from 198.51.100.7 ("), reach.describe());
    }

    /**
     * Clients refused by this router's own limits on connections (here 16 from one address) placed
     * no call: the line said none had reached the router and sent the owner to what stands in
     * front of it, which had let them through.
     */
    @Test
    void connectionsRefusedByThisRoutersLimitsAreSaidToHaveReachedIt() throws Exception {
        for (int i = 0; i < 3; i++) {
            reach.refused(a("198.51.100.7"));
        }
        reach.refused(a("192.168.1.20")); // the LAN's are not the internet's
        now.addAndGet(3 * 60_000L);
        String line = reach.describe();
        assertEquals("No client on the internet has placed a PPTP call with this router since the VPN server started 3"
                + " minutes ago (connections that placed none, such as port scanners', do not count); but 3 connections"
                + " from the internet were refused by this router's own limits on control connections since the VPN"
                + " server started, the last 3 minutes ago from 198.51.100.7: they reached this router (a flood, or"
                + " more clients than the limits let in at once; the \"problem\" events on the Logs page say which"
                + " limit).", line);
        assertFalse(line.contains("stopped before this router"), line);

        reach.callPlaced(a("203.0.113.9"));
        assertTrue(reach.describe().endsWith("do not count). 3 connections from the internet were refused by this"
                + " router's own limits on control connections since the VPN server started, the last 3 minutes ago"
                + " from 198.51.100.7: they reached this router (a flood, or more clients than the limits let in at"
                + " once; the \"problem\" events on the Logs page say which limit)."), reach.describe());

        reach.listening(); // a restart for new settings: counted afresh
        assertFalse(reach.describe().contains("refused"), reach.describe());
    }

    @Test
    void onlyPublicUnicastSourcesAreTheInternet() throws Exception {
        for (String local : new String[] {"10.1.2.3", "172.16.0.1", "192.168.0.1", "100.64.0.1", "100.127.255.254",
                "127.0.0.1", "169.254.1.1", "0.0.0.0", "224.0.0.1", "255.255.255.255"}) {
            assertFalse(InternetReach.fromTheInternet(a(local)), local);
        }
        for (String internet : new String[] {"8.8.8.8", "100.63.255.255", "100.128.0.1", "172.32.0.1", "203.0.113.9"}) {
            assertTrue(InternetReach.fromTheInternet(a(internet)), internet);
        }
    }
}
