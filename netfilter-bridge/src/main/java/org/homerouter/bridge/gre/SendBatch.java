package org.homerouter.bridge.gre;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.nio.ByteBuffer;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.Structs;

/**
 * GRE packets one thread has handed to {@link RawGreSocket#sendBatched} and not yet sent: up to
 * {@value #CAPACITY} packets of at most {@value #SLOT_SIZE} octets each, copied into native slots
 * allocated once, each with its destination and, where one was given, its source address (an
 * IP_PKTINFO control message), ready for one sendmmsg(2). Thread-confined: each sending thread
 * has its own (the memory is freed when the thread and the socket are gone).
 */
final class SendBatch {
    /** Packets one sendmmsg(2) call may carry. */
    static final int CAPACITY = 32;
    /** Largest packet a slot holds: a tunnel MTU of up to 1500 plus GRE, PPP and MPPE headers. Longer ones are sent alone. */
    static final int SLOT_SIZE = 2048;

    /** The system call, so that partial sends and errors can be tested without a kernel. */
    @FunctionalInterface
    interface MultiSend {
        /**
         * Sends {@code count} of the batch's messages starting with the one at {@code messages}:
         * returns how many went out (at least the first), or -errno if the first one failed.
         */
        int send(MemorySegment messages, int count);
    }

    private static final long MESSAGE_SIZE = Structs.MMSGHDR.byteSize();
    private static final long IOV_LEN = Structs.IOVEC.byteOffset(groupElement("iov_len"));
    private static final long MSG_NAME = Structs.MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_name"));
    private static final long MSG_NAMELEN = Structs.MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_namelen"));
    private static final long MSG_IOV = Structs.MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iov"));
    private static final long MSG_IOVLEN = Structs.MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iovlen"));
    private static final long MSG_CONTROL = Structs.MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_control"));
    private static final long MSG_CONTROLLEN = Structs.MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_controllen"));

    private final MemorySegment slots;
    // The slots as a buffer: its absolute bulk put copies from a heap or native packet without
    // allocating, where MemorySegment.ofBuffer made two objects per packet (a segment and, for a
    // heap buffer, a session).
    private final ByteBuffer slotsView;
    private final MemorySegment iovecs;
    private final MemorySegment messages;
    private final MemorySegment addresses;
    private final MemorySegment controls;
    private final int capacity;
    private final Inet4Address[] destinations;
    private final Inet4Address[] sources;
    private final int[] lengths;
    private int count;
    private int lastError;
    private Inet4Address lastFailedSource;
    private Inet4Address lastFailedDestination;

    SendBatch() {
        this(CAPACITY);
    }

    /** @param capacity packets it holds (one for a single packet sent at once) */
    SendBatch(int capacity) {
        this.capacity = capacity;
        destinations = new Inet4Address[capacity];
        sources = new Inet4Address[capacity];
        lengths = new int[capacity];
        Arena arena = Arena.ofAuto();
        slots = arena.allocate((long) SLOT_SIZE * capacity, 64);
        slotsView = slots.asByteBuffer();
        iovecs = arena.allocate(Structs.IOVEC, capacity);
        messages = arena.allocate(Structs.MMSGHDR, capacity);
        addresses = arena.allocate(Structs.SOCKADDR_IN, capacity);
        controls = arena.allocate(Structs.PKTINFO_SPACE * capacity, 8);
        long iovecSize = Structs.IOVEC.byteSize();
        long addressSize = Structs.SOCKADDR_IN.byteSize();
        for (int i = 0; i < capacity; i++) {
            MemorySegment iovec = iovecs.asSlice(i * iovecSize, iovecSize);
            iovec.set(LibC.C_POINTER, 0, slots.asSlice((long) i * SLOT_SIZE, SLOT_SIZE));
            MemorySegment message = messages.asSlice(i * MESSAGE_SIZE, MESSAGE_SIZE);
            message.set(LibC.C_POINTER, MSG_NAME, addresses.asSlice(i * addressSize, addressSize));
            message.set(LibC.C_INT, MSG_NAMELEN, (int) addressSize);
            message.set(LibC.C_POINTER, MSG_IOV, iovec);
            Structs.putSize(message, MSG_IOVLEN, 1);
        }
    }

    /** Whether a packet of {@code length} octets fits a slot. */
    static boolean fits(int length) {
        return length <= SLOT_SIZE;
    }

    int size() {
        return count;
    }

    boolean isFull() {
        return count == capacity;
    }

