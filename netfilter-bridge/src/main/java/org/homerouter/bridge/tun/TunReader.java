package org.homerouter.bridge.tun;

import static org.homerouter.bridge.ffm.ErrnoException.check;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.NativeStaging;
import org.homerouter.bridge.ffm.Structs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that reads every TUN device of a factory: a router may carry hundreds of sessions,
 * and a thread each would cost more than the traffic. It waits in epoll_wait(2) on all device fds
 * (level-triggered) plus an eventfd for shutdown, reads at most {@value #PACKETS_PER_TURN} packets
 * from a ready device before moving to the next (so one busy session cannot starve the others),
 * and hands each packet, in one reused buffer, to the device's sink, then tells the sink that the
 * burst is over ({@link org.homerouter.pptp.tunnel.IpPacketSink#endOfBurst}), so that the GRE
 * packets the burst produced leave in one system call.
 *
 * <p>The epoll data of each registration is the fd; the fd-indexed table maps it to the device.
 * An fd number reused by a new device after an old one closed simply finds the new device, whose
 * own fd it then reads, so a stale event can never deliver a packet to the wrong session.
 */
final class TunReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TunReader.class);
    private static final int MAX_EVENTS = 64;
    static final int PACKETS_PER_TURN = 64;

    private final int epollFd;
    private final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment control;
    private final MemorySegment counter;
    private final MemorySegment wakeValue;
    private final MemorySegment packet;
    private final ByteBuffer packetView;
    private final TcpSegmenter segmenter;
    private final Object registry = new Object();
    // Copied on every change (registration is rare, lookups are per event) and published through
    // the volatile, so the reader never locks.
    private volatile TunDevice[] byFd = new TunDevice[0];
    private volatile boolean closed;
    private boolean released;
    private Thread thread;

    private TunReader(int epollFd, int wakeFd) {
        this.epollFd = epollFd;
        this.wakeFd = wakeFd;
        events = arena.allocate(Structs.EPOLL_EVENT, MAX_EVENTS);
        control = arena.allocate(Structs.EPOLL_EVENT);
        counter = arena.allocate(ValueLayout.JAVA_LONG);
        wakeValue = arena.allocate(ValueLayout.JAVA_LONG);
        wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
        packet = arena.allocate(VirtioNetHeader.LENGTH + NativeStaging.CAPACITY, 64);
        packetView = packet.asByteBuffer();
        // Heap, not native: the session encrypts each segment straight from its array.
        segmenter = new TcpSegmenter(ByteBuffer.allocate(NativeStaging.CAPACITY));
    }

    static TunReader start() throws IOException {
        int epollFd = check("epoll_create1", LibC.epollCreate1(LibC.EPOLL_CLOEXEC));
        int wakeFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wakeFd < 0) {
            LibC.close(epollFd);
            throw new ErrnoException("eventfd", -wakeFd);
        }
        TunReader reader = new TunReader(epollFd, wakeFd);
        try {
            reader.add(wakeFd);
        } catch (ErrnoException e) {
            reader.release();
            throw e;
        }
        reader.thread = Thread.ofPlatform().daemon().name("tun-reader").start(reader::loop);
        return reader;
    }

    /** Starts reading {@code device}'s fd. */
    void register(TunDevice device) throws IOException {
        synchronized (registry) {
            if (closed) {
                throw new IOException("TUN reader is closed");
            }
            int fd = device.fd();
            TunDevice[] table = Arrays.copyOf(byFd, Math.max(byFd.length, Integer.highestOneBit(fd | 1) << 1));
            table[fd] = device;
            byFd = table;
            try {
                add(fd);
            } catch (ErrnoException e) {
                table = byFd.clone();
                table[fd] = null;
                byFd = table;
                throw e;
            }
        }
    }

    /** Stops reading {@code device}'s fd; call before the fd is closed. */
    void unregister(TunDevice device) {
        synchronized (registry) {
            if (released) {
                return;
            }
            int fd = device.fd();
            LibC.epollCtl(epollFd, LibC.EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            if (fd < byFd.length && byFd[fd] == device) {
                TunDevice[] table = byFd.clone();
                table[fd] = null;
                byFd = table;
            }
        }
    }

    private void add(int fd) throws ErrnoException {
        control.set(ValueLayout.JAVA_INT, 0, LibC.EPOLLIN);
        control.set(ValueLayout.JAVA_LONG_UNALIGNED, Structs.EPOLL_EVENT_DATA, fd);
        check("epoll_ctl(ADD, " + fd + ")", LibC.epollCtl(epollFd, LibC.EPOLL_CTL_ADD, fd, control));
    }

    private void loop() {
        long eventSize = Structs.EPOLL_EVENT.byteSize();
        try {
            while (!closed) {
                int n = LibC.epollWait(epollFd, events, MAX_EVENTS, -1);
                if (n == -Errno.EINTR) {
                    continue;
                }
                check("epoll_wait", n);
                for (int i = 0; i < n && !closed; i++) {
                    long data = events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * eventSize + Structs.EPOLL_EVENT_DATA);
                    int fd = (int) data;
                    if (fd == wakeFd) {
                        LibC.read(wakeFd, counter, 8);
                        continue;
                    }
                    TunDevice[] table = byFd;
                    TunDevice device = fd < table.length ? table[fd] : null;
                    if (device != null) {
                        pump(device);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.error("TUN reader stopped; no device receives from the OS any more", e);
            }
        } finally {
            closed = true;
            release();
        }
    }

    private void pump(TunDevice device) {
        int delivered = 0;
        try {
            delivered = read(device);
        } finally {
            if (delivered > 0) {
                device.endOfBurst();
            }
        }
    }

    /** Reads and delivers up to {@value #PACKETS_PER_TURN} packets; returns how many reads delivered something. */
    private int read(TunDevice device) {
        int delivered = 0;
        for (int i = 0; i < PACKETS_PER_TURN; i++) {
            long n = device.read(packet, packet.byteSize());
            if (n == -Errno.EAGAIN || n == -Errno.EINTR || device.isClosed()) {
                return delivered;
            }
            if (n < 0) {
                // E.g. EBADFD once someone deleted the interface under us: the fd would stay
                // readable-with-error forever, so stop watching it instead of spinning.
                String why = new ErrnoException("read(" + device.name() + ")", (int) -n).getMessage();
                LOG.warn("TUN device {} failed: {}; no longer read", device.name(), why);
                unregister(device);
                device.failed(why);
                return delivered;
            }
            packetView.clear();
            if (!device.offloads()) {
                packetView.limit((int) n);
                device.deliver(packetView);
            } else if (n >= VirtioNetHeader.LENGTH) {
                VirtioNetHeader header = VirtioNetHeader.read(packetView, 0);
                if (!segmenter.deliver(header, packetView, VirtioNetHeader.LENGTH, (int) n, device.deliverer())) {
                    LOG.debug("{}: dropped a packet with offloads we cannot do ({})", device.name(), header);
                }
            }
            delivered++;
        }
        return delivered;
    }

    /** Stops the thread and releases the epoll and event fds; devices must be closed first. */
    @Override
    public void close() {
        synchronized (registry) {
            if (closed || released) {
                return;
            }
            closed = true;
            LibC.write(wakeFd, wakeValue, 8);
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void release() {
        synchronized (registry) {
            if (released) {
                return;
            }
            released = true;
            LibC.close(epollFd);
            LibC.close(wakeFd);
            arena.close();
        }
    }
}
