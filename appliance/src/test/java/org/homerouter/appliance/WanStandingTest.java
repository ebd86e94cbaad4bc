package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.List;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.WanSide;
import org.homerouter.webui.api.WanSide.Standing;
import org.homerouter.webui.api.WanSide.VpnPort;
import org.junit.jupiter.api.Test;

class WanStandingTest {
    private static final InetSocketAddress EVERY = new InetSocketAddress("0.0.0.0", 1723);

    private static Subnet wan(String address) {
        return new Subnet("eth0", Ipv4.parse(address), 24);
    }

    private static WanSide of(List<Subnet> wans, InetSocketAddress listening) {
        return WanStanding.of(wans, true, 1723, listening, true, false);
    }

    @Test
    void theAddressesSayWhetherTheInternetCanReachTheRouter() {
        WanSide pub = of(List.of(wan("203.0.113.7")), EVERY);
        assertEquals(List.of("203.0.113.7 on eth0"), pub.addresses());
        assertEquals(Standing.PUBLIC, pub.standing());
        assertEquals(Standing.PRIVATE, of(List.of(wan("192.168.0.57")), EVERY).standing());
        assertEquals(Standing.SHARED, of(List.of(wan("100.72.14.9")), EVERY).standing());
        // A public address among others is where the internet reaches it; the shared range only without one.
        assertEquals(Standing.PUBLIC, of(List.of(wan("100.72.14.9"), wan("198.51.100.4")), EVERY).standing());
        assertEquals(Standing.SHARED, of(List.of(wan("10.0.0.2"), wan("100.72.14.9")), EVERY).standing());
        assertEquals(Standing.NONE, of(List.of(), EVERY).standing());
    }

    /**
     * A server bound to one WAN address is reached there alone: the private one it listens on,
     * beside a public one, is not "reachable from the internet", and the advice names it first.
     */
    @Test
    void aServerBoundToOneWanAddressIsJudgedByThatAddress() {
        List<Subnet> both = List.of(wan("203.0.113.7"), wan("192.168.0.57"));
        WanSide bound = of(both, new InetSocketAddress("192.168.0.57", 1723));
        assertEquals(Standing.PRIVATE, bound.standing());
        assertEquals(List.of("192.168.0.57 on eth0", "203.0.113.7 on eth0"), bound.addresses());
        assertEquals(VpnPort.OPEN, bound.vpnPort());
        assertEquals(Standing.PUBLIC, of(both, EVERY).standing(), "listening on every address: the public one");
        assertEquals(Standing.PUBLIC, of(both, new InetSocketAddress("203.0.113.7", 1723)).standing());
    }

    @Test
    void theVpnPortIsOpenOnlyWhereTheServerListensAndTheFirewallAdmitsIt() {
        List<Subnet> wans = List.of(wan("203.0.113.7"));
        assertEquals(VpnPort.OPEN, of(wans, EVERY).vpnPort());
        assertEquals(VpnPort.OPEN, of(wans, new InetSocketAddress("203.0.113.7", 1723)).vpnPort());
        assertEquals(VpnPort.NOT_ON_WAN, of(wans, new InetSocketAddress("192.168.1.1", 1723)).vpnPort());
        assertEquals(VpnPort.NOT_RUNNING, of(wans, null).vpnPort());
        assertEquals(VpnPort.SERVER_OFF, WanStanding.of(wans, false, 1723, null, true, false).vpnPort());
        assertEquals(VpnPort.FIREWALL_NOT_SET, WanStanding.of(wans, true, 1723, EVERY, true, true).vpnPort());
        assertEquals(VpnPort.HOST_FIREWALL, WanStanding.of(wans, true, 1723, EVERY, false, false).vpnPort());
        assertEquals(10723, WanStanding.of(wans, true, 1723, new InetSocketAddress("0.0.0.0", 10723), true, false).port());
    }
}
