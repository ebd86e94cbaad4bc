package org.homerouter.bridge.alg;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.pptp.alg.ControlFlow;
import org.homerouter.pptp.alg.PublicAddressResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.nio.ByteBuffer;

import static org.homerouter.bridge.ffm.ErrnoException.check;

/**
 * The address the router's NAT gave a LAN client's control connection, read from the kernel's
 * conntrack entry over ctnetlink, as {@code nf_nat_pptp} takes it from the entry itself. Masquerade
 * picks the WAN's primary address, an {@code snat to} rule whichever it names: neither need be the
 * routing table's source ({@link RouteSourceAddress}), which an office with several public
 * addresses would otherwise get, and with it GRE the server drops.
 *
 * <p>One netlink request per new control connection, on the ALG's queue thread: the kernel answers
 * within the send, so the answer is read without waiting. Where the entry cannot be read (a kernel
 * without ctnetlink, say), the route's source is used, logged once, and the kernel is asked again
 * only a minute later.
 */
public final class ConntrackNatAddress implements PublicAddressResolver {
    private static final Logger LOG = LoggerFactory.getLogger(ConntrackNatAddress.class);
    private static final int BUFFER = 8192;
    private static final java.time.Duration RETRY_AFTER = java.time.Duration.ofMinutes(1);

    private final String netns;
    private final RouteSourceAddress fallback;

    private int sequence;
    private boolean fallbackLogged;
    private boolean failed;
    private long failedAt;

    /** @param netns the namespace whose conntrack table (and routes) to read, or null for our own */
    public ConntrackNatAddress(String netns) {
        this.netns = netns;
        this.fallback = new RouteSourceAddress(netns);
    }

    @Override
    public synchronized Inet4Address publicAddressFor(ControlFlow flow) {
        String why = "not asked again yet after the last failure";
        if (!failed || System.nanoTime() - failedAt >= RETRY_AFTER.toNanos()) {
            try {
                Inet4Address natted = lookUp(flow);
                if (natted != null) {
                    failed = false;
                    return natted;
                }
                why = "the kernel's answer held no reply address";
            } catch (IOException e) {
                why = e.getMessage();
            }
            // Not asked again for a while: where ctnetlink is missing, each try has the kernel look
            // for its module (a modprobe run), on the ALG's one queue thread.
            failed = true;
            failedAt = System.nanoTime();
        }
        Inet4Address routed = fallback.publicAddressFor(flow.server()); // throws when there is no route
        if (!fallbackLogged) {
            fallbackLogged = true;
            LOG.warn("alg: the NAT of {} could not be read from conntrack ({}): its calls' GRE leaves from the route's"
                    + " source {}, wrong where the WAN NATs to another of its addresses (said once)",
                    flow, why, routed.getHostAddress());
        }
        return routed;
    }

    private Inet4Address lookUp(ControlFlow flow) throws IOException {
        ByteBuffer request = ConntrackMessages.get(flow, ++sequence);
        int fd = ConntrackTable.socket(netns);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER, 8);
            ConntrackTable.send(fd, arena, buffer, request, "IPCTNL_MSG_CT_GET");
            // At once, not ConntrackTable's wait: the ALG's one queue thread asks, and the kernel
            // makes the answer within the send.
            long n = LibC.recvfrom(fd, buffer, BUFFER, LibC.MSG_DONTWAIT, MemorySegment.NULL, MemorySegment.NULL);
            if (n == -Errno.EAGAIN) {
                throw new IOException("no answer from ctnetlink");
            }
            check("recvfrom(netlink, conntrack)", n);
            return ConntrackMessages.replyDestination(buffer.asSlice(0, n).asByteBuffer());
        } finally {
            LibC.close(fd);
        }
    }
}
