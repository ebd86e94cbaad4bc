package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.mppe.MppeDecryptor;
import org.homerouter.pptp.mppe.MppeEncryptor;
import org.homerouter.pptp.mppe.MppeStartKeys;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.HeaderCompression;
import org.homerouter.pptp.ppp.PppFrame;
import org.homerouter.pptp.ppp.PppProtocol;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;
import org.homerouter.pptp.tunnel.TunnelConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Both ends of a session's IP path over in-memory GRE, keyed as MS-CHAPv2 would key them. */
class IpDataPathTest {
    // RFC 2759 §9.2 / RFC 3079 §3.5: PasswordHash of "clientPass" and the NT-Response.
    private static final byte[] NT_HASH = HexFormat.of().parseHex("44EBBA8D5312B8D611474411F56989AE");
    private static final byte[] NT_RESPONSE = HexFormat.of().parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    private static final InetAddress SERVER = InetAddress.getLoopbackAddress();
    private static final InetAddress CLIENT = addr("127.0.0.9");

    private static final IpDataPath.Events NO_EVENTS = new IpDataPath.Events() {
        @Override
        public void resetRequired() {
        }

        @Override
        public void tooManyBadPackets() {
        }
    };

    private final ManualClock clock = new ManualClock();
    private final InMemoryGreNetwork network = new InMemoryGreNetwork();
    private final List<byte[]> serverWire = new ArrayList<>();

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private record End(IpDataPath path, InMemoryTunnelDevice device) {
    }

    private End[] pair(boolean encrypted, boolean stateless) {
        GreTransport st = network.bind(SERVER);
        GreTransport ct = network.bind(CLIENT);
        GreDemux sd = new GreDemux();
        GreDemux cd = new GreDemux();
        st.setReceiver(sd);
        ct.setReceiver(cd);
        TunnelConfig cfg = new TunnelConfig("pptp", SERVER, CLIENT, 1400);
        InMemoryTunnelDevice serverDev = new InMemoryTunnelDevice("pptp0", cfg);
        InMemoryTunnelDevice clientDev = new InMemoryTunnelDevice("ppp0", cfg);
        IpDataPath[] paths = new IpDataPath[2];
        GreChannel sc = new GreChannel(100, 200, CLIENT, st, clock, GreChannelConfig.DEFAULTS, frame -> {
            byte[] copy = new byte[frame.remaining()];
            frame.duplicate().get(copy);
            serverWire.add(copy);
            int protocol = PppFrame.readHeader(frame);
            paths[0].fromPeer(protocol, frame);
        });
        GreChannel cc = new GreChannel(200, 100, SERVER, ct, clock, GreChannelConfig.DEFAULTS, frame -> {
            int protocol = PppFrame.readHeader(frame);
            paths[1].fromPeer(protocol, frame);
        });
        sd.register(sc);
        cd.register(cc);
        MppeStartKeys sk = MppeStartKeys.forServer(NT_HASH, NT_RESPONSE);
        MppeStartKeys ck = MppeStartKeys.forClient(NT_HASH, NT_RESPONSE);
        HeaderCompression full = new HeaderCompression(true, true);
        paths[0] = new IpDataPath(sc, serverDev,
                encrypted ? new MppeEncryptor(sk.send(), MppeStrength.BITS_128, stateless) : null,
                encrypted ? new MppeDecryptor(sk.receive(), MppeStrength.BITS_128, stateless) : null,
                full, 1400, NO_EVENTS);
        paths[1] = new IpDataPath(cc, clientDev,
                encrypted ? new MppeEncryptor(ck.send(), MppeStrength.BITS_128, stateless) : null,
                encrypted ? new MppeDecryptor(ck.receive(), MppeStrength.BITS_128, stateless) : null,
                HeaderCompression.NONE, 1400, NO_EVENTS);
        return new End[] {new End(paths[0], serverDev), new End(paths[1], clientDev)};
    }

    private static byte[] ipPacket(Random r, int version) {
        byte[] p = new byte[20 + r.nextInt(1380)];
        r.nextBytes(p);
        p[0] = (byte) (version << 4 | 5);
        return p;
    }

