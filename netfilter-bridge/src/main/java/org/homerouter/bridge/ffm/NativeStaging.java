package org.homerouter.bridge.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Gives a system call the native memory of a packet. A direct buffer's memory is passed as it is;
 * a heap buffer is copied into a 64 KiB area that belongs to the calling thread (allocated once per
 * thread, freed with it), because the GC may move heap arrays while a downcall runs.
 */
public final class NativeStaging {
    private NativeStaging() {
    }

    /** Room for the largest IP datagram. */
    public static final int CAPACITY = 65536;

    private static final ThreadLocal<MemorySegment> AREA =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPACITY, 64));

    /**
     * The octets between {@code buffer}'s position and limit as native memory, valid until this
     * thread's next call. The buffer's position is not moved.
     *
     * @throws IllegalArgumentException if more than {@value #CAPACITY} octets remain
     */
    public static MemorySegment of(ByteBuffer buffer) {
        int length = buffer.remaining();
        if (length > CAPACITY) {
            throw new IllegalArgumentException(length + " octets exceed " + CAPACITY);
        }
        MemorySegment source = MemorySegment.ofBuffer(buffer);
        if (buffer.isDirect()) {
            return source;
        }
        MemorySegment area = AREA.get();
        MemorySegment.copy(source, 0, area, 0, length);
        return area;
    }
}