    /** Copies the packet between position and limit (neither moves) into the next slot. */
    void add(Inet4Address destination, ByteBuffer packet) {
        add(null, destination, packet);
    }

    /**
     * Copies the packet between position and limit (neither moves) into the next slot, to go out
     * from {@code source} (null: the address the routing table picks).
     */
    void add(Inet4Address source, Inet4Address destination, ByteBuffer packet) {
        int length = packet.remaining();
        if (count == capacity || !fits(length)) {
            throw new IllegalStateException("batch full or packet of " + length + " octets too long");
        }
        int i = count;
        slotsView.put(i * SLOT_SIZE, packet, packet.position(), length);
        Structs.putSize(iovecs, i * Structs.IOVEC.byteSize() + IOV_LEN, length);
        lengths[i] = length;
        if (destinations[i] != destination) {
            Structs.putSockaddrIn(addresses.asSlice(i * Structs.SOCKADDR_IN.byteSize(), Structs.SOCKADDR_IN),
                    destination, 0);
            destinations[i] = destination;
        }
        if (sources[i] != source) { // the messages start zeroed: no control message, as sources[i] == null says
            MemorySegment message = messages.asSlice(i * MESSAGE_SIZE, MESSAGE_SIZE);
            if (source == null) {
                message.set(LibC.C_POINTER, MSG_CONTROL, MemorySegment.NULL);
                Structs.putSize(message, MSG_CONTROLLEN, 0);
            } else {
                MemorySegment control = controls.asSlice(i * Structs.PKTINFO_SPACE, Structs.PKTINFO_SPACE);
                Structs.putPktinfoSource(control, source);
                message.set(LibC.C_POINTER, MSG_CONTROL, control);
                Structs.putSize(message, MSG_CONTROLLEN, Structs.PKTINFO_SPACE);
            }
            sources[i] = source;
        }
        count = i + 1;
    }

    /** Which held packet {@code messages} (as passed to {@link MultiSend#send}) starts at (for tests). */
    int indexOf(MemorySegment messages) {
        return (int) ((messages.address() - this.messages.address()) / MESSAGE_SIZE);
    }

    /** The octets held in slot {@code i} (for tests). */
    MemorySegment slot(int i) {
        return slots.asSlice((long) i * SLOT_SIZE, lengths[i]);
    }

    /**
     * Sends every held packet, in order, through {@code call}, and empties the batch. A partial
     * send is continued with the rest; a packet the kernel refuses (the call's -errno for the first
     * of the remaining ones, e.g. ENOBUFS) is dropped as if lost on the wire, and the rest still
     * go; EINTR is retried; EAGAIN (a full send buffer) drops the packet and all after it.
     *
     * @return how many packets were dropped
     */
    int flush(MultiSend call) {
        int failed = 0;
        int at = 0;
        try {
            while (at < count) {
                int rc = call.send(messages.asSlice(at * MESSAGE_SIZE), count - at);
                if (rc == -Errno.EINTR) {
                    continue;
                }
                if (rc == -Errno.EAGAIN) {
                    // The (non-blocking) socket's send buffer is full: the uplink is slower than
                    // the senders. The rest would be refused too; drop them as a full queue does.
                    dropped(at, Errno.EAGAIN);
                    failed += count - at;
                    break;
                }
                if (rc <= 0) {
                    // The first remaining packet failed (0 cannot happen for count > 0; treat it the
                    // same way rather than spin): drop it and go on with the next.
                    dropped(at, rc == 0 ? Errno.EAGAIN : -rc);
                    failed++;
                    at++;
                } else {
                    at += Math.min(rc, count - at);
                }
            }
        } finally {
            count = 0;
        }
        return failed;
    }

    private void dropped(int index, int errno) {
        lastError = errno;
        lastFailedSource = sources[index];
        lastFailedDestination = destinations[index];
    }

    /** Drops every held packet (the socket closed); returns how many. */
    int discard() {
        int n = count;
        count = 0;
        return n;
    }

    /** The errno of the last packet dropped by {@link #flush}, or 0. */
    int lastError() {
        return lastError;
    }

    /** The source the last packet dropped by {@link #flush} was to go out from (null: the route's choice). */
    Inet4Address lastFailedSource() {
        return lastFailedSource;
    }

    /** Where the last packet dropped by {@link #flush} was going. */
    Inet4Address lastFailedDestination() {
        return lastFailedDestination;
    }
}
