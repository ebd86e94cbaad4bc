package org.homerouter.bench;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.mppe.MppeDecryptor;
import org.homerouter.pptp.mppe.MppeEncryptor;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.HeaderCompression;
import org.homerouter.pptp.ppp.PppFrame;
import org.homerouter.pptp.ppp.PppProtocol;
import org.homerouter.pptp.session.IpDataPath;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Acceptance 1a: one IP packet through the engine's real per-packet path, against BouncyCastle's
 * RC4 alone over the same number of bytes.
 * <ul>
 * <li>{@code receive}: a GRE packet as the raw socket hands it over (in a native buffer, as
 * RawGreSocket's recvmmsg slots are) through {@link GreDemux} -> {@link GreChannel} (sequence
 * and reorder bookkeeping, acks) -> the session's PPP sink ({@link PppFrame#readHeader}) ->
 * {@link IpDataPath#fromPeer} (MPPE-128 decryption in place, inner protocol) -> a tunnel device
 * that discards the packet.</li>
 * <li>{@code send}: an IP packet as the tunnel device hands it over -> {@link IpDataPath#fromTunnel}
 * (protocol field, MPPE-128 encryption, PPP header) -> {@link GreChannel#send} (GRE header,
 * sequence, piggybacked ack) -> a GRE transport that discards it.</li>
 * <li>{@code rc4}: {@link RC4Engine#processBytes} over the packet's bytes with a key set once.</li>
 * <li>{@code rc4PerPacketKey}: the same plus RFC 3078 §7.3's key change done directly with
 * BouncyCastle's SHA-1 and RC4 (interim key, RC4 of it, new RC4 tables): the least any stateless
 * MPPE implementation must do per packet, with no framing at all.</li>
 * </ul>
 * The peer's packets are made by the engine's own encryptor before measuring, in a ring of
 * {@link #RING} consecutive packets; when the ring wraps, the receiving side is rebuilt (new
 * channel and decryptor starting at the same keys), so every packet decrypts to the IP packet
 * that was sent, and the rebuild's cost is spread over the ring.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms256m", "-Xmx256m"})
public class DataPathBenchmark {

    @Benchmark
    public int receive(Engine e) {
        return e.receive();
    }

    @Benchmark
    public int send(Engine e) {
        return e.send();
    }

    @Benchmark
    public byte[] rc4(Rc4 r) {
        return r.rc4();
    }

    /** Stateless MPPE's floor: RFC 3078 §7.3 key change + RC4, BouncyCastle only, no framing. */
    @Benchmark
    public byte[] rc4PerPacketKey(Rc4 r) {
        return r.rc4PerPacketKey();
    }

    /** BouncyCastle alone, over the same bytes; the mode does not matter to it. */
    @State(Scope.Thread)
    public static class Rc4 {
        @Param({"64", "512", "1400"})
        public int size;

        private final RC4Engine rc4 = new RC4Engine();
        private final SHA1Digest sha = new SHA1Digest();
        private final byte[] startKey = new byte[16];
        private final byte[] sessionKey = new byte[16];
        private final byte[] interim = new byte[20];
        private final byte[] out = new byte[2048];
        private byte[] packet;
        private static final byte[] PAD1 = new byte[40];
        private static final byte[] PAD2 = new byte[40];

        static {
            java.util.Arrays.fill(PAD2, (byte) 0xF2);
        }

        @Setup(Level.Trial)
        public void setUp() {
            new Random(42).nextBytes(startKey);
            packet = Engine.ipPacket(size);
            rc4.init(true, new KeyParameter(startKey));
        }

        byte[] rc4() {
            rc4.processBytes(packet, 0, size, out, 0);
            return out;
        }

        byte[] rc4PerPacketKey() {
            sha.reset();
            sha.update(startKey, 0, 16);
            sha.update(PAD1, 0, 40);
            sha.update(sessionKey, 0, 16);
            sha.update(PAD2, 0, 40);
            sha.doFinal(interim, 0);
            rc4.init(true, new KeyParameter(interim, 0, 16));
            rc4.processBytes(interim, 0, 16, sessionKey, 0);
            rc4.init(true, new KeyParameter(sessionKey, 0, 16));
            rc4.processBytes(packet, 0, size, out, 0);
            return out;
        }
    }

    /** The engine's two directions for one session. */
    @State(Scope.Thread)
    public static class Engine {
        static final int RING = 1024;
        private static final int LOCAL_CALL = 7;
        private static final int PEER_CALL = 9;
        private static final HeaderCompression FULL = new HeaderCompression(true, true);

        /** IP packet length. */
        @Param({"64", "512", "1400"})
        public int size;

        /** MPPE-128 mode: stateless (what Windows and the appliance negotiate) or stateful. */
        @Param({"stateless", "stateful"})
        public String mode;

        private final InetAddress peer = InetAddress.getLoopbackAddress();
        private final byte[] startKey = new byte[16];
        private final DiscardingDevice device = new DiscardingDevice();
        private final DiscardingTransport transport = new DiscardingTransport();

        // receive
        private byte[][] ring;
        private int next;
        private ByteBuffer rxSlot;
        private GreDemux demux;
        private IpDataPath rxPath;

        // send
        private IpDataPath txPath;
        private ByteBuffer ip;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            new Random(42).nextBytes(startKey);
            boolean stateless = stateless();
            byte[] ipPacket = ipPacket(size);

            // The peer: the engine's encryptor and GRE framing, RING consecutive packets.
            MppeEncryptor peerEncryptor = new MppeEncryptor(startKey, MppeStrength.BITS_128, stateless);
            ring = new byte[RING][];
            ByteBuffer plain = ByteBuffer.allocate(size + 2);
            ByteBuffer frame = ByteBuffer.allocate(size + 16);
            byte[][] sent = new byte[1][];
            GreTransport capture = new DiscardingTransport() {
                @Override
                public void send(InetAddress destination, ByteBuffer packet) {
                    sent[0] = new byte[packet.remaining()];
                    packet.get(sent[0]);
                }
            };
            GreChannel peerChannel = new GreChannel(PEER_CALL, LOCAL_CALL, peer, capture, Clock.SYSTEM,
                    GreChannelConfig.DEFAULTS, payload -> { });
            for (int i = 0; i < RING; i++) {
                plain.clear();
                plain.put((byte) 0).put((byte) PppProtocol.IPV4).put(ipPacket).flip();
                frame.clear();
                PppFrame.writeHeader(frame, PppProtocol.COMPRESSED_DATAGRAM, FULL);
                peerEncryptor.encrypt(plain, frame);
                frame.flip();
                peerChannel.send(frame);
                ring[i] = sent[0];
            }
            rxSlot = ByteBuffer.allocateDirect(2048);
            buildReceiver();
            // Prove the path delivers before timing it: a full ring must come out as the IP packet sent.
            for (int i = 0; i < RING; i++) {
                receive();
            }
            if (device.packets != RING || device.lastLength != size || rxPath.drops(IpDataPath.Drop.DECRYPT_FAILED) != 0) {
                throw new IllegalStateException("receive path did not deliver: " + device.packets + " packets of "
                        + device.lastLength + " octets");
            }

            // The sending side: our own session's encryptor over a GRE channel to the discarding transport.
            GreChannel txChannel = new GreChannel(LOCAL_CALL, PEER_CALL, peer, transport, Clock.SYSTEM,
                    GreChannelConfig.DEFAULTS, payload -> { });
            txPath = new IpDataPath(txChannel, device, new MppeEncryptor(startKey, MppeStrength.BITS_128, stateless),
                    new MppeDecryptor(startKey, MppeStrength.BITS_128, stateless), FULL, 1500, events());
            ip = ByteBuffer.wrap(ipPacket);
        }

        private boolean stateless() {
            return switch (mode) {
                case "stateless" -> true;
                case "stateful" -> false;
                default -> throw new IllegalArgumentException(mode);
            };
        }

        /** A fresh receiving side: channel, decryptor and data path as a session has after IPCP. */
        private void buildReceiver() {
            boolean stateless = stateless();
            demux = new GreDemux();
            IpDataPath[] path = new IpDataPath[1];
            GreChannel channel = new GreChannel(LOCAL_CALL, PEER_CALL, peer, transport, Clock.SYSTEM,
                    GreChannelConfig.DEFAULTS, frame -> {
                        // PppSession.onFrame for the data protocols
                        int protocol = PppFrame.readHeader(frame);
                        path[0].fromPeer(protocol, frame);
                    });
            path[0] = new IpDataPath(channel, device, new MppeEncryptor(startKey, MppeStrength.BITS_128, stateless),
                    new MppeDecryptor(startKey, MppeStrength.BITS_128, stateless), FULL, 1500, events());
            rxPath = path[0];
            demux.register(channel);
            next = 0;
        }

        private static IpDataPath.Events events() {
            return new IpDataPath.Events() {
                @Override
                public void resetRequired() {
                    throw new IllegalStateException("MPPE lost sync in the benchmark");
                }

                @Override
                public void tooManyBadPackets() {
                    throw new IllegalStateException("MPPE lost sync in the benchmark");
                }
            };
        }

        static byte[] ipPacket(int size) {
            byte[] p = new byte[size];
            new Random(size).nextBytes(p);
            p[0] = 0x45;
            return p;
        }

        int receive() {
            if (next == RING) {
                buildReceiver();
            }
            byte[] packet = ring[next++];
            rxSlot.clear();
            rxSlot.put(packet).flip();
            demux.onPacket(peer, rxSlot);
            return device.lastLength;
        }

        int send() {
            ip.position(0);
            txPath.fromTunnel(ip);
            return transport.lastLength;
        }

    }

    /** Counts and drops what the engine writes to the OS. */
    static final class DiscardingDevice implements org.homerouter.pptp.tunnel.TunnelDevice {
        long packets;
        int lastLength;

        @Override
        public String name() {
            return "bench0";
        }

        @Override
        public void write(ByteBuffer ipPacket) {
            packets++;
            lastLength = ipPacket.remaining();
        }

        @Override
        public void start(org.homerouter.pptp.tunnel.IpPacketSink sink) {
        }

        @Override
        public void close() {
        }
    }

    /** Counts and drops what the engine sends to the peer. */
    static class DiscardingTransport implements GreTransport {
        int lastLength;

        @Override
        public void send(InetAddress destination, ByteBuffer packet) {
            lastLength = packet.remaining();
        }

        @Override
        public void setReceiver(org.homerouter.pptp.gre.GrePacketReceiver receiver) {
        }

        @Override
        public void close() {
        }
    }
}
