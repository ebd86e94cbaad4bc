package org.homerouter.bridge.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** The test's own ICMP responder must be right before it can judge the TUN device. */
class IcmpEchoResponderTest {
    @Test
    void echoReplyChecksumsVerify() {
        // An echo request 10.0.0.1 -> 10.0.0.2, id 1, seq 1, payload "ab", checksums zero.
        byte[] request = {0x45, 0, 0, 30, 0, 1, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                8, 0, 0, 0, 0, 1, 0, 1, 'a', 'b'};
        ByteBuffer reply = IcmpEchoResponder.echoReplyTo(ByteBuffer.wrap(request));
        byte[] r = reply.array();
        assertEquals(0, IcmpEchoResponder.checksum(r, 0, 20));
        assertEquals(0, IcmpEchoResponder.checksum(r, 20, 10));
        assertEquals(0, r[20]);
        assertEquals(2, r[15]);
        assertEquals(1, r[19]);
    }

    @Test
    void otherPacketsAreLeftAlone() {
        byte[] udp = {0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                0, 1, 0, 2, 0, 8, 0, 0};
        assertNull(IcmpEchoResponder.echoReplyTo(ByteBuffer.wrap(udp)));
        byte[] ipv6 = new byte[48];
        ipv6[0] = 0x60;
        assertNull(IcmpEchoResponder.echoReplyTo(ByteBuffer.wrap(ipv6)));
    }
}
