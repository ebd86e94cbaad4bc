package org.homerouter.bridge.tun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.NativeStaging;
import org.homerouter.bridge.io.PacketFailureLog;
import org.homerouter.pptp.tunnel.IpPacketSink;
import org.homerouter.pptp.tunnel.TunnelConfig;
import org.homerouter.pptp.tunnel.TunnelDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's Linux TUN interface (IFF_TUN | IFF_NO_PI: bare IP packets, no link header, no
 * packet-information prefix), made and configured by {@link TunDeviceFactory}. The OS's packets
 * arrive through the factory's shared reader thread; {@link #write} injects one packet into the
 * OS's stack. The device is not persistent, so closing its fd deletes the interface, and with it
 * its addresses and the route to the peer.
 *
 * <p>With offloads (IFF_VNET_HDR, the default), every packet read or written carries a
 * {@link VirtioNetHeader}: the kernel hands over TCP packets of up to 64 KiB that the reader cuts
 * into segments ({@link TcpSegmenter}), and inside a {@link TunWriteBurst} consecutive segments
 * are joined before they are written ({@link TcpCoalescer}). Per-packet system calls are what
 * the data path mostly costs, and this saves most of them for bulk TCP.
 */
public final class TunDevice implements TunnelDevice {
    private static final Logger LOG = LoggerFactory.getLogger(TunDevice.class);
    /** A sink that throws does so for every packet: within a budget (PacketFailureLog). */
    private static final PacketFailureLog SINK_FAILED = new PacketFailureLog();

