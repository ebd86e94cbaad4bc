package org.homerouter.bridge.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TunConstantsTest {
    @Test
    void tunsetiffIsTheKernelsIowEncoding() {
        // _IOW('T', 202, int) as glibc's headers expand it on x86_64 and arm.
        assertEquals(0x400454caL, TunDeviceFactory.TUNSETIFF);
    }
}
