package org.homerouter.bridge.ffm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The C structs the bridge hands to the kernel, declared member by member from the headers named
 * on each, with offsets computed (never typed in) so that they hold on every ABI the appliance
 * ships for.
 */
public final class Structs {
    private Structs() {
    }

    /** Network byte order for the fields that travel in it. */
    public static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Network byte order for the fields that travel in it. */
    public static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /**
     * linux/in.h {@code struct sockaddr_in}: family (host order), port and address (network order),
     * eight octets of zero padding up to the size of {@code struct sockaddr}.
     */
    public static final StructLayout SOCKADDR_IN = CStruct.of("sockaddr_in",
            LibC.C_SHORT.withName("sin_family"),
            ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withName("sin_port"),
            ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN).withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"));

    /** linux/if.h IFNAMSIZ: interface names are at most 15 characters plus the terminating NUL. */
    public static final int IFNAMSIZ = 16;

    /** linux/if.h {@code struct ifmap}: the largest member of ifreq's union on most ABIs. */
    private static final StructLayout IFMAP = CStruct.of("ifmap",
            LibC.C_LONG.withName("mem_start"),
            LibC.C_LONG.withName("mem_end"),
            LibC.C_SHORT.withName("base_addr"),
            ValueLayout.JAVA_BYTE.withName("irq"),
            ValueLayout.JAVA_BYTE.withName("dma"),
            ValueLayout.JAVA_BYTE.withName("port"));

    /**
     * linux/if.h {@code struct ifreq}: the name, then a union of which the bridge uses
     * {@code ifr_addr} (a sockaddr_in for AF_INET), {@code ifr_flags} (short) and {@code ifr_mtu}
     * (int). 40 octets on 64-bit Linux, 32 on 32-bit ARM.
     */
    public static final StructLayout IFREQ = CStruct.of("ifreq",
            MemoryLayout.sequenceLayout(IFNAMSIZ, ValueLayout.JAVA_BYTE).withName("ifr_name"),
            // ifr_ifru: if_settings (two unsigned ints and a pointer) and the name-sized members
            // are never larger than ifmap, so these members give the union its C size.
            MemoryLayout.unionLayout(
                    SOCKADDR_IN.withName("ifr_addr"),
                    LibC.C_SHORT.withName("ifr_flags"),
                    LibC.C_INT.withName("ifr_mtu"),
                    IFMAP.withName("ifr_map"),
                    MemoryLayout.sequenceLayout(IFNAMSIZ, ValueLayout.JAVA_BYTE).withName("ifr_newname"),
                    LibC.C_POINTER.withName("ifr_data")).withName("ifr_ifru"));
    /** Offset of ifreq's union (ifr_addr, ifr_flags, ifr_mtu all start there). */
    public static final long IFREQ_UNION = IFREQ.byteOffset(groupElement("ifr_ifru"));

    /** asm-generic/poll.h {@code struct pollfd}: int fd; short events; short revents. */
    public static final StructLayout POLLFD = CStruct.of("pollfd",
            LibC.C_INT.withName("fd"),
            LibC.C_SHORT.withName("events"),
            LibC.C_SHORT.withName("revents"));
    public static final long POLLFD_EVENTS = POLLFD.byteOffset(groupElement("events"));
    public static final long POLLFD_REVENTS = POLLFD.byteOffset(groupElement("revents"));

    /**
     * linux/eventpoll.h {@code struct epoll_event} {u32 events; u64 data}: the kernel declares it
     * packed on x86_64 (EPOLL_PACKED), so there it is 12 octets with data at offset 4; elsewhere
     * (arm64, armhf) it is naturally aligned, 16 octets with data at offset 8.
     */
    public static final StructLayout EPOLL_EVENT = epollEvent(System.getProperty("os.arch"));
    public static final long EPOLL_EVENT_DATA = EPOLL_EVENT.byteOffset(groupElement("data"));

