package org.homerouter.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The probe against the real kernel: as root everything is there; in a thread that dropped
 * CAP_NET_RAW and CAP_NET_ADMIN from its effective set (capabilities are per thread, capset(2))
 * the probe says what is missing.
 */
@Tag("root")
class DataPlaneProbeRootTest {
    /** linux/capability.h _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set. */
    private static final int CAPABILITY_VERSION_3 = 0x20080522;
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;

    @Test
    void rootHasTheDataPlane() {
        DataPlaneStatus s = DataPlaneProbe.probe();
        assertTrue(s.available(), s.message());
    }

    @Test
    void threadWithoutNetworkCapabilitiesIsToldWhatToGrant() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                dropEffective(CAP_NET_ADMIN, CAP_NET_RAW);
                outcome.set(DataPlaneProbe.probe());
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        t.join();
        if (!(outcome.get() instanceof DataPlaneStatus s)) {
            throw new AssertionError("probe thread failed", (Throwable) outcome.get());
        }
        assertFalse(s.available());
        assertEquals("Linux data plane unavailable: no CAP_NET_RAW, no CAP_NET_ADMIN"
                + " (run as root or grant CAP_NET_ADMIN,CAP_NET_RAW); PPTP control and the UI keep running", s.message());
        // The rest of the process keeps its capabilities.
        assertTrue(DataPlaneProbe.probe().available());
    }

    /** capget(2)/capset(2) on the calling thread: clears {@code caps} from the effective set only. */
    @SuppressWarnings("restricted") // test code calling libc directly, as the module's LibC does
    private static void dropEffective(int... caps) throws Throwable {
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
        MethodHandle capget = linker.downcallHandle(linker.defaultLookup().findOrThrow("capget"), fd);
        MethodHandle capset = linker.downcallHandle(linker.defaultLookup().findOrThrow("capset"), fd);
        try (Arena arena = Arena.ofConfined()) {
            // struct __user_cap_header_struct { __u32 version; int pid; } (pid 0: this thread)
            MemorySegment header = arena.allocate(8);
            header.set(ValueLayout.JAVA_INT, 0, CAPABILITY_VERSION_3);
            // struct __user_cap_data_struct { __u32 effective, permitted, inheritable; }[2]
            MemorySegment data = arena.allocate(24);
            if ((int) capget.invokeExact(header, data) != 0) {
                throw new IllegalStateException("capget failed");
            }
            int effective = data.get(ValueLayout.JAVA_INT, 0);
            for (int cap : caps) {
                effective &= ~(1 << cap);
            }
            data.set(ValueLayout.JAVA_INT, 0, effective);
            if ((int) capset.invokeExact(header, data) != 0) {
                throw new IllegalStateException("capset failed");
            }
        }
    }
}