    // A zero virtio-net header and a packet: a write outside a joined run. Per thread, as
    // NativeStaging's area is, and one header longer.
    private static final ThreadLocal<MemorySegment> FRAMED =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(TcpCoalescer.AREA_SIZE, 64));

    private final String name;
    private final int fd;
    private final boolean offloads;
    private final TunnelConfig config;
    private final TunReader reader;
    private final Consumer<TunDevice> onClose;
    // Users of the fd (writers, the reader) hold the read lock; close takes the write lock, so no
    // one reads or writes a closed or reused descriptor.
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile IpPacketSink sink;
    private final Consumer<ByteBuffer> deliverer = this::deliver;
    private AdminCommands routes = new AdminCommands(null);
    // A route being added (iproute2, up to AdminCommands' timeout) keeps the fd open, not the fd
    // lock held: a close() waiting behind that lock would stop new readers too (a waiting writer
    // does), and the shared data-path thread reads and writes every device, and often closes one.
    private final Object routing = new Object();
    private int routesBeingAdded; // guarded by routing
    private boolean fdLeftForRoutes; // guarded by routing: closed while a route was being added

    TunDevice(String name, int fd, boolean offloads, TunnelConfig config, TunReader reader, Consumer<TunDevice> onClose) {
        this.name = name;
        this.fd = fd;
        this.offloads = offloads;
        this.config = config;
        this.reader = reader;
        this.onClose = onClose;
    }

    @Override
    public String name() {
        return name;
    }

    /** SIOCSIFMTU on the live interface; the calling thread must be in the device's namespace. */
    @Override
    public boolean setMtu(int mtu) {
        fdLock.readLock().lock();
        try (InterfaceControl control = InterfaceControl.open()) {
            if (closed) {
                return false;
            }
            control.setMtu(name, mtu);
            return true;
        } catch (ErrnoException e) {
            LOG.warn("{}: cannot set MTU {}: {}", name, mtu, e.getMessage());
            return false;
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /**
     * {@code ip route replace NETWORK/LEN dev NAME}, in the namespace of the calling process. A
     * route is added once per session, not per packet, so running iproute2 (already needed for
     * the firewall and the ALG) costs nothing that matters and spares an rtnetlink encoder. The
     * kernel deletes the route with the interface when the fd closes: no teardown to forget.
     * "replace", not "add": a route some earlier session left to the same network is taken over.
     * The fd stays open until the command is done, even if {@link #close} comes meanwhile (the
     * interface lives as long as its fd), so the route cannot land on a newer interface that took
     * this one's name; the session calls this without its own lock.
     */
    @Override
    public void addRoute(Inet4Address network, int prefixLength) throws IOException {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength);
        }
        synchronized (routing) {
            if (closed) {
                throw new IOException("TUN device " + name + " is closed");
            }
            routesBeingAdded++;
        }
        try {
            routes.run(null, "ip", "-4", "route", "replace", network.getHostAddress() + "/" + prefixLength, "dev", name);
        } finally {
            boolean closeFd;
            synchronized (routing) {
                closeFd = --routesBeingAdded == 0 && fdLeftForRoutes;
            }
            if (closeFd) {
                LibC.close(fd);
            }
        }
        LOG.info("{}: route {}/{} into the tunnel", name, network.getHostAddress(), prefixLength);
    }

    /** Tests: what runs {@link #addRoute}'s command. */
    void routesBy(AdminCommands commands) {
        this.routes = commands;
    }

    /** The configuration the device was made with. */
    public TunnelConfig config() {
        return config;
    }

    /**
     * Writes the packet between position and limit to the OS in one write(2), then moves the
     * position to the limit (as the engine's in-memory device does).
     *
     * @throws ErrnoException e.g. EINVAL for something that is not an IP packet
     */
    @Override
    public void write(ByteBuffer ipPacket) throws IOException {
        int length = ipPacket.remaining();
        // An IPv4 packet's total length is 16 bits: nothing longer is a packet (and the framed
        // area holds a header and no more than that).
        if (length > TcpCoalescer.MAX_IP_LENGTH) {
            throw new IOException("IP packet of " + length + " octets is too long");
        }
        if (offloads) {
            TcpCoalescer<TunDevice> burst = TunWriteBurst.active();
            if (burst == null || !burst.add(this, ipPacket)) {
                // The header stays all zero (no offload asked: the kernel checks the checksums).
                MemorySegment framed = FRAMED.get();
                MemorySegment.copy(MemorySegment.ofBuffer(ipPacket), 0, framed, VirtioNetHeader.LENGTH, length);
                writeFramed(framed, VirtioNetHeader.LENGTH + length);
            }
        } else {
            writeOnce(NativeStaging.of(ipPacket), length, length);
        }
        ipPacket.position(ipPacket.limit());
    }

    /** One write(2) of a virtio-net header and a packet (the device has offloads on). */
    void writeFramed(MemorySegment data, int length) throws IOException {
        writeOnce(data, length, length - VirtioNetHeader.LENGTH);
    }

    /** One write(2) of {@code length} octets of {@code data}, holding {@code packetLength} octets of IP packet. */
    private void writeOnce(MemorySegment data, int length, int packetLength) throws IOException {
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new IOException("TUN device " + name + " is closed");
            }
            long rc;
            do {
                rc = LibC.write(fd, data, length);
            } while (rc == -Errno.EINTR);
            if (rc < 0) {
                throw new ErrnoException("write(" + name + ", " + packetLength + " octets)", (int) -rc);
            }
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /** {@link #deliver} as a consumer, made once (the reader hands it a segment at a time). */
    Consumer<ByteBuffer> deliverer() {
        return deliverer;
    }

    /** Whether packets carry a virtio-net header (IFF_VNET_HDR): the reader must cut TSO packets. */
    boolean offloads() {
        return offloads;
    }

    /**
     * Registers with the shared reader; packets the OS routed here before this waited in the
     * device's queue (up to its txqueuelen).
     *
     * @throws UncheckedIOException if epoll refuses the fd
     */
    @Override
    public void start(IpPacketSink sink) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("TUN device " + name + " already started");
        }
        this.sink = sink;
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("TUN device " + name + " is closed");
            }
            reader.register(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /** Deletes the interface. Idempotent; safe from any thread, the sink included. */
    @Override
    public void close() {
        fdLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (started.get()) {
                reader.unregister(this);
            }
            synchronized (routing) {
                // closed is set before this: an addRoute that starts from now on refuses.
                if (routesBeingAdded > 0) {
                    fdLeftForRoutes = true; // the last of them closes it
                } else {
                    LibC.close(fd);
                }
            }
        } finally {
            fdLock.writeLock().unlock();
        }
        onClose.accept(this);
        LOG.debug("TUN device {} closed", name);
    }

    boolean isClosed() {
        return closed;
    }

    int fd() {
        return fd;
    }

    /** For the reader: one read(2) into {@code buffer}, or -errno (-EBADF once closed). */
    long read(MemorySegment buffer, long capacity) {
        fdLock.readLock().lock();
        try {
            if (closed) {
                return -Errno.EBADF;
            }
            return LibC.read(fd, buffer, capacity);
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /** For the reader: hands one packet to the sink, outside any lock, so the sink may write or close. */
    void deliver(ByteBuffer packet) {
        try {
            sink.onIpPacket(packet);
        } catch (RuntimeException e) {
            SINK_FAILED.warn(LOG, e, "sink of TUN device {} failed on a packet", name);
        }
    }

    /** For the reader: the burst of {@link #deliver} calls is over; outside any lock. */
    void endOfBurst() {
        try {
            sink.endOfBurst();
        } catch (RuntimeException e) {
            SINK_FAILED.warn(LOG, e, "sink of TUN device {} failed at the end of a burst", name);
        }
    }

    /** For the reader: the device broke (the interface is gone); tells the sink, outside any lock. */
    void failed(String reason) {
        try {
            sink.deviceFailed(reason);
        } catch (RuntimeException e) {
            LOG.warn("sink of TUN device {} failed on the device's failure", name, e);
        }
    }

    @Override
    public String toString() {
        return "TunDevice[" + name + " " + config.localAddress().getHostAddress() + " -> "
                + config.peerAddress().getHostAddress() + "]";
    }
}
