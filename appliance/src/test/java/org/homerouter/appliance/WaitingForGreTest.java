package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.InMemoryUserDirectory;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.AddressPool;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.SessionEnvironment;
import org.homerouter.pptp.session.SessionListener;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;
import org.junit.jupiter.api.Test;

/**
 * While a worker's client is still connecting, the owner watching the Dashboard saw "link setup
 * (LCP)" for the 30 s LCP takes to give up, though no GRE had come at all: the one failure the
 * router could name at once. After 5 s with the call up and not one frame from the client, the
 * live row says so.
 */
class WaitingForGreTest {
    private final ManualClock clock = new ManualClock();

    @Test
    void aCallWithNoGreFromTheClientFor5SecondsSaysSoAndOneFrameEndsIt() throws Exception {
        PppSession s = serverSession();
        s.start();
        assertEquals("link setup (LCP)", ApplianceSessions.phase(s, clock.nanos()), "a client has a moment to speak");
        clock.advanceMillis(5_000);
        s.poll();
        assertEquals("link setup (LCP)", ApplianceSessions.phase(s, clock.nanos()));
        clock.advanceMillis(1_000);
        s.poll();
        assertEquals("waiting for the client's GRE (IP protocol 47): none received yet; if this lasts past 30 s, GRE"
                + " is blocked on the way (Windows error 806)", ApplianceSessions.phase(s, clock.nanos()));
        // The client's first LCP Configure-Request gets through at last: the link is being set up.
        s.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 1, 1, 0, 4}));
        assertEquals(1, s.framesReceived());
        assertEquals("link setup (LCP)", ApplianceSessions.phase(s, clock.nanos()));
    }

    /** A server session on an in-memory GRE network whose client never sends. */
    private PppSession serverSession() throws Exception {
        Inet4Address server = (Inet4Address) InetAddress.getByName("192.0.2.1");
        Inet4Address client = (Inet4Address) InetAddress.getByName("198.51.100.9");
        var transport = new InMemoryGreNetwork().bind(server);
        PppSession[] holder = new PppSession[1];
        GreChannel channel = new GreChannel(1, 2, client, transport, clock, GreChannelConfig.DEFAULTS,
                payload -> holder[0].sink().onPayload(payload));
        SessionSettings settings = new SessionSettings(SessionRole.SERVER, "test-server",
                LcpSettings.server(List.of(AuthMethod.MSCHAP_V2)), AuthPolicy.DEFAULT,
                IpcpSettings.server((Inet4Address) InetAddress.getByName("192.168.250.1"), null, null, null, null),
                Optional.of(MppePolicy.DEFAULT), Optional.empty(), "pptp");
        AddressPool pool = new AddressPool((Inet4Address) InetAddress.getByName("192.168.250.10"),
                (Inet4Address) InetAddress.getByName("192.168.250.11"));
        SessionEnvironment env = new SessionEnvironment(clock, new Random(1)::nextBytes, new InMemoryUserDirectory(), pool,
                config -> new InMemoryTunnelDevice("pptp0", config));
        holder[0] = new PppSession("call 1 (198.51.100.9)", settings, env, channel, new SessionListener() {
            @Override
            public void ended(PppSession session, org.homerouter.pptp.session.SessionEnd reason, String detail) {
            }
        });
        return holder[0];
    }
}