    @ParameterizedTest(name = "stateless={0}")
    @ValueSource(booleans = {true, false})
    void ipPacketsArriveByteIdenticalBothWaysAndNeverInClear(boolean stateless) {
        End[] ends = pair(true, stateless);
        Random r = new Random(7);
        List<byte[]> up = new ArrayList<>();
        List<byte[]> down = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            byte[] a = ipPacket(r, 4);
            byte[] b = ipPacket(r, 4);
            up.add(a);
            down.add(b);
            ends[1].path().fromTunnel(ByteBuffer.wrap(a));
            ends[0].path().fromTunnel(ByteBuffer.wrap(b));
            network.deliverAll();
        }
        List<byte[]> atServer = ends[0].device().written();
        List<byte[]> atClient = ends[1].device().written();
        assertEquals(2000, atServer.size());
        assertEquals(2000, atClient.size());
        for (int i = 0; i < 2000; i++) {
            assertArrayEquals(up.get(i), atServer.get(i));
            assertArrayEquals(down.get(i), atClient.get(i));
        }
        // Every frame the server received was MPPE (0x00FD), and no plaintext appears on the wire.
        for (int i = 0; i < serverWire.size(); i++) {
            ByteBuffer f = ByteBuffer.wrap(serverWire.get(i));
            assertEquals(PppProtocol.COMPRESSED_DATAGRAM, PppFrame.readHeader(f));
            byte[] plain = up.get(i);
            assertFalse(indexOf(serverWire.get(i), java.util.Arrays.copyOfRange(plain, 1, 17)) >= 0,
                    "plaintext visible on the wire");
        }
        // The counters the sessions page and the accounting log show, at both ends.
        long upOctets = up.stream().mapToLong(p -> p.length).sum();
        assertEquals(upOctets, ends[0].path().bytesIn());
        assertEquals(upOctets, ends[1].path().bytesOut());
        assertEquals(2000, ends[1].path().packetsOut());
        assertEquals(2000, ends[0].path().packetsIn());
        assertEquals(down.stream().mapToLong(p -> p.length).sum(), ends[0].path().bytesOut());
    }

    @Test
    void cleartextIpIsRefusedWhenEncryptionWasNegotiated() {
        End[] ends = pair(true, true);
        byte[] ip = ipPacket(new Random(1), 4);
        ends[0].path().fromPeer(PppProtocol.IPV4, ByteBuffer.wrap(ip));
        assertTrue(ends[0].device().written().isEmpty());
        assertEquals(1, ends[0].path().drops(IpDataPath.Drop.UNENCRYPTED_REFUSED));
    }

    @Test
    void withoutEncryptionIpTravelsAsProtocol0021() {
        End[] ends = pair(false, true);
        byte[] ip = ipPacket(new Random(2), 4);
        ends[1].path().fromTunnel(ByteBuffer.wrap(ip));
        network.deliverAll();
        assertArrayEquals(ip, ends[0].device().written().getFirst());
        assertEquals(PppProtocol.IPV4, PppFrame.readHeader(ByteBuffer.wrap(serverWire.getFirst())));
    }

    @Test
    void aStreamOfUndecryptablePacketsAsksForTheLinkToGo() {
        End[] ends = pair(true, true);
        int[] failures = {0};
        MppeStartKeys sk = MppeStartKeys.forServer(NT_HASH, NT_RESPONSE);
        IpDataPath path = new IpDataPath(null, ends[0].device(), new MppeEncryptor(sk.send(), MppeStrength.BITS_128, true),
                new MppeDecryptor(sk.receive(), MppeStrength.BITS_128, true), HeaderCompression.NONE, 1400,
                new IpDataPath.Events() {
                    @Override
                    public void resetRequired() {
                    }

                    @Override
                    public void tooManyBadPackets() {
                        failures[0]++;
                    }
                });
        // Header without the Encrypted bit (RFC 3078 §3): Linux counts these as "bogons".
        for (int i = 0; i < MppeDecryptor.DEFAULT_MAX_BAD_PACKETS + 2 && failures[0] == 0; i++) {
            path.fromPeer(PppProtocol.COMPRESSED_DATAGRAM, ByteBuffer.wrap(new byte[] {(byte) 0x80, (byte) i, 1, 2, 3, 4}));
        }
        assertEquals(1, failures[0]);
        assertTrue(ends[0].device().written().isEmpty());
    }

    @Test
    void nonIpFromTheDeviceIsNotSent() {
        End[] ends = pair(true, true);
        ends[0].path().fromTunnel(ByteBuffer.wrap(new byte[] {0x10, 1, 2, 3}));
        network.deliverAll();
        assertTrue(ends[1].device().written().isEmpty());
        assertEquals(1, ends[0].path().drops(IpDataPath.Drop.NOT_IP));
        assertEquals(0, ends[0].path().packetsOut());
        assertEquals(0, ends[0].path().bytesOut());
    }

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {true, false})
    void ipv6NeverPassesEitherWaySinceOnlyIpcpIsNegotiated(boolean encrypted) {
        // A client that sends IPv6 regardless (as protocol 0x0057, or as 0x0021 whose packet says
        // version 6: the OS goes by the packet) would reach the LAN with any source address it likes.
        End[] ends = pair(encrypted, true);
        byte[] v6 = ipPacket(new Random(3), 6);
        byte[] v4 = ipPacket(new Random(4), 4);
        if (encrypted) {
            MppeEncryptor client = new MppeEncryptor(MppeStartKeys.forClient(NT_HASH, NT_RESPONSE).send(),
                    MppeStrength.BITS_128, true);
            int[] inners = {PppProtocol.IPV6, PppProtocol.IPV4, PppProtocol.IPV4};
            byte[][] packets = {v6, v6, v4};
            for (int i = 0; i < 3; i++) {
                int inner = inners[i];
                byte[] packet = packets[i];
                ByteBuffer plain = ByteBuffer.allocate(packet.length + 2).put((byte) 0).put((byte) inner).put(packet).flip();
                ByteBuffer frame = ByteBuffer.allocate(packet.length + 16);
                client.encrypt(plain, frame);
                ends[0].path().fromPeer(PppProtocol.COMPRESSED_DATAGRAM, frame.flip());
            }
        } else {
            ends[0].path().fromPeer(PppProtocol.IPV6, ByteBuffer.wrap(v6));
            ends[0].path().fromPeer(PppProtocol.IPV4, ByteBuffer.wrap(v6));
            ends[0].path().fromPeer(PppProtocol.IPV4, ByteBuffer.wrap(v4));
        }
        assertEquals(1, ends[0].device().written().size(), "only the IPv4 packet reached the OS");
        assertArrayEquals(v4, ends[0].device().written().getFirst());
        assertEquals(2, ends[0].path().drops(IpDataPath.Drop.NOT_IP));

        // Nor does IPv6 the OS routes into the device (a router solicitation, say) go to the client.
        ends[0].path().fromTunnel(ByteBuffer.wrap(v6));
        network.deliverAll();
        assertTrue(ends[1].device().written().isEmpty());
        assertEquals(3, ends[0].path().drops(IpDataPath.Drop.NOT_IP));
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
