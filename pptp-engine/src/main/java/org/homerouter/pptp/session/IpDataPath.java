package org.homerouter.pptp.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.mppe.MppeDecryptResult;
import org.homerouter.pptp.mppe.MppeDecryptor;
import org.homerouter.pptp.mppe.MppeEncryptor;
import org.homerouter.pptp.mppe.MppeHeader;
import org.homerouter.pptp.ppp.HeaderCompression;
import org.homerouter.pptp.ppp.PppFrame;
import org.homerouter.pptp.ppp.PppProtocol;
import org.homerouter.pptp.tunnel.TunnelDevice;

/**
 * The steady-state IP path of one PPP session, both directions:
 * <pre>
 *   tunnel device -> [0x0021 + IP] -> MPPE encrypt -> PPP 0x00FD frame -> GRE channel
 *   GRE channel -> PPP 0x00FD -> MPPE decrypt -> 0x0021/0x0057 -> tunnel device
 * </pre>
 * With encryption negotiated, unencrypted IP (0x0021 straight in the PPP frame) is refused in
 * both directions (RFC 3078 §4 leaves it to policy; a server that requires MPPE must never let
 * cleartext through). Scratch buffers are allocated once per session and reused: the path
 * allocates nothing per packet. Each direction is serialised by its own lock because the tunnel
 * reader and the GRE receiver run on different threads. What it carries is counted in its
 * session's {@link TrafficCounters}, which outlive it.
 */
public final class IpDataPath {
    /** What the data path needs its session to do; called from the GRE receive thread. */
    public interface Events {
        /** Stateful MPPE lost sync: ask the peer for a CCP Reset-Request. */
        void resetRequired();

        /** Too many undecryptable packets in a row (Linux ppp_mppe's sanity limit): drop the link. */
        void tooManyBadPackets();
    }

    /**
     * Why a packet did not make it; counted for the session's statistics and diagnostics.
     * NOT_IP: not IPv4, the only network protocol the session carries.
     */
    public enum Drop { UNENCRYPTED_REFUSED, DECRYPT_FAILED, RESET_REQUIRED, NOT_IP, TOO_LONG, SEND_FAILED }

    private final GreChannel channel;
    private final TunnelDevice device;
    private final MppeEncryptor encryptor;
    private final MppeDecryptor decryptor;
    private final HeaderCompression compression;
    private final int mtu;
    private final Object txLock;
    private final ByteBuffer txPlain;
    private final ByteBuffer txFrame;
    private final LongAdder[] drops = new LongAdder[Drop.values().length];
    private final TrafficCounters traffic;
    private final Events events;

    /**
     * @param encryptor    null when no MPPE was negotiated (then decryptor is null too)
     * @param compression  the header compression the peer agreed to receive (LCP PFC/ACFC)
     * @param mtu          the largest IP packet the peer takes (its MRU)
     * @param events       reset requests and link failures go to the session
     */
    public IpDataPath(GreChannel channel, TunnelDevice device, MppeEncryptor encryptor, MppeDecryptor decryptor,
                      HeaderCompression compression, int mtu, Events events) {
        this(channel, device, encryptor, decryptor, compression, mtu, events, new TrafficCounters());
    }

    /** As above, counting into {@code traffic}: the session's, which its earlier paths counted into too. */
    public IpDataPath(GreChannel channel, TunnelDevice device, MppeEncryptor encryptor, MppeDecryptor decryptor,
                      HeaderCompression compression, int mtu, Events events, TrafficCounters traffic) {
        if ((encryptor == null) != (decryptor == null)) {
            throw new IllegalArgumentException("encryption is both directions or neither");
        }
        this.channel = channel;
        this.device = device;
        this.encryptor = encryptor;
        this.decryptor = decryptor;
        this.compression = compression;
        this.mtu = mtu;
        this.events = events;
        this.traffic = traffic;
        this.txLock = traffic.txLock;
        this.txPlain = ByteBuffer.allocate(mtu + 2);
        this.txFrame = ByteBuffer.allocate(PppFrame.MAX_HEADER_LENGTH + MppeHeader.LENGTH + mtu + 2);
        for (int i = 0; i < drops.length; i++) {
            drops[i] = new LongAdder();
        }
    }

    public boolean encrypted() {
        return encryptor != null;
    }

