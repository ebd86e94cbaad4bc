package org.homerouter.bridge.nfqueue;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.Structs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

import static org.homerouter.bridge.ffm.ErrnoException.check;

/**
 * One bound NFQUEUE: {@code socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)}, NFQNL_CFG_CMD_BIND
 * for AF_INET, copy-packet mode. {@link #receive} hands out whole IPv4 packets, {@link #verdict}
 * lets each one go (possibly rewritten) or drops it.
 *
 * <p>Checksums: without {@code NFQA_CFG_F_GSO} the kernel completes a partial checksum
 * ({@code skb_checksum_help} in {@code nfqnl_build_packet_message}) before copying, so a queued
 * packet's checksums are whole; a rewritten payload replaces the packet as it is
 * ({@code nfqnl_mangle} sets CHECKSUM_NONE), so whoever rewrites it fixes the checksums.
 * One thread receives and gives verdicts; the socket is not meant to be shared.
 */
public final class NfQueueSocket implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int NETLINK_NETFILTER = 12;
    private static final int BUFFER = 65536 + 4096;

    private final int queue;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final MemorySegment kernel;
    private final MemorySegment pollFd;
    private final Deque<QueuedPacket> pending = new ArrayDeque<>();
    private int fd;
    private int sequence;
    // Written by the one thread that receives and gives verdicts; read by any.
    private volatile long overruns;
    private volatile long verdictsRefused;
    private volatile String lastRefusal = "";

    private NfQueueSocket(int queue, int fd) {
        this.queue = queue;
        this.fd = fd;
        this.buffer = arena.allocate(BUFFER, 8);
        // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }
        this.kernel = arena.allocate(12, 4);
        kernel.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
        this.pollFd = arena.allocate(Structs.POLLFD);
        pollFd.set(LibC.C_INT, 0, fd);
        pollFd.set(LibC.C_SHORT, Structs.POLLFD_EVENTS, LibC.POLLIN);
    }

    /**
     * Binds queue {@code queue} for IPv4 in copy-packet mode.
     *
     * @throws ErrnoException EPERM without CAP_NET_ADMIN; EBUSY if another process holds the queue
     */
    public static NfQueueSocket bind(int queue) throws IOException {
        int fd = check("socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)",
                LibC.socket(AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NETLINK_NETFILTER));
        NfQueueSocket s;
        try {
            s = new NfQueueSocket(queue, fd);
        } catch (RuntimeException | Error e) {
            LibC.close(fd);
            throw e;
        }
        try {
            check("bind(AF_NETLINK)", LibC.bind(fd, s.kernel, 12));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment size = a.allocate(LibC.C_INT);
                size.set(LibC.C_INT, 0, 4 << 20);
                // Best effort: a bigger receive buffer rides out bursts (needs CAP_NET_ADMIN, which we have).
                LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, size, 4);
            }
            s.request(NfQueueMessages.command(queue, NfQueueMessages.NFQNL_CFG_CMD_BIND, 0), "NFQNL_CFG_CMD_BIND queue " + queue);
            s.request(NfQueueMessages.copyPacket(queue, 0xFFFF, 0), "NFQA_CFG_PARAMS copy-packet");
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public int queue() {
        return queue;
    }

    /** The next queued packet, or null if none came within {@code timeoutMillis} (or the socket closed). */
    public QueuedPacket receive(int timeoutMillis) throws IOException {
        if (!pending.isEmpty()) {
            return pending.removeFirst();
        }
        while (fd >= 0) {
            int rc = LibC.poll(pollFd, 1, timeoutMillis);
            if (rc == -Errno.EINTR) {
                continue;
            }
            check("poll(netlink)", rc);
            if (rc == 0) {
                return null;
            }
            long n = LibC.recvfrom(fd, buffer, BUFFER, 0, MemorySegment.NULL, MemorySegment.NULL);
            if (n == -Errno.ENOBUFS) {
                // The socket's receive buffer overflowed: the kernel dropped packets queued to us
                // (at least one since the last report; netlink does not say how many). They are
                // lost, and only the count says so: carry on.
                overruns++;
                continue;
            }
            check("recvfrom(netlink)", n);
            ByteBuffer b = buffer.asSlice(0, n).asByteBuffer();
            for (NfQueueMessages.Received m; (m = NfQueueMessages.next(b)) != null; ) {
                if (m instanceof NfQueueMessages.Packet p) {
                    pending.addLast(p.packet());
                } else if (m instanceof NfQueueMessages.Ack a && a.error() != 0) {
                    // Verdicts ask for no ack, so only a refused one comes back, here, later (the
                    // configuration requests' answers are read by request): its packet went nowhere.
                    refused(new ErrnoException("verdict", -a.error(), null).getMessage());
                }
            }
            if (!pending.isEmpty()) {
                return pending.removeFirst();
            }
        }
        return null;
    }

    /** Lets the packet go, as queued ({@code rewritten} null) or replaced by {@code rewritten}; or drops it. */
    public void verdict(int id, boolean accept, byte[] rewritten) throws IOException {
        try {
            send(NfQueueMessages.verdict(queue, id, accept ? NfQueueMessages.NF_ACCEPT : NfQueueMessages.NF_DROP,
                    rewritten), "verdict " + id);
        } catch (IOException e) {
            refused(e.getMessage());
            throw e;
        }
    }

    private void refused(String why) {
        verdictsRefused++;
        lastRefusal = why;
    }

    /**
     * Times the kernel dropped packets queued here because this socket fell behind (each at least
     * one packet: netlink reports an overflow, not its size).
     */
    public long overruns() {
        return overruns;
    }

    /**
     * How many octets of queued packets this socket holds before the kernel drops more (SO_RCVBUF:
     * twice what was asked, as the kernel counts its own overhead in it).
     */
    public int receiveBuffer() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(LibC.C_INT);
            MemorySegment length = a.allocate(LibC.C_INT);
            length.set(LibC.C_INT, 0, 4);
            check("getsockopt(SO_RCVBUF)", LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, value, length));
            return value.get(LibC.C_INT, 0);
        }
    }

    /** Verdicts the kernel refused, at once or later (as a netlink error read by {@link #receive}). */
    public long verdictsRefused() {
        return verdictsRefused;
    }

    /** Why the last refused verdict was refused, "" before the first. */
    public String lastRefusal() {
        return lastRefusal;
    }

    private void send(ByteBuffer message, String what) throws IOException {
        int length = message.remaining();
        MemorySegment.copy(MemorySegment.ofBuffer(message), 0, buffer, 0, length);
        long rc = LibC.sendto(fd, buffer, length, 0, kernel, 12);
        if (rc < 0) {
            throw new ErrnoException("sendto(netlink, " + what + ")", (int) -rc);
        }
    }

    /** Sends a configuration message and waits for its ack (packets arriving meanwhile are kept). */
    private void request(ByteBuffer message, String what) throws IOException {
        int seq = ++sequence;
        message.order(java.nio.ByteOrder.nativeOrder()).putInt(8, seq);
        send(message, what);
        while (true) {
            long n = LibC.recvfrom(fd, buffer, BUFFER, 0, MemorySegment.NULL, MemorySegment.NULL);
            if (n == -Errno.EINTR) {
                continue;
            }
            check("recvfrom(netlink ack)", n);
            ByteBuffer b = buffer.asSlice(0, n).asByteBuffer();
            for (NfQueueMessages.Received m; (m = NfQueueMessages.next(b)) != null; ) {
                if (m instanceof NfQueueMessages.Packet p) {
                    pending.addLast(p.packet());
                } else if (m instanceof NfQueueMessages.Ack a && a.sequence() == seq) {
                    if (a.error() != 0) {
                        throw new ErrnoException(what, -a.error());
                    }
                    return;
                }
            }
        }
    }

    /**
     * Unbinds (queued packets not yet judged are dropped by the kernel) and closes. Idempotent.
     * Call it only once no thread is in {@link #receive} any more.
     */
    @Override
    public synchronized void close() {
        if (fd < 0) {
            return;
        }
        try {
            send(NfQueueMessages.command(queue, NfQueueMessages.NFQNL_CFG_CMD_UNBIND, 0), "unbind");
        } catch (IOException ignored) {
            // Closing the socket unbinds anyway.
        }
        LibC.close(fd);
        fd = -1;
        arena.close();
    }
}
