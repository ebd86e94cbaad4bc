package org.homerouter.bridge.gre;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.homerouter.bridge.ffm.ErrnoException.check;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.NativeStaging;
import org.homerouter.bridge.ffm.Structs;
import org.homerouter.bridge.io.DataPathFailure;
import org.homerouter.bridge.io.EventLoop;
import org.homerouter.bridge.io.PacketFailureLog;
import org.homerouter.bridge.tun.TunWriteBurst;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.gre.GrePacketReceiver;
import org.homerouter.pptp.gre.GreTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GreTransport} over a Linux raw socket for IP protocol 47 ({@code socket(AF_INET, SOCK_RAW,
 * IPPROTO_GRE)}, raw(7)). Sending hands GRE header plus payload to sendto(2) and the kernel writes
 * the IP header. Receiving runs on an {@link EventLoop}: the data path's, shared with the TUN
 * devices (see there for why), or one of the socket's own. Each time the socket is readable one
 * recvmmsg(2) takes up to {@value #BATCH} datagrams into buffers allocated once; each has its IPv4
 * header stripped ({@link Ipv4Envelope}) and goes to the receiver with its source address.
 *
 * <p>{@link #sendBatched} copies a packet into the calling thread's {@link SendBatch} and
 * {@link #flush} sends what that thread holds with one sendmmsg(2) (a batch that fills up is sent
 * at once): the tunnel device's reader sends the GRE packets of a whole burst in one system call.
 * Sends never block (the socket is non-blocking, see {@link #SEND_BUFFER}): a packet the full send
 * buffer refuses is dropped and counted.
 *
 * <p>Needs CAP_NET_RAW. The socket belongs to the network namespace of the thread that calls
 * {@link #open}; see {@code NetworkNamespace}.
 */
public final class RawGreSocket implements GreTransport {
    private static final Logger LOG = LoggerFactory.getLogger(RawGreSocket.class);

    /** Datagrams one recvmmsg(2) call may return. */
    static final int BATCH = 32;
    /**
     * One receive buffer per batch slot, large enough for any IPv4 datagram: the kernel reassembles
     * fragments before raw delivery, so a datagram can exceed the link MTU.
     */
    static final int SLOT_SIZE = 65536;
    /** The longest GRE packet an IPv4 datagram with a minimal header can carry. */
    public static final int MAX_PACKET = 65535 - Ipv4Envelope.MIN_HEADER_LENGTH;
    /**
     * Socket receive buffer asked for: absorbs bursts from many sessions while the thread is busy.
     * A peer with TSO sends 64 KiB bursts (45 full-size packets) back to back, and every loss costs
     * a stateful MPPE session a reset round trip: 4 MiB (the kernel doubles it for overhead) holds
     * about a thousand full-size packets.
     */
    static final int RECEIVE_BUFFER = 4 << 20;
    /**
     * Socket send buffer asked for. The socket is non-blocking, so that a send never stalls the
     * event loop (and with it every session's receiving) behind an uplink slower than the tunnels'
     * senders: when the packets the kernel still queues for the device fill this buffer, further
     * ones are dropped and counted, as a router's full queue drops them. 1 MiB holds several
     * 64 KiB bursts of full-size packets.
     */
    static final int SEND_BUFFER = 1 << 20;
    private static final ThreadLocal<SendAddress> SEND_ADDRESS = ThreadLocal.withInitial(SendAddress::new);

    private final int fd;
    private final String label;
    private final EventLoop loop;
    private final boolean ownsLoop;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment messages;
    private final ByteBuffer[] slotViews = new ByteBuffer[BATCH];
    private final Ipv4AddressCache sources = new Ipv4AddressCache();
    /** A receiver that throws does so for every packet: within a budget. */
    private final PacketFailureLog receiverFailed = new PacketFailureLog();
    /** Send errors logged, per errno (see {@link #sendFailed}). */
    private final Map<Integer, LogLimit> sendErrorsLogged = new ConcurrentHashMap<>();
    // Senders hold the read lock while they use the fd; releasing the fds takes the write lock, so
    // no send can hit a closed descriptor (or worse, one the process has reused).
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private volatile boolean closed;
    private volatile GrePacketReceiver receiver;
    private final LongAdder sent = new LongAdder();
    private final LongAdder sendFailed = new LongAdder();
    private final LongAdder sendCalls = new LongAdder();
    private final ThreadLocal<SendBatch> batches = ThreadLocal.withInitial(SendBatch::new);
    // One packet sent at once from a given source: sendmmsg(2) of one message with IP_PKTINFO.
    private final ThreadLocal<SendBatch> singles = ThreadLocal.withInitial(() -> new SendBatch(1));
    // Written by the loop thread only.
    private volatile long received;
    private volatile long dropped;

    /** Counts since open: datagrams sent, datagrams received, and received ones not handed on. */
    public record Counters(long sent, long received, long dropped) {
    }

    /**
     * Counts of the sending side since open: datagrams sent, held datagrams that {@link #flush}
     * dropped, and the sendto(2)/sendmmsg(2) calls that carried the sent ones.
     */
    public record SendCounters(long sent, long dropped, long systemCalls) {
    }

    private RawGreSocket(int fd, String label, EventLoop loop, boolean ownsLoop) {
        this.fd = fd;
        this.label = label;
        this.loop = loop;
        this.ownsLoop = ownsLoop;
        MemorySegment slots = arena.allocate((long) SLOT_SIZE * BATCH, 64);
        MemorySegment iovecs = arena.allocate(Structs.IOVEC, BATCH);
        messages = arena.allocate(Structs.MMSGHDR, BATCH);
        long iovLen = Structs.IOVEC.byteOffset(groupElement("iov_len"));
        long msgIov = Structs.MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iov"));
        long msgIovLen = Structs.MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iovlen"));
        for (int i = 0; i < BATCH; i++) {
            MemorySegment slot = slots.asSlice((long) i * SLOT_SIZE, SLOT_SIZE);
            slotViews[i] = slot.asByteBuffer();
            MemorySegment iovec = iovecs.asSlice(i * Structs.IOVEC.byteSize(), Structs.IOVEC);
            iovec.set(LibC.C_POINTER, 0, slot);
            Structs.putSize(iovec, iovLen, SLOT_SIZE);
            // msg_name stays NULL: the source address is read from the IP header instead.
            MemorySegment message = messages.asSlice(i * Structs.MMSGHDR.byteSize(), Structs.MMSGHDR);
            message.set(LibC.C_POINTER, msgIov, iovec);
            Structs.putSize(message, msgIovLen, 1);
        }
    }

    /** Opens a socket that receives GRE for every local address of the calling thread's namespace. */
    public static RawGreSocket open() throws IOException {
        return open(null, null);
    }

    /** Opens a socket bound to {@code localAddress} (null: any) that receives on a thread of its own. */
    public static RawGreSocket open(Inet4Address localAddress) throws IOException {
        return open(localAddress, null);
    }

    /**
     * Opens a socket bound to {@code localAddress} (null: any), so it receives only GRE addressed
     * there and sends from it, receiving on {@code loop} (null: on a thread of its own, named
     * "gre-raw-rx-" and the address). The caller closes a given loop after the socket.
     *
     * @throws ErrnoException EPERM without CAP_NET_RAW; EADDRNOTAVAIL if the address is not local
     */
    public static RawGreSocket open(Inet4Address localAddress, EventLoop loop) throws IOException {
        int fd = check("socket(AF_INET, SOCK_RAW, IPPROTO_GRE)",
                LibC.socket(LibC.AF_INET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, LibC.IPPROTO_GRE));
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment size = scratch.allocate(LibC.C_INT);
            // The *FORCE options may exceed net.core.rmem_max / wmem_max but need CAP_NET_ADMIN;
            // without it the plain options still get as much as the sysctls allow.
            size.set(LibC.C_INT, 0, RECEIVE_BUFFER);
            if (LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, size, 4) < 0) {
                check("setsockopt(SO_RCVBUF)", LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, size, 4));
            }
            size.set(LibC.C_INT, 0, SEND_BUFFER);
            if (LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, size, 4) < 0) {
                check("setsockopt(SO_SNDBUF)", LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, size, 4));
            }
            // No path MTU from ICMP: anyone on the internet can send a "fragmentation needed"
            // quoting our GRE to a client (conntrack relates it by addresses alone: GRE without the
            // PPTP helper has no keys), and the kernel took it for 10 minutes, splitting every
            // tunnel packet to that client into fragments of as little as 552 octets, lost on
            // paths that drop fragments. With DF clear, a narrower hop fragments instead (RFC 791);
            // a path that loses big packets either way is found by the sessions' own probes
            // (PathProbe) and the tunnel's MTU lowered.
            size.set(LibC.C_INT, 0, LibC.IP_PMTUDISC_OMIT);
            check("setsockopt(IP_MTU_DISCOVER)", LibC.setsockopt(fd, LibC.IPPROTO_IP, LibC.IP_MTU_DISCOVER, size, 4));
            if (localAddress != null) {
                MemorySegment address = scratch.allocate(Structs.SOCKADDR_IN);
                Structs.putSockaddrIn(address, localAddress, 0);
                check("bind(" + localAddress.getHostAddress() + ")",
                        LibC.bind(fd, address, (int) Structs.SOCKADDR_IN.byteSize()));
            }
            String label = localAddress == null ? "any" : localAddress.getHostAddress();
            EventLoop on = loop != null ? loop : EventLoop.start("gre-raw-rx-" + label);
            RawGreSocket socket = null;
            try {
                socket = new RawGreSocket(fd, label, on, loop == null);
                on.register(fd, socket::receiveReady);
            } catch (IOException | RuntimeException | Error e) {
                // The loop started here goes with the socket that failed (a thread and two fds per try).
                if (socket != null) {
                    socket.arena.close();
                }
                if (loop == null) {
                    on.close();
                }
                throw e;
            }
            return socket;
        } catch (IOException | RuntimeException | Error e) {
            LibC.close(fd);
            throw e;
        }
    }

    @Override
    public void send(InetAddress destination, ByteBuffer packet) throws IOException {
        if (!(destination instanceof Inet4Address v4)) {
            throw new IOException("GRE over a raw IPv4 socket needs an IPv4 destination: " + destination);
        }
        int length = packet.remaining();
        if (length > MAX_PACKET) {
            throw new IOException("GRE packet of " + length + " octets exceeds " + MAX_PACKET);
        }
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new IOException("raw GRE socket (" + label + ") is closed");
            }
            MemorySegment address = SEND_ADDRESS.get().of(v4);
            MemorySegment data = NativeStaging.of(packet);
            long rc;
            do {
                rc = LibC.sendto(fd, data, length, 0, address, (int) Structs.SOCKADDR_IN.byteSize());
            } while (rc == -Errno.EINTR);
            sendCalls.increment();
            if (rc < 0) {
                int errno = (int) -rc;
                sendFailed(errno, null, v4, "1 packet");
                throw new ErrnoException("sendto(" + v4.getHostAddress() + ", " + length + " octets)", errno,
                        sendHint(errno));
            }
            sent.increment();
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /**
     * Sends from {@code source} (an IP_PKTINFO control message: the kernel would otherwise pick the
     * source by the route to the destination, which on a router with several addresses is not
     * always the one the peer's control connection reached, and PPTP clients accept GRE only from
     * that one). A source that is not IPv4, or a packet longer than a batch slot (no PPP frame
     * is), goes out as {@link #send(InetAddress, ByteBuffer)} does.
     */
    @Override
    public void send(InetAddress source, InetAddress destination, ByteBuffer packet) throws IOException {
        if (!(source instanceof Inet4Address from) || !SendBatch.fits(packet.remaining())) {
            send(destination, packet);
            return;
        }
        if (!(destination instanceof Inet4Address v4)) {
            throw new IOException("GRE over a raw IPv4 socket needs an IPv4 destination: " + destination);
        }
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new IOException("raw GRE socket (" + label + ") is closed");
            }
            SendBatch one = singles.get();
            one.add(from, v4, packet);
            int failed = one.flush(this::sendmmsg);
            if (failed > 0) {
                int errno = one.lastError();
                sendFailed(errno, from, v4, "1 packet");
                throw new ErrnoException("sendmsg(" + from.getHostAddress() + " -> " + v4.getHostAddress() + ", "
                        + packet.remaining() + " octets)", errno, sendHint(errno));
            }
            sent.increment();
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /**
     * Holds a copy of the packet in the calling thread's batch until {@link #flush} (or until the
     * batch is full, when it is sent at once). A packet too long for a batch slot is sent at once
     * after what the batch held, so the thread's packets keep their order.
     */
    @Override
    public void sendBatched(InetAddress destination, ByteBuffer packet) throws IOException {
        sendBatched(null, destination, packet);
    }

    /** As {@link #sendBatched(InetAddress, ByteBuffer)}, from {@code source} as {@link #send(InetAddress, InetAddress, ByteBuffer)} says. */
    @Override
    public void sendBatched(InetAddress source, InetAddress destination, ByteBuffer packet) throws IOException {
        if (!(destination instanceof Inet4Address v4)) {
            throw new IOException("GRE over a raw IPv4 socket needs an IPv4 destination: " + destination);
        }
        if (closed) {
            throw new IOException("raw GRE socket (" + label + ") is closed");
        }
        if (!SendBatch.fits(packet.remaining())) {
            flush();
            send(source, destination, packet);
            return;
        }
        SendBatch batch = batches.get();
        batch.add(source instanceof Inet4Address from ? from : null, v4, packet);
        if (batch.isFull()) {
            flush(batch);
        }
    }

    /** Sends what this thread's batch holds with sendmmsg(2); returns how many packets were dropped. */
    @Override
    public int flush() {
        SendBatch batch = batches.get();
        return batch.size() == 0 ? 0 : flush(batch);
    }

    private int flush(SendBatch batch) {
        int held = batch.size();
        int failed;
        fdLock.readLock().lock();
        try {
            if (closed) {
                failed = batch.discard();
            } else {
                failed = batch.flush(this::sendmmsg);
            }
        } finally {
            fdLock.readLock().unlock();
        }
        sent.add(held - failed);
        if (failed > 0) {
            sendFailed.add(failed);
            if (closed) {
                LOG.debug("raw GRE socket ({}): {} of {} batched packets not sent (closed)", label, failed, held);
            } else {
                sendFailed(batch.lastError(), batch.lastFailedSource(), batch.lastFailedDestination(),
                        failed + " of " + held + " packets");
            }
        }
        return failed;
    }

    /**
     * The owner's only sign that the kernel refuses this router's GRE: the clients see nothing
     * arrive, stop answering, and their sessions end as if they had gone. One line per errno
     * within a budget: a flood of one (ENOBUFS under load) cannot hide another (EPERM).
     */
    private void sendFailed(int errno, Inet4Address source, Inet4Address destination, String what) {
        String note = sendErrorsLogged.computeIfAbsent(errno, e -> new LogLimit()).admit();
        if (note == null) {
            return;
        }
        String hint = sendHint(errno);
        String from = source != null ? source.getHostAddress() : "any".equals(label) ? "the address its route picks" : label;
        String to = destination == null ? "?" : destination.getHostAddress();
        LOG.warn("GRE to {} from {} not sent ({}): {} [{}]{}; what this router sends to {} is lost while this lasts{}",
                to, from, what, Errno.text(errno), Errno.name(errno), hint == null ? "" : ": " + hint, to, note);
    }

    /** What a send's errno means on a raw socket that is already open, for the owner; null when nothing useful is known. */
    static String sendHint(int errno) {
        return switch (errno) {
            // Not a missing capability (the socket is open): netfilter refused the packet.
            case Errno.EPERM, Errno.EACCES -> "a firewall rule on this router drops GRE (IP protocol 47) going out"
                    + " (its OUTPUT chain)";
            case Errno.ENOBUFS, Errno.EAGAIN -> "the send queue is full: more is sent than the uplink carries";
            case Errno.ENETUNREACH, Errno.EHOSTUNREACH, Errno.EADDRNOTAVAIL, Errno.EINVAL -> "no route to that address,"
                    + " or the address GRE goes out from is no longer this router's (the WAN address changed?)";
            default -> null;
        };
    }

    /** One sendmmsg(2) of a batch's messages, counted; the caller holds the fd's read lock. */
    private int sendmmsg(MemorySegment messages, int count) {
        sendCalls.increment();
        return LibC.sendmmsg(fd, messages, count, 0);
    }

    @Override
    public void setReceiver(GrePacketReceiver receiver) {
        this.receiver = receiver;
    }

    /** Counts so far. */
    public Counters counters() {
        return new Counters(sent.sum(), received, dropped);
    }

    /** Counts of the sending side so far. */
    public SendCounters sendCounters() {
        return new SendCounters(sent.sum(), sendFailed.sum(), sendCalls.sum());
    }

    /**
     * Stops receiving and closes the socket. Safe from any thread, the receiver included (the fd
     * and buffers are then released once the receiver returns).
     */
    @Override
    public void close() {
        if (!closeRequested.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        loop.unregister(fd);
        // On another thread: once the loop's turn is over no receive uses the fd or the slots. On
        // the loop thread (a receiver closing its transport): after this turn.
        loop.execute(this::release);
        loop.awaitTurn();
        if (ownsLoop) {
            loop.close();
        }
    }

    /** One readable turn: a batch of datagrams, delivered in one TUN write burst. */
    private void receiveReady() {
        if (closed) {
            return;
        }
        int n = LibC.recvmmsg(fd, messages, BATCH, LibC.MSG_DONTWAIT, MemorySegment.NULL);
        if (n == -Errno.EINTR || n == -Errno.EAGAIN) {
            return;
        }
        if (n < 0) {
            if (!closed) {
                LOG.error("GRE receive ({}) failed: {}; the transport is closed", label,
                        new ErrnoException("recvmmsg", -n).getMessage());
                close();
                // Every session's GRE came through this socket: without it the service looks up
                // and every call ends as if the clients' GRE were blocked.
                DataPathFailure.report("the raw GRE socket (" + label + ")");
            }
            return;
        }
        long messageSize = Structs.MMSGHDR.byteSize();
        // One TUN write burst per batch: consecutive TCP segments of a session that the batch
        // decrypts go into its TUN device in one write (TunWriteBurst).
        TunWriteBurst.begin();
        try {
            // A receiver may close the socket: what the batch holds after that is dropped with it.
            for (int i = 0; i < n && !closed; i++) {
                long at = i * messageSize;
                deliver(slotViews[i], messages.get(LibC.C_INT, at + Structs.MMSGHDR_LEN),
                        messages.get(LibC.C_INT, at + Structs.MMSGHDR_FLAGS));
            }
        } finally {
            TunWriteBurst.end();
        }
    }

    private void deliver(ByteBuffer slot, int length, int flags) {
        received++;
        if ((flags & LibC.MSG_TRUNC) != 0) {
            // Cannot happen with 64 KiB slots; if it does, a cut packet must not reach the codec.
            dropped++;
            LOG.debug("GRE datagram truncated to {} octets, dropped", length);
            return;
        }
        slot.clear().limit(length);
        Ipv4Envelope.Verdict verdict = Ipv4Envelope.open(slot);
        if (verdict != Ipv4Envelope.Verdict.GRE) {
            dropped++;
            LOG.debug("received datagram of {} octets dropped: {}", length, verdict);
            return;
        }
        GrePacketReceiver r = receiver;
        if (r == null) {
            dropped++;
            return;
        }
        InetAddress source = sources.get(Ipv4Envelope.source(slot, 0));
        try {
            r.onPacket(source, slot);
        } catch (RuntimeException e) {
            receiverFailed.warn(LOG, e, "GRE receiver failed on a packet from {}", source.getHostAddress());
        }
    }

    private void release() {
        fdLock.writeLock().lock();
        try {
            LibC.close(fd);
            arena.close();
        } finally {
            fdLock.writeLock().unlock();
        }
    }

    /**
     * The destination sockaddr_in of one sending thread, rewritten only when the destination
     * changes (for a session's sender: never).
     */
    private static final class SendAddress {
        private final MemorySegment sockaddr = Arena.ofAuto().allocate(Structs.SOCKADDR_IN);
        private Inet4Address last;

        MemorySegment of(Inet4Address destination) {
            if (destination != last) {
                Structs.putSockaddrIn(sockaddr, destination, 0);
                last = destination;
            }
            return sockaddr;
        }
    }
}
