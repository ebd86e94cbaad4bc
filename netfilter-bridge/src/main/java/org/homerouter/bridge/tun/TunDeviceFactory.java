package org.homerouter.bridge.tun;

import static org.homerouter.bridge.ffm.ErrnoException.check;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.Structs;
import org.homerouter.bridge.io.EventLoop;
import org.homerouter.pptp.tunnel.TunnelConfig;
import org.homerouter.pptp.tunnel.TunnelDeviceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes session devices from /dev/net/tun (Documentation/networking/tuntap.rst): TUNSETIFF with
 * IFF_TUN | IFF_NO_PI and a name pattern such as "pptp%d", so the kernel picks the first free
 * number (and IFF_VNET_HDR with TSO, see {@link TunDevice}); then MTU, local address, peer address, netmask 255.255.255.255 and the flags UP and
 * POINTOPOINT, through {@link InterfaceControl}. The kernel then routes the peer's /32 into the
 * device by itself, as it does for pppd's ppp0.
 *
 * <p>All devices of one factory share one reader ({@link TunReader}) on one thread: their own,
 * started with the first device, or an {@link EventLoop} given to the constructor. Devices are
 * created in the network namespace of the thread calling {@link #open}. Needs CAP_NET_ADMIN.
 */
public final class TunDeviceFactory implements TunnelDeviceFactory, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TunDeviceFactory.class);
    /** The clone device of tuntap.rst. */
    public static final String CLONE_DEVICE = "/dev/net/tun";
    // linux/if_tun.h: TUNSETIFF is _IOW('T', 202, int): write direction (1) << 30, size 4 << 16,
    // type 'T' << 8, number 202; x86_64 and ARM share this encoding (asm-generic/ioctl.h).
    static final long TUNSETIFF = 1L << 30 | 4L << 16 | 'T' << 8 | 202;
    static final short IFF_TUN = 0x0001;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;
    // TUNSETOFFLOAD is _IOW('T', 208, unsigned int); its argument is the flags themselves.
    static final long TUNSETOFFLOAD = 1L << 30 | 4L << 16 | 'T' << 8 | 208;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    /**
     * System property: "false" turns the TUN offloads off (no virtio-net headers, one packet per
     * read and write), e.g. to compare or to rule them out when something looks wrong.
     */
    public static final String OFFLOADS_PROPERTY = "homerouter.tun.offloads";
    private static final Inet4Address HOST_MASK = ipv4("255.255.255.255");

    private final Set<TunDevice> devices = ConcurrentHashMap.newKeySet();
    private final EventLoop loop;
    private TunReader reader;
    private boolean closed;

    /** Devices read by a thread of their own ("tun-reader"), started with the first device. */
    public TunDeviceFactory() {
        this(null);
    }

    /**
     * Devices read on {@code loop} (null: a thread of their own), e.g. the data path's loop that
     * also receives GRE; the caller closes the loop after this factory.
     */
    public TunDeviceFactory(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * Creates, configures and brings up a device named after {@code config.nameHint()} ("pptp"
     * becomes "pptp%d"; a hint with its own "%d" is used as it is).
     *
     * @throws ErrnoException ENOENT without /dev/net/tun, EPERM without CAP_NET_ADMIN
     */
    @Override
    public TunDevice open(TunnelConfig config) throws IOException {
        Inet4Address local = ipv4(config.localAddress(), "local");
        Inet4Address peer = ipv4(config.peerAddress(), "peer");
        String pattern = config.nameHint().contains("%d") ? config.nameHint() : config.nameHint() + "%d";
        if (pattern.length() >= Structs.IFNAMSIZ) {
            throw new IllegalArgumentException("name pattern longer than " + (Structs.IFNAMSIZ - 1) + ": " + pattern);
        }
        TunReader sharedReader = reader();
        boolean offloads = !"false".equalsIgnoreCase(System.getProperty(OFFLOADS_PROPERTY));
        int fd = check("open(" + CLONE_DEVICE + ")",
                LibC.open(CLONE_DEVICE, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC));
        TunDevice device;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(Structs.IFREQ);
            Structs.putIfName(ifreq, pattern);
            short flags = (short) (IFF_TUN | IFF_NO_PI | (offloads ? IFF_VNET_HDR : 0));
            ifreq.set(LibC.C_SHORT, Structs.IFREQ_UNION, flags);
            check("ioctl(TUNSETIFF, " + pattern + ")", LibC.ioctl(fd, TUNSETIFF, ifreq));
            String name = Structs.ifName(ifreq);
            if (offloads) {
                // Checksum and TCPv4 segmentation offload: the kernel may hand us partial checksums
                // and 64 KiB TCP packets, which the reader completes and cuts (TcpSegmenter).
                // No TSO6 (no IPv6 here), no ECN (CWR packets are cut by the kernel itself).
                check("ioctl(TUNSETOFFLOAD, " + name + ")",
                        LibC.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(TUN_F_CSUM | TUN_F_TSO4)));
            }
            disableIpv6(name);
            try (InterfaceControl control = InterfaceControl.open()) {
                control.setMtu(name, config.mtu());
                control.setAddress(name, local);
                control.setDestination(name, peer);
                control.setNetmask(name, HOST_MASK);
                // RUNNING is the kernel's to report (carrier is on while the fd is attached);
                // asking for it is harmless and states the intent.
                control.addFlags(name, InterfaceControl.IFF_UP | InterfaceControl.IFF_RUNNING
                        | InterfaceControl.IFF_POINTOPOINT);
            }
            device = new TunDevice(name, fd, offloads, config, sharedReader, devices::remove);
        } catch (IOException | RuntimeException | Error e) {
            LibC.close(fd); // deletes the half-made interface
            throw e;
        }
        synchronized (this) {
            if (!closed) {
                devices.add(device);
                return device;
            }
        }
        // The factory closed while this device was being made: its close did not see it, and its
        // reader is gone. The device goes too, rather than outliving the data plane.
        device.close();
        throw new IOException("TUN device factory closed while " + device.name() + " was being made");
    }

    /**
     * A session carries IPv4 only (IPCP; IPv6CP is refused), and the engine passes nothing else.
     * Without IPv6 on the interface the kernel also makes no link-local address and sends no router
     * solicitations into it, and would drop IPv6 written to it. Before the interface is up, so no
     * address is ever made. The sysctl is the calling thread's namespace's, the device's.
     */
    private static void disableIpv6(String name) {
        Path knob = Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6");
        try {
            Files.writeString(knob, "1");
        } catch (NoSuchFileException e) {
            // A kernel without IPv6: nothing to turn off.
        } catch (IOException e) {
            LOG.warn("could not turn IPv6 off on {}: {} (the engine still passes only IPv4)", name, e.toString());
        }
    }

    private synchronized TunReader reader() throws IOException {
        if (closed) {
            throw new IllegalStateException("TUN device factory is closed");
        }
        if (reader == null) {
            reader = loop == null ? TunReader.start() : TunReader.on(loop);
        }
        return reader;
    }

    /** Closes every device still open, then stops the reader thread. */
    @Override
    public void close() {
        TunReader r;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            r = reader;
        }
        for (TunDevice device : List.copyOf(devices)) {
            device.close();
        }
        if (r != null) {
            r.close();
        }
    }

    private static Inet4Address ipv4(InetAddress address, String role) {
        if (address instanceof Inet4Address v4) {
            return v4;
        }
        throw new IllegalArgumentException("the " + role + " address of a TUN session device must be IPv4: " + address);
    }

    private static Inet4Address ipv4(String literal) {
        try {
            return (Inet4Address) InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
