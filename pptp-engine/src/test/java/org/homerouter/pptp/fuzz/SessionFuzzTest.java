package org.homerouter.pptp.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.InMemoryUserDirectory;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.auth.PppUser;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GrePayloadSink;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.AddressPool;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionEnvironment;
import org.homerouter.pptp.session.SessionListener;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;

/**
 * The server's whole PPP stack (LCP, MS-CHAPv2, CCP/MPPE, IPCP and the IP data path) under hostile
 * frames. A genuine engine client first takes the session as far as the fuzzer wants (any packet
 * of the real exchange can be the last one delivered), then forged frames arrive straight at the
 * server's PPP layer, interleaved with more genuine traffic and time. Whatever happens: nothing is
 * thrown, and once the server hangs up the session ends, its pool address is free again and its
 * tunnel device is closed, so no input can leak addresses or devices.
 */
class SessionFuzzTest {
    private static final InetAddress SERVER = address(10, 0, 0, 1);
    private static final InetAddress CLIENT = address(10, 0, 0, 2);

    @FuzzTest(maxDuration = "10s")
    void hostileFramesNeverLeakTheAddressOrTheDevice(FuzzedDataProvider data) throws Exception {
        Pair pair = new Pair();
        int genuine = data.consumeInt(0, 40);
        for (int i = 0; i < genuine && pair.network.deliverNext(); i++) {
            // the real exchange, up to the point the fuzzer chose
        }
        while (data.remainingBytes() > 0) {
            switch (data.consumeInt(0, 3)) {
                case 0 -> pair.network.deliverNext();
                case 1 -> {
                    pair.clock.advanceMillis(data.consumeInt(0, 30_000));
                    pair.server.poll();
                    pair.client.poll();
                }
                default -> pair.serverSink.onPayload(ByteBuffer.wrap(data.consumeBytes(data.consumeInt(0, 1500))));
            }
        }
        pair.server.close("the fuzz run is over");
        for (int round = 0; round < 120 && pair.serverEnd == null; round++) {
            pair.network.deliverAll();
            pair.clock.advanceMillis(1000);
            pair.server.poll();
            pair.client.poll();
        }
        assertTrue(pair.serverEnd != null, "the server session ends after it hangs up");
        assertEquals(0, pair.pool.inUse(), "the pool address is free again");
        for (InMemoryTunnelDevice d : pair.devices) {
            assertTrue(d.isClosed(), "tunnel device " + d.name() + " closed");
        }
    }

    /** A server session and a genuine client session joined by in-memory GRE. */
    private static final class Pair {
        final ManualClock clock = new ManualClock();
        final InMemoryGreNetwork network = new InMemoryGreNetwork();
        final AddressPool pool = new AddressPool((Inet4Address) address(192, 168, 250, 10),
                (Inet4Address) address(192, 168, 250, 11));
        final List<InMemoryTunnelDevice> devices = new ArrayList<>();
        final PppSession server;
        final PppSession client;
        final GrePayloadSink serverSink;
        SessionEnd serverEnd;

        Pair() {
            Optional<MppePolicy> mppe = Optional.of(MppePolicy.DEFAULT);
            SessionSettings serverSettings = new SessionSettings(SessionRole.SERVER, "fuzz-server",
                    LcpSettings.server(List.of(AuthMethod.MSCHAP_V2)), AuthPolicy.DEFAULT,
                    IpcpSettings.server((Inet4Address) address(192, 168, 250, 1), null, null, null, null), mppe,
                    Optional.empty(), "pptp");
            SessionSettings clientSettings = new SessionSettings(SessionRole.CLIENT, "fuzz-client",
                    LcpSettings.client(List.of(AuthMethod.MSCHAP_V2)), AuthPolicy.DEFAULT, IpcpSettings.client(), mppe,
                    Optional.of(new PeerCredentials("User", "clientPass")), "ppp");
            InMemoryUserDirectory users = new InMemoryUserDirectory(PppUser.withPassword("User", "clientPass"));
            SessionEnvironment serverEnv = new SessionEnvironment(clock, new Random(1)::nextBytes, users, pool,
                    config -> {
                        InMemoryTunnelDevice d = new InMemoryTunnelDevice("pptp" + devices.size(), config);
                        devices.add(d);
                        return d;
                    });
            SessionEnvironment clientEnv = new SessionEnvironment(clock, new Random(2)::nextBytes, null, null,
                    config -> new InMemoryTunnelDevice("ppp", config));
            server = session(serverSettings, serverEnv, SERVER, CLIENT, 1, 2, end -> serverEnd = end);
            client = session(clientSettings, clientEnv, CLIENT, SERVER, 2, 1, end -> { });
            serverSink = server.sink();
            server.start();
            client.start();
        }

        private PppSession session(SessionSettings settings, SessionEnvironment env, InetAddress self,
                                   InetAddress peer, int localCall, int peerCall,
                                   java.util.function.Consumer<SessionEnd> ended) {
            GreTransport transport = network.bind(self);
            GreDemux demux = new GreDemux();
            transport.setReceiver(demux);
            PppSession[] holder = new PppSession[1];
            GreChannel channel = new GreChannel(localCall, peerCall, peer, transport, clock, GreChannelConfig.DEFAULTS,
                    payload -> holder[0].sink().onPayload(payload));
            demux.register(channel);
            holder[0] = new PppSession("fuzz " + settings.role(), settings, env, channel, new SessionListener() {
                @Override
                public void ended(PppSession s, SessionEnd reason, String detail) {
                    ended.accept(reason);
                }
            });
            return holder[0];
        }
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
