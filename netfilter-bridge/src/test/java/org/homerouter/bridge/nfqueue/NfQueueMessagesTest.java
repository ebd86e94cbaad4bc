package org.homerouter.bridge.nfqueue;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

/** The nfnetlink_queue messages against layouts written out by hand from linux/netfilter/nfnetlink_queue.h. */
class NfQueueMessagesTest {
    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Host-order u16/u32 as hex, so the expectations hold on little- and big-endian hosts. */
    private static String h16(int v) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) v).array());
    }

    private static String h32(int v) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array());
    }

    @Test
    void bindCommandIsConfigWithCmdAttribute() {
        String expected = h32(28) + h16(0x0302) + h16(1 | 4) + h32(9) + h32(0) // nlmsghdr: len, QUEUE<<8|CONFIG, REQUEST|ACK, seq, pid
                + "02" + "00" + "0017"                                            // nfgenmsg: AF_INET, v0, res_id 23 (big-endian)
                + h16(8) + h16(1) + "01" + "00" + "0002";                         // NFQA_CFG_CMD {BIND, pad, pf AF_INET}
        assertEquals(expected, HexFormat.of().formatHex(bytes(NfQueueMessages.command(23, 1, 9))));
    }

    @Test
    void copyPacketParamsArePackedAndPadded() {
        String expected = h32(32) + h16(0x0302) + h16(5) + h32(0) + h32(0)
                + "00" + "00" + "0017"
                + h16(9) + h16(2) + "0000FFFF" + "02" + "000000";                 // NFQA_CFG_PARAMS {copy_range, COPY_PACKET}, pad to 4
        assertEquals(expected.toLowerCase(), HexFormat.of().formatHex(bytes(NfQueueMessages.copyPacket(23, 0xFFFF, 0))));
    }

    @Test
    void verdictCarriesTheRewrittenPayload() {
        byte[] payload = {0x45, 0x00, 0x00};
        String expected = h32(40) + h16(0x0301) + h16(1) + h32(0) + h32(0)
                + "00" + "00" + "0017"
                + h16(12) + h16(2) + "00000001" + "0000002a"                     // NFQA_VERDICT_HDR {NF_ACCEPT, id 42}
                + h16(7) + h16(10) + "450000" + "00";                              // NFQA_PAYLOAD, padded
        assertEquals(expected, HexFormat.of().formatHex(bytes(NfQueueMessages.verdict(23, 42, 1, payload))));
    }

    @Test
    void packetMessageYieldsIdAndPayloadAndAcksAreRecognised() {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        // NFQNL_MSG_PACKET: packet header attribute, an attribute we skip (mark), the payload.
        int start = b.position();
        b.putInt(0).putShort((short) 0x0300).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) 2).put((byte) 0).order(ByteOrder.BIG_ENDIAN).putShort((short) 23).order(ByteOrder.nativeOrder());
        b.putShort((short) 11).putShort((short) 1).order(ByteOrder.BIG_ENDIAN).putInt(77).putShort((short) 0x0800)
                .put((byte) 2).order(ByteOrder.nativeOrder()).put((byte) 0);
        b.putShort((short) 8).putShort((short) 3).putInt(0x12345678);
        b.putShort((short) 9).putShort((short) (10 | 0x4000)).put(new byte[] {1, 2, 3, 4, 5}).put(new byte[3]);
        b.putInt(start, b.position() - start);
        // NLMSG_ERROR with error 0: the ack of request 5.
        int ack = b.position();
        b.putInt(36).putShort((short) 2).putShort((short) 0).putInt(5).putInt(0).putInt(0).put(new byte[16]);
        b.flip();
        var first = NfQueueMessages.next(b);
        var packet = assertInstanceOf(NfQueueMessages.Packet.class, first).packet();
        assertEquals(77, packet.id());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, packet.packet());
        assertEquals(ack, b.position());
        assertEquals(new NfQueueMessages.Ack(5, 0), NfQueueMessages.next(b));
        assertNull(NfQueueMessages.next(b));
    }

    /**
     * Every queued packet gets its verdict: one whose id has reached 2^31 (the kernel's counter is
     * unsigned), and one queued without its octets, which is let go as it is; they were read as
     * something else and held by the kernel until the queue filled.
     */
    @Test
    void packetsWithAHighIdOrNoPayloadAreStillPackets() {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        for (boolean withPayload : new boolean[] {true, false}) {
            int start = b.position();
            b.putInt(0).putShort((short) 0x0300).putShort((short) 0).putInt(0).putInt(0);
            b.put((byte) 2).put((byte) 0).order(ByteOrder.BIG_ENDIAN).putShort((short) 23).order(ByteOrder.nativeOrder());
            b.putShort((short) 11).putShort((short) 1).order(ByteOrder.BIG_ENDIAN).putInt(withPayload ? 0x8000_0001 : 78)
                    .putShort((short) 0x0800).put((byte) 2).order(ByteOrder.nativeOrder()).put((byte) 0);
            if (withPayload) {
                b.putShort((short) 8).putShort((short) (10 | 0x4000)).put(new byte[] {9, 8, 7, 6});
            }
            b.putInt(start, b.position() - start);
        }
        b.flip();
        var high = assertInstanceOf(NfQueueMessages.Packet.class, NfQueueMessages.next(b)).packet();
        assertEquals(0x8000_0001, high.id());
        assertArrayEquals(new byte[] {9, 8, 7, 6}, high.packet());
        var bare = assertInstanceOf(NfQueueMessages.Packet.class, NfQueueMessages.next(b)).packet();
        assertEquals(78, bare.id());
        assertEquals(0, bare.packet().length);
        assertNull(NfQueueMessages.next(b));
    }
}
