package org.homerouter.bridge.alg;

import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.pptp.alg.ControlFlow;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The ctnetlink exchanges the passthrough needs ({@code linux/netfilter/nfnetlink_conntrack.h}):
 * get the conntrack entry of a TCP connection by its original tuple, and read the destination of
 * its reply tuple, which for a connection NATed on its way out is the address it was NATed to
 * (the ALG); dump the IPv4 entries and delete one by its original tuple and id (the inbound
 * forward's calls, ended when it goes: {@link ConntrackTable}). Built and parsed in heap buffers,
 * testable without root. Netlink headers are in host order; addresses, ports (GRE: keys), status
 * and id big-endian.
 */
final class ConntrackMessages {
    private ConntrackMessages() {
    }

    private static final int NLMSG_HDRLEN = 16;
    private static final int NFGENMSG_LEN = 4;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;
    /** NLM_F_ROOT | NLM_F_MATCH. */
    private static final int NLM_F_DUMP = 0x300;
    private static final int NLA_F_NESTED = 0x8000;
    private static final int NLA_TYPE_MASK = 0x3FFF;
    private static final int AF_INET = 2;
    private static final int IPPROTO_TCP = 6;

    private static final int NFNL_SUBSYS_CTNETLINK = 1;
    private static final int IPCTNL_MSG_CT_NEW = 0;
    private static final int IPCTNL_MSG_CT_GET = 1;
    private static final int IPCTNL_MSG_CT_DELETE = 2;
    private static final int CTA_TUPLE_ORIG = 1;
    private static final int CTA_TUPLE_REPLY = 2;
    private static final int CTA_STATUS = 3;
    private static final int CTA_ID = 12;
    private static final int CTA_TUPLE_IP = 1;
    private static final int CTA_TUPLE_PROTO = 2;
    private static final int CTA_IP_V4_SRC = 1;
    private static final int CTA_IP_V4_DST = 2;
    private static final int CTA_PROTO_NUM = 1;
    private static final int CTA_PROTO_SRC_PORT = 2;
    private static final int CTA_PROTO_DST_PORT = 3;
    private static final int CTA_PROTO_ICMP_ID = 4;
    private static final int CTA_PROTO_ICMP_TYPE = 5;
    private static final int CTA_PROTO_ICMP_CODE = 6;
    private static final int IPPROTO_ICMP = 1;
    /** Protocols whose tuples carry ports (GRE: keys): TCP, UDP, DCCP, GRE, SCTP, UDP-Lite. */
    private static final java.util.Set<Integer> WITH_PORTS = java.util.Set.of(6, 17, 33, 47, 132, 136);

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
        tuple(b, CTA_TUPLE_ORIG, flow.client(), flow.server(), IPPROTO_TCP, flow.clientPort(), flow.serverPort());
        b.putInt(0, b.position());
        return b.flip();
    }

    private static void tuple(ByteBuffer b, int type, Inet4Address src, Inet4Address dst, int protocol, int srcPort,
                              int dstPort) {
        int tuple = open(b, type);
        int ip = open(b, CTA_TUPLE_IP);
        attribute(b, CTA_IP_V4_SRC, src.getAddress());
        attribute(b, CTA_IP_V4_DST, dst.getAddress());
        close(b, ip);
        int proto = open(b, CTA_TUPLE_PROTO);
        attribute(b, CTA_PROTO_NUM, new byte[] {(byte) protocol});
        if (protocol == IPPROTO_ICMP) {
            // The kernel's ICMP tuple: echo id, type and code, all three required (icmp_nlattr_to_tuple).
            attribute(b, CTA_PROTO_ICMP_ID, port(srcPort));
            attribute(b, CTA_PROTO_ICMP_TYPE, new byte[] {(byte) (dstPort >>> 8)});
            attribute(b, CTA_PROTO_ICMP_CODE, new byte[] {(byte) dstPort});
        } else if (srcPort >= 0) {
            attribute(b, CTA_PROTO_SRC_PORT, port(srcPort));
            attribute(b, CTA_PROTO_DST_PORT, port(dstPort));
        } // else a protocol of addresses only (the kernel's generic tracker: ESP, say)
        close(b, proto);
        close(b, tuple);
    }

    /** IPCTNL_MSG_CT_GET with NLM_F_DUMP: every IPv4 entry, in as many answers as it takes, then NLMSG_DONE. */
    static ByteBuffer dump(int sequence) {
        ByteBuffer b = ByteBuffer.allocate(NLMSG_HDRLEN + NFGENMSG_LEN).order(ByteOrder.nativeOrder());
        b.putInt(NLMSG_HDRLEN + NFGENMSG_LEN);
        b.putShort((short) ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET));
        b.putShort((short) (NLM_F_REQUEST | NLM_F_DUMP));
        b.putInt(sequence);
        b.putInt(0);
        b.put((byte) AF_INET).put((byte) 0).putShort((short) 0);
        return b.flip();
    }

    /**
     * IPCTNL_MSG_CT_DELETE of {@code entry} by its original tuple (TCP and UDP: ports; GRE: keys,
     * which the kernel's GRE tracker puts where the ports go; ICMP: id, type and code, see {@link
     * ConntrackEntry}; other protocols: addresses only) and its id: an entry made again
     * meanwhile with the same tuple has another id and stays. Acknowledged ({@link #acknowledged}).
     */
    static ByteBuffer delete(ConntrackEntry entry, int sequence) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
        b.putInt(0); // length, patched below
        b.putShort((short) ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE));
        b.putShort((short) (NLM_F_REQUEST | NLM_F_ACK));
        b.putInt(sequence);
        b.putInt(0);
        b.put((byte) AF_INET).put((byte) 0).putShort((short) 0);
        tuple(b, CTA_TUPLE_ORIG, entry.originalSource(), entry.originalDestination(), entry.protocol(),
                entry.originalSourcePort(), entry.originalDestinationPort());
        b.putShort((short) 8).putShort((short) CTA_ID).order(ByteOrder.BIG_ENDIAN).putInt(entry.id())
                .order(ByteOrder.nativeOrder());
        b.putInt(0, b.position());
        return b.flip();
    }

    /**
     * Whether the kernel's acknowledgement of a {@link #delete} says it is done (error 0).
     *
     * @throws ErrnoException when it answered with an error (ENOENT: the entry is gone already)
     */
    static boolean acknowledged(ByteBuffer b) throws ErrnoException {
        b.order(ByteOrder.nativeOrder());
        int start = b.position();
        if (start + NLMSG_HDRLEN + 4 > b.limit() || (b.getShort(start + 4) & 0xFFFF) != NLMSG_ERROR) {
            return false;
        }
        int error = b.getInt(start + NLMSG_HDRLEN);
        if (error != 0) {
            throw new ErrnoException("conntrack delete", -error);
        }
        return true;
    }

    /** What one answer of a {@link #dump} holds: the entries in it, and whether it was the last ({@code NLMSG_DONE}). */
    record DumpPart(java.util.List<ConntrackEntry> entries, boolean done) {
    }

    /**
     * The entries in one answer of a {@link #dump}; an entry without both tuples' addresses, protocol
     * and ports (keys; ICMP: id, type and code) is left out, but for a protocol that has none.
     *
     * @throws ErrnoException when the kernel answered with an error
     */
    static DumpPart entries(ByteBuffer b) throws ErrnoException {
        b.order(ByteOrder.nativeOrder());
        java.util.List<ConntrackEntry> out = new java.util.ArrayList<>();
        for (int start = b.position(); start + NLMSG_HDRLEN <= b.limit(); ) {
            int length = b.getInt(start);
            if (length < NLMSG_HDRLEN || start + length > b.limit()) {
                break;
            }
            int type = b.getShort(start + 4) & 0xFFFF;
            if (type == NLMSG_DONE) {
                return new DumpPart(out, true);
            }
            if (type == NLMSG_ERROR && length >= NLMSG_HDRLEN + 4) {
                int error = b.getInt(start + NLMSG_HDRLEN);
                if (error != 0) {
                    throw new ErrnoException("conntrack dump", -error);
                }
            } else if (type == ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW)) {
                ConntrackEntry e = entry(b, start + NLMSG_HDRLEN + NFGENMSG_LEN, start + length);
                if (e != null) {
                    out.add(e);
                }
            }
            start += align(length);
        }
        return new DumpPart(out, false);
    }

    private static ConntrackEntry entry(ByteBuffer b, int from, int end) {
        int orig = find(b, from, end, CTA_TUPLE_ORIG);
        int reply = find(b, from, end, CTA_TUPLE_REPLY);
        int status = find(b, from, end, CTA_STATUS);
        int id = find(b, from, end, CTA_ID);
        if (orig < 0 || reply < 0 || status < 0 || id < 0 || (b.getShort(status) & 0xFFFF) != 8
                || (b.getShort(id) & 0xFFFF) != 8) {
            return null;
        }
        Tuple o = tuple(b, orig);
        Tuple r = tuple(b, reply);
        if (o == null || r == null) {
            return null;
        }
        return new ConntrackEntry(o.protocol, o.src, o.srcPort, o.dst, o.dstPort, r.src, r.srcPort, r.dst, r.dstPort,
                bigEndianInt(b, status + 4), bigEndianInt(b, id + 4));
    }

    private record Tuple(Inet4Address src, Inet4Address dst, int protocol, int srcPort, int dstPort) {
    }

    private static Tuple tuple(ByteBuffer b, int at) {
        int ip = inside(b, at, CTA_TUPLE_IP);
        int proto = inside(b, at, CTA_TUPLE_PROTO);
        if (ip < 0 || proto < 0) {
            return null;
        }
        int src = inside(b, ip, CTA_IP_V4_SRC);
        int dst = inside(b, ip, CTA_IP_V4_DST);
        int num = inside(b, proto, CTA_PROTO_NUM);
        if (src < 0 || dst < 0 || num < 0 || (b.getShort(src) & 0xFFFF) != 8 || (b.getShort(dst) & 0xFFFF) != 8
                || (b.getShort(num) & 0xFFFF) != 5) {
            return null;
        }
        int protocol = b.get(num + 4) & 0xFF;
        Inet4Address from = address(b, src + 4);
        Inet4Address to = address(b, dst + 4);
        if (protocol == IPPROTO_ICMP) {
            int id = inside(b, proto, CTA_PROTO_ICMP_ID);
            int type = inside(b, proto, CTA_PROTO_ICMP_TYPE);
            int code = inside(b, proto, CTA_PROTO_ICMP_CODE);
            if (id < 0 || type < 0 || code < 0 || (b.getShort(id) & 0xFFFF) != 6 || (b.getShort(type) & 0xFFFF) != 5
                    || (b.getShort(code) & 0xFFFF) != 5) {
                return null;
            }
            return new Tuple(from, to, protocol, ((b.get(id + 4) & 0xFF) << 8) | (b.get(id + 5) & 0xFF),
                    ((b.get(type + 4) & 0xFF) << 8) | (b.get(code + 4) & 0xFF));
        }
        if (!WITH_PORTS.contains(protocol)) {
            return new Tuple(from, to, protocol, -1, -1);
        }
        int srcPort = inside(b, proto, CTA_PROTO_SRC_PORT);
        int dstPort = inside(b, proto, CTA_PROTO_DST_PORT);
        if (srcPort < 0 || dstPort < 0 || (b.getShort(srcPort) & 0xFFFF) != 6 || (b.getShort(dstPort) & 0xFFFF) != 6) {
            return null;
        }
        return new Tuple(from, to, protocol,
                ((b.get(srcPort + 4) & 0xFF) << 8) | (b.get(srcPort + 5) & 0xFF),
                ((b.get(dstPort + 4) & 0xFF) << 8) | (b.get(dstPort + 5) & 0xFF));
    }

    private static int bigEndianInt(ByteBuffer b, int at) {
        return ((b.get(at) & 0xFF) << 24) | ((b.get(at + 1) & 0xFF) << 16) | ((b.get(at + 2) & 0xFF) << 8)
                | (b.get(at + 3) & 0xFF);
    }

    private static Inet4Address address(ByteBuffer b, int at) {
        byte[] address = new byte[4];
        b.get(at, address);
        try {
            return (Inet4Address) InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four octets always make an address
        }
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
                    return address(b, dst + 4);
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
