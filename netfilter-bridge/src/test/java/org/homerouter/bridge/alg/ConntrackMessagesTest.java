package org.homerouter.bridge.alg;

import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.pptp.alg.ControlFlow;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

/** The ctnetlink get and its answer against layouts written out by hand from linux/netfilter/nfnetlink_conntrack.h. */
class ConntrackMessagesTest {
    private static final ControlFlow FLOW = new ControlFlow(v4("192.168.1.10"), 40000, v4("203.0.113.5"), 1723);

    private static Inet4Address v4(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static String h16(int v) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) v).array());
    }

    private static String h32(int v) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array());
    }

    @Test
    void getAsksForTheTcpConnectionByItsOriginalTuple() {
        ByteBuffer b = ConntrackMessages.get(FLOW, 7);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        String expected = h32(72) + h16(0x0101) + h16(1) + h32(7) + h32(0) // nlmsghdr: CTNETLINK<<8|CT_GET, REQUEST
                + "02" + "00" + "0000"                                        // nfgenmsg: AF_INET, v0, res_id 0
                + h16(52) + h16(0x8001)                                       // CTA_TUPLE_ORIG, nested
                + h16(20) + h16(0x8001)                                       //   CTA_TUPLE_IP, nested
                + h16(8) + h16(1) + "c0a8010a"                                //     CTA_IP_V4_SRC 192.168.1.10
                + h16(8) + h16(2) + "cb007105"                                //     CTA_IP_V4_DST 203.0.113.5
                + h16(28) + h16(0x8002)                                       //   CTA_TUPLE_PROTO, nested
                + h16(5) + h16(1) + "06" + "000000"                           //     CTA_PROTO_NUM TCP, padded
                + h16(6) + h16(2) + "9c40" + "0000"                           //     CTA_PROTO_SRC_PORT 40000
                + h16(6) + h16(3) + "06bb" + "0000";                          //     CTA_PROTO_DST_PORT 1723
        assertEquals(expected, HexFormat.of().formatHex(out));
    }

    /** The reply tuple's destination, not the original tuple's source nor the reply's source. */
    @Test
    void theAnswersReplyDestinationIsTheNatAddress() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        b.putInt(0).putShort((short) 0x0100).putShort((short) 0).putInt(7).putInt(0);
        b.put((byte) 2).put((byte) 0).putShort((short) 0);
        tuple(b, 1, "c0a8010a", "cb007105");   // CTA_TUPLE_ORIG: client -> server
        tuple(b, 2, "cb007105", "c6336407");   // CTA_TUPLE_REPLY: server -> 198.51.100.7
        b.putShort((short) 8).putShort((short) 3).putInt(0); // CTA_STATUS
        b.putInt(0, b.position());
        assertEquals(v4("198.51.100.7"), ConntrackMessages.replyDestination(b.flip()));
    }

    @Test
    void anErrorAnswerIsThrownAndATruncatedOneGivesNothing() {
        ByteBuffer error = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        error.putInt(36).putShort((short) 2).putShort((short) 0).putInt(7).putInt(0).putInt(-2).put(new byte[16]);
        ErrnoException e = assertThrows(ErrnoException.class, () -> ConntrackMessages.replyDestination(error.flip()));
        assertEquals(2, e.errno(), "ENOENT: no such connection");

        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
        b.putInt(0).putShort((short) 0x0100).putShort((short) 0).putInt(7).putInt(0);
        b.put((byte) 2).put((byte) 0).putShort((short) 0);
        // A reply tuple that claims more octets than the message holds.
        b.putShort((short) 40).putShort((short) 0x8002).putInt(0);
        b.putInt(0, b.position());
        assertDoesNotThrow(() -> assertNull(ConntrackMessages.replyDestination(b.flip())));
    }

    /** CTA_TUPLE_* {CTA_TUPLE_IP {V4_SRC, V4_DST}, CTA_TUPLE_PROTO {PROTO_NUM}}, as ctnetlink_dump_tuples writes it. */
    private static void tuple(ByteBuffer b, int type, String source, String destination) {
        int tuple = b.position();
        b.putShort((short) 0).putShort((short) (type | 0x8000));
        b.putShort((short) 20).putShort((short) (1 | 0x8000));
        b.putShort((short) 8).putShort((short) 1).put(HexFormat.of().parseHex(source));
        b.putShort((short) 8).putShort((short) 2).put(HexFormat.of().parseHex(destination));
        b.putShort((short) 12).putShort((short) (2 | 0x8000));
        b.putShort((short) 5).putShort((short) 1).put((byte) 6).put(new byte[3]);
        b.putShort(tuple, (short) (b.position() - tuple));
    }
}
