package org.homerouter.bridge.alg;

import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.pptp.alg.ControlFlow;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one ctnetlink exchange the ALG needs ({@code linux/netfilter/nfnetlink_conntrack.h}): get the
 * conntrack entry of a TCP connection by its original tuple, and read the destination of its reply
 * tuple, which for a connection NATed on its way out is the address it was NATed to. Built and
 * parsed in heap buffers, testable without root. Netlink headers are in host order; addresses and
 * ports big-endian.
 */
final class ConntrackMessages {
    private ConntrackMessages() {
    }

    private static final int NLMSG_HDRLEN = 16;
    private static final int NFGENMSG_LEN = 4;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLA_F_NESTED = 0x8000;
    private static final int NLA_TYPE_MASK = 0x3FFF;
    private static final int AF_INET = 2;
    private static final int IPPROTO_TCP = 6;

    private static final int NFNL_SUBSYS_CTNETLINK = 1;
    private static final int IPCTNL_MSG_CT_NEW = 0;
    private static final int IPCTNL_MSG_CT_GET = 1;
    private static final int CTA_TUPLE_ORIG = 1;
    private static final int CTA_TUPLE_REPLY = 2;
    private static final int CTA_TUPLE_IP = 1;
    private static final int CTA_TUPLE_PROTO = 2;
    private static final int CTA_IP_V4_SRC = 1;
    private static final int CTA_IP_V4_DST = 2;
    private static final int CTA_PROTO_NUM = 1;
    private static final int CTA_PROTO_SRC_PORT = 2;
    private static final int CTA_PROTO_DST_PORT = 3;

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    /** IPCTNL_MSG_CT_GET for the TCP connection {@code flow} as the client opened it (the original tuple). */
    static ByteBuffer get(ControlFlow flow, int sequence) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
        b.putInt(0); // length, patched below
        b.putShort((short) ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET));
        b.putShort((short) NLM_F_REQUEST);
        b.putInt(sequence);
        b.putInt(0); // port id: the kernel's
        b.put((byte) AF_INET).put((byte) 0).putShort((short) 0); // nfgenmsg: family, version 0, res_id 0
        int tuple = open(b, CTA_TUPLE_ORIG);
        int ip = open(b, CTA_TUPLE_IP);
        attribute(b, CTA_IP_V4_SRC, flow.client().getAddress());
        attribute(b, CTA_IP_V4_DST, flow.server().getAddress());
        close(b, ip);
        int proto = open(b, CTA_TUPLE_PROTO);
        attribute(b, CTA_PROTO_NUM, new byte[] {IPPROTO_TCP});
        attribute(b, CTA_PROTO_SRC_PORT, port(flow.clientPort()));
        attribute(b, CTA_PROTO_DST_PORT, port(flow.serverPort()));
        close(b, proto);
        close(b, tuple);
        b.putInt(0, b.position());
        return b.flip();
    }

    private static byte[] port(int port) {
        return new byte[] {(byte) (port >>> 8), (byte) port};
    }

    private static int open(ByteBuffer b, int type) {
        int at = b.position();
        b.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
        return at;
    }

    private static void close(ByteBuffer b, int at) {
        b.putShort(at, (short) (b.position() - at));
    }

    private static void attribute(ByteBuffer b, int type, byte[] value) {
        b.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        while ((b.position() & 3) != 0) {
            b.put((byte) 0);
        }
    }

    /**
     * The reply tuple's destination in the kernel's answer to {@link #get}; null when the answer
     * holds no such address.
     *
     * @throws ErrnoException when the kernel answered with an error (ENOENT: no such connection)
     */
    static Inet4Address replyDestination(ByteBuffer b) throws ErrnoException {
        b.order(ByteOrder.nativeOrder());
        for (int start = b.position(); start + NLMSG_HDRLEN <= b.limit(); ) {
            int length = b.getInt(start);
            if (length < NLMSG_HDRLEN || start + length > b.limit()) {
                return null;
            }
            int type = b.getShort(start + 4) & 0xFFFF;
            if (type == NLMSG_ERROR && length >= NLMSG_HDRLEN + 4) {
                int error = b.getInt(start + NLMSG_HDRLEN);
                if (error != 0) {
                    throw new ErrnoException("conntrack get", -error);
                }
            } else if (type == ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW)) {
                int tuple = find(b, start + NLMSG_HDRLEN + NFGENMSG_LEN, start + length, CTA_TUPLE_REPLY);
                int ip = tuple < 0 ? -1 : inside(b, tuple, CTA_TUPLE_IP);
                int dst = ip < 0 ? -1 : inside(b, ip, CTA_IP_V4_DST);
                if (dst >= 0 && (b.getShort(dst) & 0xFFFF) == 8) {
                    byte[] address = new byte[4];
                    b.get(dst + 4, address);
                    try {
                        return (Inet4Address) InetAddress.getByAddress(address);
                    } catch (UnknownHostException e) {
                        throw new AssertionError(e); // four octets always make an address
                    }
                }
                return null;
            }
            start += align(length);
        }
        return null;
    }

    /** The attribute of {@code type} nested in the one at {@code outer}, or -1. */
    private static int inside(ByteBuffer b, int outer, int type) {
        return find(b, outer + 4, outer + (b.getShort(outer) & 0xFFFF), type);
    }

    /** The first attribute of {@code type} in {@code [from, end)}, or -1 (also when a length runs past {@code end}). */
    private static int find(ByteBuffer b, int from, int end, int type) {
        for (int at = from; at + 4 <= end; ) {
            int length = b.getShort(at) & 0xFFFF;
            if (length < 4 || at + length > end) {
                return -1;
            }
            if ((b.getShort(at + 2) & NLA_TYPE_MASK) == type) {
                return at;
            }
            at += align(length);
        }
        return -1;
    }
}
