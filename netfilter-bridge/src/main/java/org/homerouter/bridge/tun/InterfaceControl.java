package org.homerouter.bridge.tun;

import static org.homerouter.bridge.ffm.ErrnoException.check;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;

import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.Structs;

/**
 * Sets an interface's MTU, IPv4 addresses and flags with the classic ioctls of netdevice(7) on an
 * AF_INET datagram socket, which is all a point-to-point session device needs (no netlink). The
 * socket decides the namespace: create this on a thread inside the interface's namespace. Needs
 * CAP_NET_ADMIN. One thread at a time.
 */
final class InterfaceControl implements AutoCloseable {
    // linux/sockios.h
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCSIFFLAGS = 0x8914;
    static final long SIOCSIFADDR = 0x8916;
    static final long SIOCSIFDSTADDR = 0x8918;
    static final long SIOCSIFNETMASK = 0x891c;
    static final long SIOCSIFMTU = 0x8922;
    // linux/if.h (enum net_device_flags)
    static final int IFF_UP = 0x1;
    static final int IFF_POINTOPOINT = 0x10;
    static final int IFF_RUNNING = 0x40;

    private final int fd;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ifreq = arena.allocate(Structs.IFREQ);

    private InterfaceControl(int fd) {
        this.fd = fd;
    }

    static InterfaceControl open() throws ErrnoException {
        return new InterfaceControl(check("socket(AF_INET, SOCK_DGRAM)",
                LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0)));
    }

    void setMtu(String name, int mtu) throws ErrnoException {
        request(name);
        ifreq.set(LibC.C_INT, Structs.IFREQ_UNION, mtu);
        check("ioctl(SIOCSIFMTU, " + name + ", " + mtu + ")", LibC.ioctl(fd, SIOCSIFMTU, ifreq));
    }

    /** The local address; on a point-to-point device the kernel makes it a /32 (devinet_ioctl). */
    void setAddress(String name, Inet4Address address) throws ErrnoException {
        setSockaddr("SIOCSIFADDR", SIOCSIFADDR, name, address);
    }

    /** The peer address of a point-to-point device; the kernel adds the /32 route to it. */
    void setDestination(String name, Inet4Address address) throws ErrnoException {
        setSockaddr("SIOCSIFDSTADDR", SIOCSIFDSTADDR, name, address);
    }

    void setNetmask(String name, Inet4Address mask) throws ErrnoException {
        setSockaddr("SIOCSIFNETMASK", SIOCSIFNETMASK, name, mask);
    }

    int flags(String name) throws ErrnoException {
        request(name);
        check("ioctl(SIOCGIFFLAGS, " + name + ")", LibC.ioctl(fd, SIOCGIFFLAGS, ifreq));
        return ifreq.get(LibC.C_SHORT, Structs.IFREQ_UNION) & 0xFFFF;
    }

    /** Read-modify-write of the flags, so the ones the driver set (NOARP, MULTICAST) stay. */
    void addFlags(String name, int flags) throws ErrnoException {
        int current = flags(name);
        request(name);
        ifreq.set(LibC.C_SHORT, Structs.IFREQ_UNION, (short) (current | flags));
        check("ioctl(SIOCSIFFLAGS, " + name + ")", LibC.ioctl(fd, SIOCSIFFLAGS, ifreq));
    }

    private void setSockaddr(String requestName, long request, String name, Inet4Address address)
            throws ErrnoException {
        request(name);
        Structs.putSockaddrIn(ifreq.asSlice(Structs.IFREQ_UNION, Structs.SOCKADDR_IN), address, 0);
        check("ioctl(" + requestName + ", " + name + ", " + address.getHostAddress() + ")",
                LibC.ioctl(fd, request, ifreq));
    }

    private void request(String name) {
        ifreq.fill((byte) 0);
        Structs.putIfName(ifreq, name);
    }

    @Override
    public void close() {
        LibC.close(fd);
        arena.close();
    }
}