    /** An IP packet the OS routed into the session's device: send it to the peer. */
    public void fromTunnel(ByteBuffer ip) {
        int len = ip.remaining();
        if (len > mtu) {
            // The device's MTU equals the peer's MRU, so only a misconfigured device gets here.
            drops[Drop.TOO_LONG.ordinal()].increment();
            return;
        }
        if (!isIpv4(ip)) {
            drops[Drop.NOT_IP.ordinal()].increment();
            return;
        }
        synchronized (txLock) {
            txFrame.clear();
            if (encryptor != null) {
                txPlain.clear();
                txPlain.put((byte) 0).put((byte) PppProtocol.IPV4).put(ip).flip();
                PppFrame.writeHeader(txFrame, PppProtocol.COMPRESSED_DATAGRAM, compression);
                encryptor.encrypt(txPlain, txFrame);
            } else {
                PppFrame.writeHeader(txFrame, PppProtocol.IPV4, compression);
                txFrame.put(ip);
            }
            txFrame.flip();
            try {
                channel.sendBatched(txFrame);
                traffic.sent(len);
            } catch (IOException e) {
                drops[Drop.SEND_FAILED.ordinal()].increment();
            }
        }
    }

    /**
     * The device's burst of {@link #fromTunnel} packets is over: the GRE packets it produced, held
     * by the transport, go out now (one system call for the burst on Linux). Packets that fail
     * then are counted as {@link Drop#SEND_FAILED} (they were already counted as sent).
     */
    public void endOfBurst() {
        int failed = channel.flush();
        if (failed > 0) {
            drops[Drop.SEND_FAILED.ordinal()].add(failed);
        }
    }

    /**
     * A PPP frame's information field for one of the data protocols (0x00FD, 0x0021, 0x0057),
     * from the GRE receive thread. The buffer is decrypted in place. Only IPv4 reaches the device.
     */
    public void fromPeer(int protocol, ByteBuffer information) {
        if (protocol == PppProtocol.COMPRESSED_DATAGRAM) {
            if (decryptor == null) {
                drops[Drop.DECRYPT_FAILED.ordinal()].increment();
                return;
            }
            MppeDecryptResult r = decryptor.decrypt(information);
            if (r.wantsReset()) {
                // Also while awaiting the flush: CCP resends its Reset-Request only as packets keep failing.
                drops[Drop.RESET_REQUIRED.ordinal()].increment();
                events.resetRequired();
                return;
            }
            if (r == MppeDecryptResult.LINK_FAILURE) {
                drops[Drop.DECRYPT_FAILED.ordinal()].increment();
                events.tooManyBadPackets();
                return;
            }
            if (r != MppeDecryptResult.DELIVERED) {
                drops[Drop.DECRYPT_FAILED.ordinal()].increment();
                return;
            }
            // Inside MPPE the protocol field may be compressed too (RFC 3078 §3; Linux undoes PFC here).
            int inner = PppFrame.readHeader(information);
            deliver(inner, information);
        } else if (encryptor != null) {
            drops[Drop.UNENCRYPTED_REFUSED.ordinal()].increment();
        } else {
            deliver(protocol, information);
        }
    }

    private void deliver(int protocol, ByteBuffer ip) {
        // IPv4 only, by the PPP protocol and by the packet itself: IPCP is the only network
        // protocol negotiated (IPv6CP is Protocol-Rejected), and the OS reads the IP version from
        // the packet's first nibble, not from PPP. IPv6 let in here would bypass the address the
        // session was given (any source, forwarded to the LAN and beyond, where IPv4 has rp_filter).
        if (protocol != PppProtocol.IPV4 || !isIpv4(ip)) {
            drops[Drop.NOT_IP.ordinal()].increment();
            return;
        }
        int len = ip.remaining();
        try {
            device.write(ip);
            traffic.received(len);
        } catch (IOException e) {
            drops[Drop.SEND_FAILED.ordinal()].increment();
        }
    }

    /**
     * Whether the packet is IPv4 by its version nibble: the session negotiated IPCP only, so IPv6
     * the OS routes into the device (router solicitations, say) is not sent either.
     */
    private static boolean isIpv4(ByteBuffer ip) {
        return ip.hasRemaining() && (ip.get(ip.position()) & 0xF0) == 0x40;
    }

    public long drops(Drop reason) {
        return drops[reason.ordinal()].sum();
    }

    /** What this path and the session's earlier ones carried (the counters it was given). */
    public TrafficCounters traffic() {
        return traffic;
    }

    /** IP octets delivered to the device from the peer, on this path and the session's earlier ones. */
    public long bytesIn() {
        return traffic.bytesIn();
    }

    /** IP octets sent to the peer, on this path and the session's earlier ones. */
    public long bytesOut() {
        return traffic.bytesOut();
    }

    public long packetsIn() {
        return traffic.packetsIn();
    }

    public long packetsOut() {
        return traffic.packetsOut();
    }
}
