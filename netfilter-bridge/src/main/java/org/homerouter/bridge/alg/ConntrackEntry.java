package org.homerouter.bridge.alg;

import java.net.Inet4Address;

/**
 * One IPv4 conntrack entry as a ctnetlink dump gives it ({@link ConntrackMessages#entries}): its
 * original tuple (as the first packet went), its reply tuple (as answers come back, NAT applied),
 * its status bits and its id. Ports are GRE's keys for GRE; for ICMP the source port is the echo
 * id and the destination port the type and code ({@code type << 8 | code}); -1 for a protocol of
 * addresses only (the kernel's generic tracker).
 */
record ConntrackEntry(int protocol, Inet4Address originalSource, int originalSourcePort,
                      Inet4Address originalDestination, int originalDestinationPort, Inet4Address replySource,
                      int replySourcePort, Inet4Address replyDestination, int replyDestinationPort, int status, int id) {
    static final int TCP = 6;
    static final int GRE = 47;
    /** IPS_SRC_NAT ({@code linux/netfilter/nf_conntrack_common.h}). */
    static final int SOURCE_NAT = 1 << 4;
    /** IPS_DST_NAT. */
    static final int DESTINATION_NAT = 1 << 5;

    boolean destinationNatted() {
        return (status & DESTINATION_NAT) != 0;
    }

    boolean sourceNatted() {
        return (status & SOURCE_NAT) != 0;
    }

    @Override
    public String toString() {
        return (protocol == TCP ? "tcp " : protocol == GRE ? "gre " : "proto " + protocol + " ")
                + originalSource.getHostAddress() + ":" + originalSourcePort + " -> "
                + originalDestination.getHostAddress() + ":" + originalDestinationPort + " (reply from "
                + replySource.getHostAddress() + ":" + replySourcePort + ", status 0x" + Integer.toHexString(status)
                + ", id " + Integer.toUnsignedString(id) + ")";
    }
}
