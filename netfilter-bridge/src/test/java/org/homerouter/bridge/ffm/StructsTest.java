package org.homerouter.bridge.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.net.Inet4Address;
import java.net.InetAddress;

import org.junit.jupiter.api.Test;

/** The computed layouts against the sizes the C headers give on x86_64 (and epoll_event on arm64). */
class StructsTest {
    @Test
    void layoutsMatchTheLinuxX8664Abi() {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "x86_64 sizes");
        assertEquals(16, Structs.SOCKADDR_IN.byteSize());
        assertEquals(40, Structs.IFREQ.byteSize());
        assertEquals(16, Structs.IFREQ_UNION);
        assertEquals(8, Structs.POLLFD.byteSize());
        assertEquals(6, Structs.POLLFD_REVENTS);
        assertEquals(12, Structs.EPOLL_EVENT.byteSize());
        assertEquals(4, Structs.EPOLL_EVENT_DATA);
        assertEquals(16, Structs.IOVEC.byteSize());
        assertEquals(56, Structs.MSGHDR.byteSize());
        assertEquals(64, Structs.MMSGHDR.byteSize());
        assertEquals(56, Structs.MMSGHDR_LEN);
        assertEquals(48, Structs.MMSGHDR_FLAGS);
    }

    @Test
    void epollEventIsPackedOnlyOnX86() {
        StructLayout arm64 = Structs.epollEvent("aarch64");
        assertEquals(16, arm64.byteSize());
        assertEquals(8, arm64.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("data")));
        assertEquals(12, Structs.epollEvent("amd64").byteSize());
    }

    @Test
    void sockaddrInIsFamilyInHostOrderThenPortAndAddressInNetworkOrder() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Structs.SOCKADDR_IN);
            Structs.putSockaddrIn(s, (Inet4Address) InetAddress.getByName("10.1.2.3"), 1723);
            assertEquals(LibC.AF_INET, s.get(LibC.C_SHORT, 0));
            byte[] tail = s.asSlice(2, 14).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertEquals("06bb0a010203" + "0".repeat(16), java.util.HexFormat.of().formatHex(tail));
        }
    }

    @Test
    void interfaceNamesAreNulTerminatedAndBounded() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(Structs.IFREQ);
            Structs.putIfName(ifreq, "pptp%d");
            assertEquals("pptp%d", Structs.ifName(ifreq));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Structs.putIfName(ifreq, "sixteen-chars-xx"));
        }
    }
}
