package org.homerouter.bridge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.homerouter.bridge.ffm.LibC;

/**
 * Whether the kernel's clock is synchronized by a time client (systemd-timesyncd, chrony, ntpd):
 * they all clear its "unsynchronized" status once a server answers, and the kernel sets it again
 * when none has for hours (its error estimate has grown past 16 s). A router without a
 * battery-backed clock shows stale times until then, and the UI says so.
 */
public final class ClockState {
    /** linux/timex.h: the clock is not synchronized. */
    static final int TIME_ERROR = 5;
    /**
     * Room for struct timex on every ABI (208 octets on 64-bit Linux, less on 32-bit; the 64-bit
     * time variant of 32-bit ARM fits too). Zeroed: modes 0 only reads.
     */
    private static final long TIMEX_ROOM = 512;

    private ClockState() {
    }

    /** True when a time client has set the clock, false when not yet; empty if the kernel does not say. */
    public static Optional<Boolean> synchronizedByTimeServer() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timex = arena.allocate(TIMEX_ROOM, 8);
            int state = LibC.adjtimex(timex);
            return state < 0 ? Optional.empty() : Optional.of(state != TIME_ERROR);
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }
}
