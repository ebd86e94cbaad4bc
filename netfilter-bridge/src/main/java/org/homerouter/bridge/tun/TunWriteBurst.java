package org.homerouter.bridge.tun;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks a burst of TUN writes on the calling thread, so that consecutive TCP segments written to
 * a device inside it may be joined into one write ({@link TcpCoalescer}). The GRE receive loop
 * opens one around each recvmmsg batch it hands out; the burst's end writes whatever is still
 * held, so nothing waits beyond the batch that brought it. Writes outside a burst (timers, other
 * threads) go out one by one at once, as before.
 */
public final class TunWriteBurst {
    private static final Logger LOG = LoggerFactory.getLogger(TunWriteBurst.class);

    // One coalescer per thread that ever bursts (in practice the GRE receive thread): 64 KiB of
    // native memory, freed with the thread.
    private static final ThreadLocal<TcpCoalescer<TunDevice>> COALESCER = ThreadLocal.withInitial(
            () -> new TcpCoalescer<>(Arena.ofAuto().allocate(TcpCoalescer.AREA_SIZE, 64), TunWriteBurst::write));
    private static final ThreadLocal<TcpCoalescer<TunDevice>> ACTIVE = new ThreadLocal<>();

    private TunWriteBurst() {
    }

    /** Starts a burst on this thread (if one is open already, it stays the one: the next {@link #end} ends it). */
    public static void begin() {
        if (ACTIVE.get() == null) {
            ACTIVE.set(COALESCER.get());
        }
    }

    /** Ends the burst: writes out what is held. A failed write is logged, as a lost packet is. */
    public static void end() {
        TcpCoalescer<TunDevice> coalescer = ACTIVE.get();
        if (coalescer == null) {
            return;
        }
        ACTIVE.remove();
        try {
            coalescer.flush();
        } catch (IOException | RuntimeException e) {
            LOG.debug("joined TCP segments could not be written at the end of a burst: {}", e.toString());
        }
    }

    /**
     * Writes a joined run. The writes that made it up returned long ago, so a failure here (the
     * device closed meanwhile) is logged like a packet lost on the way, and never thrown into the
     * write of another device's packet that happened to end the run.
     */
    private static void write(TunDevice device, MemorySegment data, int length) {
        try {
            device.writeFramed(data, length);
        } catch (IOException e) {
            LOG.debug("{}: joined TCP segments lost: {}", device.name(), e.getMessage());
        }
    }

    /** The coalescer of this thread's open burst, or null outside one. */
    static TcpCoalescer<TunDevice> active() {
        return ACTIVE.get();
    }
}