    static StructLayout epollEvent(String arch) {
        String a = arch.toLowerCase(Locale.ROOT);
        boolean packed = a.equals("amd64") || a.equals("x86_64") || a.equals("x86") || a.matches("i[3-6]86");
        return packed
                ? MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("events"),
                        ValueLayout.JAVA_LONG_UNALIGNED.withName("data")).withName("epoll_event")
                : CStruct.of("epoll_event", ValueLayout.JAVA_INT.withName("events"),
                        ValueLayout.JAVA_LONG.withName("data"));
    }

    /** linux/uio.h {@code struct iovec}: base pointer and length. */
    public static final StructLayout IOVEC = CStruct.of("iovec",
            LibC.C_POINTER.withName("iov_base"),
            LibC.C_SIZE_T.withName("iov_len"));

    /** sys/socket.h (glibc) {@code struct msghdr}, matching the kernel's user_msghdr. */
    public static final StructLayout MSGHDR = CStruct.of("msghdr",
            LibC.C_POINTER.withName("msg_name"),
            LibC.C_INT.withName("msg_namelen"),
            LibC.C_POINTER.withName("msg_iov"),
            LibC.C_SIZE_T.withName("msg_iovlen"),
            LibC.C_POINTER.withName("msg_control"),
            LibC.C_SIZE_T.withName("msg_controllen"),
            LibC.C_INT.withName("msg_flags"));

    /** sys/socket.h {@code struct mmsghdr} for recvmmsg(2) and sendmmsg(2): a msghdr and the octets received or sent. */
    public static final StructLayout MMSGHDR = CStruct.of("mmsghdr",
            MSGHDR.withName("msg_hdr"),
            LibC.C_INT.withName("msg_len"));
    public static final long MMSGHDR_LEN = MMSGHDR.byteOffset(groupElement("msg_len"));
    public static final long MMSGHDR_FLAGS = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_flags"));

    /** Writes an AF_INET sockaddr_in for {@code address} and {@code port} at {@code at}. */
    public static void putSockaddrIn(MemorySegment at, Inet4Address address, int port) {
        at.fill((byte) 0);
        at.set(LibC.C_SHORT, 0, (short) LibC.AF_INET);
        at.set(BE_SHORT, 2, (short) port);
        at.set(BE_INT, 4, ipv4(address));
    }

    // cmsg(3): a control message is a struct cmsghdr (size_t len; int level; int type), then its
    // data, each part aligned to a size_t (glibc's CMSG_ALIGN).
    private static final long CMSG_HEADER = align(LibC.C_SIZE_T.byteSize() + 8);
    private static final long IN_PKTINFO_SIZE = 12; // int ipi_ifindex; in_addr ipi_spec_dst, ipi_addr
    /** CMSG_SPACE(sizeof(struct in_pktinfo)): room for one IP_PKTINFO control message. */
    public static final long PKTINFO_SPACE = CMSG_HEADER + align(IN_PKTINFO_SIZE);
    private static final int SOL_IP = 0;
    private static final int IP_PKTINFO = 8;

    private static long align(long length) {
        long to = LibC.C_SIZE_T.byteSize();
        return (length + to - 1) & -to;
    }

    /**
     * Writes at {@code at} ({@link #PKTINFO_SPACE} octets) the IP_PKTINFO control message that
     * sends a datagram from {@code source} (ip(7): ipi_spec_dst picks the source address; the
     * interface is left to the routing table).
     */
    public static void putPktinfoSource(MemorySegment at, Inet4Address source) {
        at.asSlice(0, PKTINFO_SPACE).fill((byte) 0);
        putSize(at, 0, CMSG_HEADER + IN_PKTINFO_SIZE);
        at.set(LibC.C_INT, LibC.C_SIZE_T.byteSize(), SOL_IP);
        at.set(LibC.C_INT, LibC.C_SIZE_T.byteSize() + 4, IP_PKTINFO);
        at.set(BE_INT, CMSG_HEADER + 4, ipv4(source));
    }

    /** The address as a big-endian int (a.b.c.d is a<<24|b<<16|c<<8|d). */
    public static int ipv4(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
    }

    /** Writes {@code name} NUL-terminated into ifreq's ifr_name. */
    public static void putIfName(MemorySegment ifreq, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length >= IFNAMSIZ || bytes.length == 0) {
            throw new IllegalArgumentException("interface name must be 1.." + (IFNAMSIZ - 1) + " characters: " + name);
        }
        ifreq.asSlice(0, IFNAMSIZ).fill((byte) 0);
        MemorySegment.copy(bytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /** Reads ifreq's ifr_name (what the kernel wrote back, e.g. after TUNSETIFF). */
    public static String ifName(MemorySegment ifreq) {
        return ifreq.asSlice(0, IFNAMSIZ).getString(0, StandardCharsets.US_ASCII);
    }

    /** Stores a size_t, whatever its width. */
    public static void putSize(MemorySegment at, long offset, long value) {
        if (LibC.C_SIZE_T.byteSize() == 8) {
            at.set(ValueLayout.JAVA_LONG, offset, value);
        } else {
            at.set(ValueLayout.JAVA_INT, offset, Math.toIntExact(value));
        }
    }
}
