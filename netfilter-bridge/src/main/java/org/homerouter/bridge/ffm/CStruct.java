package org.homerouter.bridge.ffm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds FFM struct layouts the way a C compiler lays structs out: each member at the next offset
 * aligned to its own alignment, the whole rounded up to the largest member alignment. FFM wants
 * the padding spelled out, and spelling it by hand would tie the layouts to one ABI; computed from
 * the canonical layouts, the same declaration is right on x86_64, arm64 and armhf.
 */
public final class CStruct {
    private CStruct() {
    }

    /** A naturally aligned struct of {@code members} (each should carry a name). */
    public static StructLayout of(String name, MemoryLayout... members) {
        List<MemoryLayout> laid = new ArrayList<>();
        long offset = 0;
        long maxAlignment = 1;
        int pad = 0;
        for (MemoryLayout member : members) {
            long alignment = member.byteAlignment();
            maxAlignment = Math.max(maxAlignment, alignment);
            long aligned = roundUp(offset, alignment);
            if (aligned > offset) {
                laid.add(MemoryLayout.paddingLayout(aligned - offset).withName("pad" + pad++));
            }
            laid.add(member);
            offset = aligned + member.byteSize();
        }
        long size = roundUp(offset, maxAlignment);
        if (size > offset) {
            laid.add(MemoryLayout.paddingLayout(size - offset).withName("pad" + pad));
        }
        return MemoryLayout.structLayout(laid.toArray(MemoryLayout[]::new)).withName(name);
    }

    private static long roundUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }
}
