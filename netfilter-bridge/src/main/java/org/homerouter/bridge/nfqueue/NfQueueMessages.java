package org.homerouter.bridge.nfqueue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The nfnetlink_queue wire format ({@code linux/netfilter/nfnetlink_queue.h},
 * {@code linux/netlink.h}), built and parsed in Java heap buffers so it is testable without root.
 * Netlink headers ({@code nlmsghdr}, {@code nlattr}) are in host order; the queue's own fields
 * (res_id, packet ids, verdicts, copy range, protocol family) are big-endian.
 */
final class NfQueueMessages {
    private NfQueueMessages() {
    }

    static final int NLMSG_HDRLEN = 16;
    static final int NFGENMSG_LEN = 4;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 1;
    static final int NLM_F_ACK = 4;

    static final int NFNL_SUBSYS_QUEUE = 3;
    static final int NFQNL_MSG_PACKET = 0;
    static final int NFQNL_MSG_VERDICT = 1;
    static final int NFQNL_MSG_CONFIG = 2;

    static final int NFQA_CFG_CMD = 1;
    static final int NFQA_CFG_PARAMS = 2;
    static final int NFQNL_CFG_CMD_BIND = 1;
    static final int NFQNL_CFG_CMD_UNBIND = 2;
    static final int NFQNL_COPY_PACKET = 2;

    static final int NFQA_PACKET_HDR = 1;
    static final int NFQA_VERDICT_HDR = 2;
    static final int NFQA_PAYLOAD = 10;

    static final int NF_DROP = 0;
    static final int NF_ACCEPT = 1;

    static final int AF_INET = 2;
    static final int AF_UNSPEC = 0;

    private static final int NLA_TYPE_MASK = 0x3FFF; // without NLA_F_NESTED, NLA_F_NET_BYTEORDER

    static int align(int n) {
        return (n + 3) & ~3;
    }

