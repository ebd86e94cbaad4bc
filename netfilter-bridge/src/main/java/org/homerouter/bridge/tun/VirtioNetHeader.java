package org.homerouter.bridge.tun;

import java.nio.ByteBuffer;

/**
 * The 10-octet {@code struct virtio_net_hdr} (linux/virtio_net.h) that a TUN device opened with
 * IFF_VNET_HDR puts before every packet it reads and expects before every packet written. It
 * carries the offloads: a packet of up to 64 KiB to be cut into TCP segments of {@code gsoSize}
 * payload octets (GSO), and a checksum left for the receiver to complete (NEEDS_CSUM). Fields are
 * in host order (little-endian on every CPU we ship for: x86-64, arm64, armhf).
 */
record VirtioNetHeader(int flags, int gsoType, int headerLength, int gsoSize, int checksumStart, int checksumOffset) {
    static final int LENGTH = 10;
    /** The checksum from {@link #checksumStart} to the end is to be computed and stored at start + offset. */
    static final int F_NEEDS_CSUM = 1;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_UDP = 3;
    static final int GSO_TCPV6 = 4;
    /** Or'ed into the GSO type: the packet has CWR set (only with TUN_F_TSO_ECN, which we do not offer). */
    static final int GSO_ECN = 0x80;

    static final VirtioNetHeader NONE = new VirtioNetHeader(0, GSO_NONE, 0, 0, 0, 0);

    static VirtioNetHeader read(ByteBuffer buffer, int at) {
        return new VirtioNetHeader(buffer.get(at) & 0xFF, buffer.get(at + 1) & 0xFF,
                le16(buffer, at + 2), le16(buffer, at + 4), le16(buffer, at + 6), le16(buffer, at + 8));
    }

    void write(ByteBuffer buffer, int at) {
        buffer.put(at, (byte) flags);
        buffer.put(at + 1, (byte) gsoType);
        putLe16(buffer, at + 2, headerLength);
        putLe16(buffer, at + 4, gsoSize);
        putLe16(buffer, at + 6, checksumStart);
        putLe16(buffer, at + 8, checksumOffset);
    }

    boolean needsChecksum() {
        return (flags & F_NEEDS_CSUM) != 0;
    }

    private static int le16(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) | (b.get(at + 1) & 0xFF) << 8;
    }

    private static void putLe16(ByteBuffer b, int at, int value) {
        b.put(at, (byte) value);
        b.put(at + 1, (byte) (value >>> 8));
    }
}
