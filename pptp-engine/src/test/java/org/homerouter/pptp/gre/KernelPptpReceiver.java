package org.homerouter.pptp.gre;

import java.nio.ByteBuffer;

/**
 * The receive check of Linux's kernel PPTP (pptp.ko, drivers/net/ppp/pptp.c, pptp_rcv_core), which
 * accel-ppp, pppd's kernel mode and Android's client use: in unsigned 32 bits, a numbered packet
 * goes to PPP when {@code !(seq < seq_recv + 1 || WRAPPED(seq_recv, seq))}, and then sets
 * seq_recv; seq_recv starts at 0xFFFFFFFF, so the first packet is taken at any number. A packet
 * that fails the check is dropped, unless it is an LCP Echo-Request or Echo-Reply (with address
 * and control field), which goes to PPP without moving seq_recv. One receiver per call, as the
 * kernel keeps one per socket.
 */
public final class KernelPptpReceiver {
    private long seqRecv = 0xFFFFFFFFL;

    /**
     * Whether the kernel hands the PPP frame of a data packet numbered {@code seq} (between the
     * frame's position and limit) to PPP.
     */
    public boolean takes(int seq, ByteBuffer ppp) {
        long s = Integer.toUnsignedLong(seq);
        boolean wrapped = (seqRecv & 0xFFFFFF00L) == 0 && (s & 0xFFFFFF00L) == 0xFFFFFF00L;
        if (s < ((seqRecv + 1) & 0xFFFFFFFFL) || wrapped) {
            return isLcpEcho(ppp);
        }
        seqRecv = s;
        return true;
    }

    private static boolean isLcpEcho(ByteBuffer ppp) {
        int p = ppp.position();
        return ppp.remaining() >= 5 && ppp.get(p) == (byte) 0xFF && ppp.get(p + 1) == 0x03
                && ppp.getShort(p + 2) == (short) 0xC021 && (ppp.get(p + 4) == 9 || ppp.get(p + 4) == 10);
    }
}