    private static ByteBuffer header(ByteBuffer b, int type, int flags, int sequence, int family, int queue) {
        b.order(ByteOrder.nativeOrder());
        b.putInt(0); // length, patched by finish
        b.putShort((short) ((NFNL_SUBSYS_QUEUE << 8) | type));
        b.putShort((short) flags);
        b.putInt(sequence);
        b.putInt(0); // port id: the kernel fills it in
        b.put((byte) family);
        b.put((byte) 0); // NFNETLINK_V0
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) queue).order(ByteOrder.nativeOrder());
        return b;
    }

    private static void attribute(ByteBuffer b, int type, byte[] value, int offset, int length) {
        b.order(ByteOrder.nativeOrder());
        b.putShort((short) (4 + length));
        b.putShort((short) type);
        b.put(value, offset, length);
        while ((b.position() & 3) != 0) {
            b.put((byte) 0);
        }
    }

    private static ByteBuffer finish(ByteBuffer b) {
        b.order(ByteOrder.nativeOrder()).putInt(0, b.position());
        return b.flip();
    }

    /** NFQNL_MSG_CONFIG with NFQA_CFG_CMD (BIND or UNBIND) for AF_INET, asking for an ack. */
    static ByteBuffer command(int queue, int command, int sequence) {
        ByteBuffer b = header(ByteBuffer.allocate(64), NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, sequence, AF_INET, queue);
        // struct nfqnl_msg_config_cmd { __u8 command; __u8 _pad; __be16 pf; }
        attribute(b, NFQA_CFG_CMD, new byte[] {(byte) command, 0, 0, (byte) AF_INET}, 0, 4);
        return finish(b);
    }

    /** NFQNL_MSG_CONFIG with NFQA_CFG_PARAMS: copy whole packets, up to {@code range} octets. */
    static ByteBuffer copyPacket(int queue, int range, int sequence) {
        ByteBuffer b = header(ByteBuffer.allocate(64), NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, sequence, AF_UNSPEC, queue);
        // struct nfqnl_msg_config_params { __be32 copy_range; __u8 copy_mode; } __attribute__((packed))
        byte[] params = ByteBuffer.allocate(5).putInt(range).put((byte) NFQNL_COPY_PACKET).array();
        attribute(b, NFQA_CFG_PARAMS, params, 0, params.length);
        return finish(b);
    }

    /** NFQNL_MSG_VERDICT for packet {@code id}; with a payload, the kernel replaces the packet by it. */
    static ByteBuffer verdict(int queue, int id, int verdict, byte[] payload) {
        int size = NLMSG_HDRLEN + NFGENMSG_LEN + 12 + (payload == null ? 0 : align(4 + payload.length));
        ByteBuffer b = header(ByteBuffer.allocate(size), NFQNL_MSG_VERDICT, NLM_F_REQUEST, 0, AF_UNSPEC, queue);
        // struct nfqnl_msg_verdict_hdr { __be32 verdict; __be32 id; }
        attribute(b, NFQA_VERDICT_HDR, ByteBuffer.allocate(8).putInt(verdict).putInt(id).array(), 0, 8);
        if (payload != null) {
            attribute(b, NFQA_PAYLOAD, payload, 0, payload.length);
        }
        return finish(b);
    }

    /** What one received netlink message is. */
    sealed interface Received permits Packet, Ack, Other {
    }

    record Packet(QueuedPacket packet) implements Received {
    }

    /** NLMSG_ERROR: {@code error} 0 is an ack, otherwise a negative errno. */
    record Ack(int sequence, int error) implements Received {
    }

    record Other(int type) implements Received {
    }

    /**
     * Parses the netlink message at {@code b}'s position and moves past it (aligned), or returns
     * null when fewer than a header's octets remain.
     */
    static Received next(ByteBuffer b) {
        b.order(ByteOrder.nativeOrder());
        if (b.remaining() < NLMSG_HDRLEN) {
            return null;
        }
        int start = b.position();
        int length = b.getInt(start);
        if (length < NLMSG_HDRLEN || length > b.remaining()) {
            b.position(b.limit());
            return null;
        }
        int type = b.getShort(start + 4) & 0xFFFF;
        int sequence = b.getInt(start + 8);
        b.position(Math.min(b.limit(), start + align(length)));
        if (type == NLMSG_ERROR) {
            return new Ack(sequence, b.getInt(start + NLMSG_HDRLEN));
        }
        if (type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)) {
            return new Other(type);
        }
        // The id is an unsigned 32-bit counter: from 2^31 on it reads negative here, and is no
        // less an id (the verdict sends its bits back as they came).
        boolean haveId = false;
        int id = 0;
        byte[] payload = null;
        int at = start + NLMSG_HDRLEN + NFGENMSG_LEN;
        int end = start + length;
        while (at + 4 <= end) {
            int attrLength = b.getShort(at) & 0xFFFF;
            int attrType = b.getShort(at + 2) & NLA_TYPE_MASK;
            if (attrLength < 4 || at + attrLength > end) {
                break;
            }
            if (attrType == NFQA_PACKET_HDR) {
                // struct nfqnl_msg_packet_hdr { __be32 packet_id; __be16 hw_protocol; __u8 hook; }
                id = b.order(ByteOrder.BIG_ENDIAN).getInt(at + 4);
                haveId = true;
                b.order(ByteOrder.nativeOrder());
            } else if (attrType == NFQA_PAYLOAD) {
                payload = new byte[attrLength - 4];
                b.get(at + 4, payload);
            }
            at += align(attrLength);
        }
        // A packet queued without its octets (before the copy-packet mode was set: a queue rule left
        // by the last run meets the bind) still needs a verdict, or the kernel holds it until the
        // queue is unbound: it comes as an empty packet, for the reader to judge (the ALG drops it).
        return !haveId ? new Other(type) : new Packet(new QueuedPacket(id, payload == null ? new byte[0] : payload));
    }
}
