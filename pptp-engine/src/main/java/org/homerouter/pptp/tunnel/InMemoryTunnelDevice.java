package org.homerouter.pptp.tunnel;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The engine's test double for a session device: remembers what the tunnel wrote to "the OS" and
 * lets a test inject packets as if the OS had routed them into the device.
 */
public final class InMemoryTunnelDevice implements TunnelDevice {
    private final String name;
    private final TunnelConfig config;
    private final List<byte[]> written = new CopyOnWriteArrayList<>();
    private volatile IpPacketSink sink;
    private volatile boolean closed;
    private volatile int mtu;
    private final List<String> routes = new CopyOnWriteArrayList<>();

    public InMemoryTunnelDevice(String name, TunnelConfig config) {
        this.name = name;
        this.config = config;
        this.mtu = config.mtu();
    }

    @Override
    public String name() {
        return name;
    }

    public TunnelConfig config() {
        return config;
    }

    @Override
    public void write(ByteBuffer ipPacket) {
        byte[] copy = new byte[ipPacket.remaining()];
        ipPacket.get(copy);
        written.add(copy);
    }

    @Override
    public boolean setMtu(int value) {
        mtu = value;
        return true;
    }

    /** The MTU now: the configured one unless the session lowered it. */
    public int mtu() {
        return mtu;
    }

    @Override
    public void start(IpPacketSink sink) {
        this.sink = sink;
    }

    /** Started by its session and not closed: {@link #inject} may be called. */
    public boolean running() {
        return sink != null && !closed;
    }

    /** As if the OS routed {@code packet} into this device. */
    public void inject(byte[] packet) {
        IpPacketSink s = sink;
        if (s == null || closed) {
            throw new IllegalStateException("device " + name + " not started or closed");
        }
        s.onIpPacket(ByteBuffer.wrap(packet));
        s.endOfBurst();
    }

    /** As if the OS removed the interface under the session. */
    public void fail(String reason) {
        IpPacketSink s = sink;
        if (s != null && !closed) {
            s.deviceFailed(reason);
        }
    }

    /** Records the route as "network/length", as a TUN device's kernel route would carry it. */
    @Override
    public void addRoute(java.net.Inet4Address network, int prefixLength) throws java.io.IOException {
        if (closed) {
            throw new java.io.IOException(name + " is closed");
        }
        routes.add(network.getHostAddress() + "/" + prefixLength);
    }

    /** The routes into this device, while it is open (a closed device has none, as in the kernel). */
    public List<String> routes() {
        return closed ? List.of() : List.copyOf(routes);
    }

    /** Packets the tunnel delivered to the OS, in order. */
    public List<byte[]> written() {
        return List.copyOf(written);
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
