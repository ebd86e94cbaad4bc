package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.homerouter.pptp.auth.PppUser;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ControlLink;
import org.homerouter.pptp.control.InlineControlLink;
import org.homerouter.pptp.control.ControlMessage;
import org.homerouter.pptp.control.ControlProtocol;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.OutgoingCallReply;
import org.homerouter.pptp.control.OutgoingCallRequest;
import org.homerouter.pptp.control.PacControlConnection;
import org.homerouter.pptp.control.StartControlConnectionRequest;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreCodec;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreHeader;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.PppFrame;
import org.homerouter.pptp.ppp.PppProtocol;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;
import org.junit.jupiter.api.Test;

/**
 * pptp-linux starts pppd the moment it reads our Outgoing-Call-Reply, and pppd sends its first
 * LCP Configure-Request at once. That frame can reach us before the code after the reply has run:
 * it must find the call's GRE channel and reach its PPP session, or LCP stalls for a restart
 * period. Here the peer answers inside the reply's own send, which is the earliest possible moment.
 */
class FirstFrameAfterCallReplyTest {
    private static final InetAddress SERVER = ip("127.0.0.2");
    private static final InetAddress PEER = ip("127.0.0.1");
    private static final int PEER_CALL_ID = 777;
    private static final int CONFIGURE_REQUEST = 1;
    private static final int CONFIGURE_ACK = 2;
    private static final int PEER_IDENTIFIER = 0x42;

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void thePeersFirstLcpFrameSentOnReadingTheCallReplyIsAnswered() throws Exception {
        ManualClock clock = new ManualClock();
        InMemoryGreNetwork network = new InMemoryGreNetwork();
        GreTransport serverGre = network.bind(SERVER);
        GreTransport peerGre = network.bind(PEER);
        GreDemux demux = new GreDemux();
        serverGre.setReceiver(demux);
        List<ByteBuffer> peerReceived = new ArrayList<>();
        peerGre.setReceiver((source, packet) -> {
            ByteBuffer copy = ByteBuffer.allocate(packet.remaining());
            copy.put(packet.duplicate()).flip();
            peerReceived.add(copy);
        });

        SessionSettings settings = new SessionSettings(SessionRole.SERVER, "homerouter",
                LcpSettings.server(List.of(AuthMethod.MSCHAP_V2)), AuthPolicy.DEFAULT,
                IpcpSettings.server((Inet4Address) ip("192.168.250.1"), null, null, null, null),
                Optional.of(MppePolicy.DEFAULT), Optional.empty(), "pptp");
        PppSessions sessions = new PppSessions(settings, new SessionEnvironment(clock, new Random(1)::nextBytes,
                new InMemoryUserDirectory(PppUser.withPassword("u", "password1")),
                new AddressPool((Inet4Address) ip("192.168.250.10"), (Inet4Address) ip("192.168.250.19")),
                config -> new InMemoryTunnelDevice("pptp0", config)), (s, reason, detail) -> { });
        CallTunnels tunnels = new CallTunnels(serverGre, demux, clock, GreChannelConfig.DEFAULTS, sessions::sinkFor,
                sessions);

        List<OutgoingCallReply> replies = new ArrayList<>();
        ControlLink link = new InlineControlLink(PEER, message -> {
            if (message instanceof OutgoingCallReply reply) {
                replies.add(reply);
                // The peer reads the reply and its pppd speaks before our send() has even returned.
                try {
                    peerGre.send(SERVER, lcpConfigureRequest(reply.callId()));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                network.deliverAll();
            }
        });
        PacControlConnection pac = new PacControlConnection(link, clock, ControlSettings.defaults("pac"), tunnels,
                new CallIdAllocator(8));
        pac.onMessage(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 1, "peer", "test"));
        pac.onMessage(new OutgoingCallRequest(PEER_CALL_ID, 1, 300, 100_000_000, 3, 3, 64, 0, "", ""));

        assertEquals(1, replies.size());
        assertEquals(OutgoingCallReply.RESULT_CONNECTED, replies.getFirst().resultCode());
        assertEquals(0, demux.counters().unknownCall(), "the early frame found no GRE channel");
        assertNotNull(sessions.session(replies.getFirst().callId()));

        network.deliverAll();
        List<Integer> lcpCodes = new ArrayList<>();
        boolean acked = false;
        for (ByteBuffer packet : peerReceived) {
            GreHeader h = GreCodec.decode(packet);
            if (h.payloadLength() == 0) {
                continue;
            }
            assertEquals(PEER_CALL_ID, h.callId());
            if (PppFrame.readHeader(packet) != PppProtocol.LCP) {
                continue;
            }
            int code = packet.get() & 0xFF;
            int id = packet.get() & 0xFF;
            lcpCodes.add(code);
            acked |= code == CONFIGURE_ACK && id == PEER_IDENTIFIER;
        }
        assertTrue(acked, "our LCP never acknowledged the peer's first Configure-Request; LCP codes sent: " + lcpCodes);
    }

    /** Enhanced GRE (RFC 2637 §4.1) carrying LCP Configure-Request with a Magic-Number, as pppd's first frame. */
    private static ByteBuffer lcpConfigureRequest(int toCallId) {
        byte[] ppp = {
                (byte) 0xFF, 0x03, (byte) 0xC0, 0x21,                 // Address, Control, LCP
                CONFIGURE_REQUEST, PEER_IDENTIFIER, 0x00, 0x0A,       // Code, Identifier, Length 10
                0x05, 0x06, 0x12, 0x34, 0x56, 0x78};                  // Magic-Number
        ByteBuffer out = ByteBuffer.allocate(GreHeader.MAX_LENGTH + ppp.length);
        GreCodec.encode(GreHeader.data(toCallId, ppp.length, 1), out);
        out.put(ppp).flip();
        return out;
    }
}
