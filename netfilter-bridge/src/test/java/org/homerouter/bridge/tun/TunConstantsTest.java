package org.homerouter.bridge.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TunConstantsTest {
    @Test
    void tunsetiffIsTheKernelsIowEncoding() {
        // _IOW('T', 202, int) as glibc's headers expand it on x86_64 and arm.
        assertEquals(0x400454caL, TunDeviceFactory.TUNSETIFF);
    }

    @Test
    void tunsetoffloadIsTheKernelsIowEncoding() {
        // _IOW('T', 208, unsigned int): 0x400454d0 in linux/if_tun.h's expansion.
        assertEquals(0x400454d0L, TunDeviceFactory.TUNSETOFFLOAD);
    }
}
