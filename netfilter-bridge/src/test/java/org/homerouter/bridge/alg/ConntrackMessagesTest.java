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

    @Test
    void aDumpAsksForEveryIpv4Entry() {
        ByteBuffer b = ConntrackMessages.dump(9);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        // nlmsghdr: CTNETLINK<<8|IPCTNL_MSG_CT_GET, NLM_F_REQUEST|NLM_F_DUMP (ROOT 0x100 | MATCH 0x200); nfgenmsg AF_INET
        assertEquals(h32(20) + h16(0x0101) + h16(0x0301) + h32(9) + h32(0) + "02" + "00" + "0000",
                HexFormat.of().formatHex(out));
    }

    @Test
    void aDeleteNamesTheEntryByItsOriginalTupleAndId() {
        ConntrackEntry gre = new ConntrackEntry(47, v4("198.51.100.7"), 0, v4("203.0.113.5"), 0x1234,
                v4("192.168.1.10"), 0x1234, v4("198.51.100.7"), 0, 0x1a8, 0xdeadbeef);
        ByteBuffer b = ConntrackMessages.delete(gre, 3);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        String expected = h32(80) + h16(0x0102) + h16(5) + h32(3) + h32(0) // CTNETLINK<<8|IPCTNL_MSG_CT_DELETE, REQUEST|ACK
                + "02" + "00" + "0000"
                + h16(52) + h16(0x8001)                                       // CTA_TUPLE_ORIG, nested
                + h16(20) + h16(0x8001)                                       //   CTA_TUPLE_IP
                + h16(8) + h16(1) + "c6336407"                                //     CTA_IP_V4_SRC 198.51.100.7
                + h16(8) + h16(2) + "cb007105"                                //     CTA_IP_V4_DST 203.0.113.5
                + h16(28) + h16(0x8002)                                       //   CTA_TUPLE_PROTO
                + h16(5) + h16(1) + "2f" + "000000"                           //     CTA_PROTO_NUM GRE
                + h16(6) + h16(2) + "0000" + "0000"                           //     CTA_PROTO_SRC_PORT: GRE's key 0
                + h16(6) + h16(3) + "1234" + "0000"                           //     CTA_PROTO_DST_PORT: GRE's key 0x1234
                + h16(8) + h16(12) + "deadbeef";                              // CTA_ID, big-endian
        assertEquals(expected, HexFormat.of().formatHex(out));
    }

    /** A ping's entry: the kernel's ICMP tuple has the echo id, type and code, no ports (an ended session's pings are deleted too). */
    @Test
    void aPingsEntryIsDeletedByItsIdTypeAndCode() throws Exception {
        ConntrackEntry ping = new ConntrackEntry(1, v4("10.8.0.5"), 0x0abc, v4("203.0.113.9"), 8 << 8, v4("203.0.113.9"),
                0x0abc, v4("203.0.113.1"), 0, 0x19e, 0x01020304);
        ByteBuffer b = ConntrackMessages.delete(ping, 4);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        String expected = h32(88) + h16(0x0102) + h16(5) + h32(4) + h32(0)
                + "02" + "00" + "0000"
                + h16(60) + h16(0x8001)                                       // CTA_TUPLE_ORIG, nested
                + h16(20) + h16(0x8001)                                       //   CTA_TUPLE_IP
                + h16(8) + h16(1) + "0a080005"                                //     CTA_IP_V4_SRC 10.8.0.5
                + h16(8) + h16(2) + "cb007109"                                //     CTA_IP_V4_DST 203.0.113.9
                + h16(36) + h16(0x8002)                                       //   CTA_TUPLE_PROTO
                + h16(5) + h16(1) + "01" + "000000"                           //     CTA_PROTO_NUM ICMP
                + h16(6) + h16(4) + "0abc" + "0000"                           //     CTA_PROTO_ICMP_ID
                + h16(5) + h16(5) + "08" + "000000"                           //     CTA_PROTO_ICMP_TYPE echo request
                + h16(5) + h16(6) + "00" + "000000"                           //     CTA_PROTO_ICMP_CODE 0
                + h16(8) + h16(12) + "01020304";                              // CTA_ID
        assertEquals(expected, HexFormat.of().formatHex(out));
    }

    @Test
    void aDumpsAnswerGivesItsEntriesAndTheLastSaysDone() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
        entry(b, "c6336407", 40000, "cb007105", 1723, "c0a8010a", 1723, "c6336407", 40000, 6, 0x1ae, 77);
        entry(b, "c0a8010a", 5, "c6336407", 9, "c6336407", 9, "cb007105", 5, 47, 0x19e, 78);
        // A TCP entry without the ports its protocol has: left out.
        int icmp = b.position();
        b.putInt(0).putShort((short) 0x0100).putShort((short) 2).putInt(1).putInt(0).put((byte) 2).put((byte) 0)
                .putShort((short) 0);
        tuple(b, 1, "c0a8010a", "cb007105");
        tuple(b, 2, "cb007105", "c0a8010a");
        b.putShort((short) 8).putShort((short) 3).putInt(0);
        b.putShort((short) 8).putShort((short) 12).putInt(0);
        b.putInt(icmp, b.position() - icmp);
        ConntrackMessages.DumpPart part = ConntrackMessages.entries(b.duplicate().flip());
        assertFalse(part.done(), "no NLMSG_DONE yet");
        assertEquals(2, part.entries().size(), part.toString());
        ConntrackEntry tcp = part.entries().get(0);
        assertEquals(new ConntrackEntry(6, v4("198.51.100.7"), 40000, v4("203.0.113.5"), 1723, v4("192.168.1.10"),
                1723, v4("198.51.100.7"), 40000, 0x1ae, 77), tcp);
        assertTrue(tcp.destinationNatted() && !tcp.sourceNatted(), "IPS_DST_NAT (0x20) only");
        ConntrackEntry gre = part.entries().get(1);
        assertEquals(47, gre.protocol());
        assertEquals(9, gre.originalDestinationPort(), "GRE's key where the port goes");
        assertTrue(gre.sourceNatted() && !gre.destinationNatted(), "IPS_SRC_NAT (0x10) only");

        ByteBuffer done = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
        done.putInt(20).putShort((short) 3).putShort((short) 2).putInt(9).putInt(0).putInt(0);
        assertTrue(ConntrackMessages.entries(done.flip()).done(), "NLMSG_DONE");
    }

    @Test
    void aDeleteIsAcknowledgedOrRefused() throws Exception {
        ByteBuffer ok = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        ok.putInt(36).putShort((short) 2).putShort((short) 0x100).putInt(3).putInt(0).putInt(0).put(new byte[16]);
        assertTrue(ConntrackMessages.acknowledged(ok.flip()));
        ByteBuffer gone = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        gone.putInt(36).putShort((short) 2).putShort((short) 0).putInt(3).putInt(0).putInt(-2).put(new byte[16]);
        assertEquals(2, assertThrows(ErrnoException.class, () -> ConntrackMessages.acknowledged(gone.flip())).errno());
    }

    /** One IPCTNL_MSG_CT_NEW of a dump, as ctnetlink_fill_info writes it: both tuples with ports, status, id. */
    private static int entry(ByteBuffer b, String os, int osp, String od, int odp, String rs, int rsp, String rd,
                             int rdp, int proto, int status, int id) {
        int start = b.position();
        b.putInt(0).putShort((short) 0x0100).putShort((short) 2).putInt(9).putInt(0); // NLM_F_MULTI
        b.put((byte) 2).put((byte) 0).putShort((short) 0);
        fullTuple(b, 1, os, osp, od, odp, proto);
        fullTuple(b, 2, rs, rsp, rd, rdp, proto);
        b.putShort((short) 8).putShort((short) 3).order(ByteOrder.BIG_ENDIAN).putInt(status).order(ByteOrder.nativeOrder());
        b.putShort((short) 8).putShort((short) 12).order(ByteOrder.BIG_ENDIAN).putInt(id).order(ByteOrder.nativeOrder());
        b.putInt(start, b.position() - start);
        return start;
    }

    private static void fullTuple(ByteBuffer b, int type, String source, int sport, String destination, int dport,
                                  int proto) {
        int tuple = b.position();
        b.putShort((short) 0).putShort((short) (type | 0x8000));
        b.putShort((short) 20).putShort((short) (1 | 0x8000));
        b.putShort((short) 8).putShort((short) 1).put(HexFormat.of().parseHex(source));
        b.putShort((short) 8).putShort((short) 2).put(HexFormat.of().parseHex(destination));
        b.putShort((short) 28).putShort((short) (2 | 0x8000));
        b.putShort((short) 5).putShort((short) 1).put((byte) proto).put(new byte[3]);
        b.putShort((short) 6).putShort((short) 2).put((byte) (sport >>> 8)).put((byte) sport).put(new byte[2]);
        b.putShort((short) 6).putShort((short) 3).put((byte) (dport >>> 8)).put((byte) dport).put(new byte[2]);
        b.putShort(tuple, (short) (b.position() - tuple));
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
