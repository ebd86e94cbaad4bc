package org.homerouter.bridge.systemd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.homerouter.bridge.ffm.LibC;

/**
 * A {@code struct sockaddr_un} (linux/un.h: sa_family_t, then sun_path[108]) for a file-system path
 * or, written with a leading '@' as NOTIFY_SOCKET does, an abstract name.
 */
final class UnixAddress {
    private static final int SIZE = 110;
    private static final int PATH_OFFSET = 2;

    private final String name;
    private final byte[] bytes;

    private UnixAddress(String name, byte[] bytes) {
        this.name = name;
        this.bytes = bytes;
    }

    static UnixAddress of(String name) throws IOException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length >= SIZE - PATH_OFFSET) {
            throw new IOException("not a sockaddr_un path: '" + name + "'");
        }
        return new UnixAddress(name, bytes);
    }

    private boolean isAbstract() {
        return bytes[0] == '@';
    }

    /** The structure, in {@code arena}; pass {@link #length} with it. */
    MemorySegment in(Arena arena) {
        MemorySegment address = arena.allocate(SIZE); // zeroed: a path's terminating NUL
        address.set(ValueLayout.JAVA_SHORT, 0, (short) LibC.AF_UNIX);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, PATH_OFFSET, bytes.length);
        if (isAbstract()) {
            address.set(ValueLayout.JAVA_BYTE, PATH_OFFSET, (byte) 0); // abstract: a leading NUL
        }
        return address;
    }

    /** The address length: an abstract name ends where the length says (no terminator), a path after its NUL. */
    int length() {
        return PATH_OFFSET + bytes.length + (isAbstract() ? 0 : 1);
    }

    @Override
    public String toString() {
        return name;
    }
}
