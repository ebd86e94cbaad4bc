package org.homerouter.bridge.tun;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.NativeStaging;
import org.homerouter.bridge.io.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every TUN device of a factory on one {@link EventLoop} thread: a router may carry hundreds
 * of sessions, and a thread each would cost more than the traffic. The loop may be the data path's
 * shared one, which also receives GRE (see {@link EventLoop} for why). A ready device gets at most
 * {@value #PACKETS_PER_TURN} reads and {@value #OCTETS_PER_TURN} octets per turn (so one busy
 * session cannot starve the others or the GRE socket); each packet goes, in one reused buffer, to
 * the device's sink, which is then told that the burst is over
 * ({@link org.homerouter.pptp.tunnel.IpPacketSink#endOfBurst}), so that the GRE packets the burst
 * produced leave in one system call.
 */
final class TunReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TunReader.class);
    static final int PACKETS_PER_TURN = 64;
    /** With offloads one read can carry 64 KiB (45 segments to encrypt): four of them per turn. */
    static final int OCTETS_PER_TURN = 256 * 1024;

    private final EventLoop loop;
    private final boolean ownsLoop;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment packet;
    private final ByteBuffer packetView;
    private final TcpSegmenter segmenter;
    private volatile boolean closed;

    private TunReader(EventLoop loop, boolean ownsLoop) {
        this.loop = loop;
        this.ownsLoop = ownsLoop;
        packet = arena.allocate(VirtioNetHeader.LENGTH + NativeStaging.CAPACITY, 64);
        packetView = packet.asByteBuffer();
        // Heap, not native: the session encrypts each segment straight from its array.
        segmenter = new TcpSegmenter(ByteBuffer.allocate(NativeStaging.CAPACITY));
    }

    /** A reader on its own loop thread, "tun-reader". */
    static TunReader start() throws IOException {
        return new TunReader(EventLoop.start("tun-reader"), true);
    }

    /** A reader on {@code loop}, which the caller keeps and closes after this reader. */
    static TunReader on(EventLoop loop) {
        return new TunReader(loop, false);
    }

    /** Starts reading {@code device}'s fd. */
    void register(TunDevice device) throws IOException {
        if (closed) {
            throw new IOException("TUN reader is closed");
        }
        loop.register(device.fd(), () -> pump(device));
    }

    /** Stops reading {@code device}'s fd; call before the fd is closed. */
    void unregister(TunDevice device) {
        loop.unregister(device.fd());
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

    /** Reads and delivers up to {@value #PACKETS_PER_TURN} packets (and about {@value #OCTETS_PER_TURN} octets); returns how many reads delivered something. */
    private int read(TunDevice device) {
        int delivered = 0;
        long octets = 0;
        for (int i = 0; i < PACKETS_PER_TURN && octets < OCTETS_PER_TURN; i++) {
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
            octets += n;
        }
        return delivered;
    }

    /**
     * Stops reading (devices must be closed first): stops the loop if it is this reader's own, and
     * frees the packet buffer once the loop is done with it.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.execute(arena::close);
        if (ownsLoop) {
            loop.close();
        }
    }
}
