package org.homerouter.bridge.alg;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.Collection;
import java.util.List;
import org.homerouter.pptp.session.TrackedFlows;

/**
 * {@link TrackedFlows} on Linux: the kernel's conntrack entries over ctnetlink, dumped once and
 * those of the ended sessions deleted one by one (by original tuple and id: an entry made again
 * meanwhile stays). Matched on the original tuple, as the first packet went, before NAT: a VPN
 * client's tunnel address is there as source (its masqueraded flows to the internet, its
 * connections to the LAN and to the router) or as destination (the LAN's and the router's to it).
 *
 * <p>Why not one filtered flush: IPCTNL_MSG_CT_DELETE without a tuple flushes the table, which
 * {@code ctnetlink_flush_conntrack} narrows by mark (later kernels: zone, status) but not by the
 * tuple's addresses (CTA_FILTER's tuple filter is for dumps), and no filter matches a network. A
 * dump and a delete for each entry works on every kernel.
 */
public final class ConntrackFlows implements TrackedFlows {
    private final ConntrackTable table;

    /** @param netns the namespace whose table to sweep, or null for our own */
    public ConntrackFlows(String netns) {
        table = new ConntrackTable(netns);
    }

    @Override
    public int forget(Collection<Inet4Address> addresses, Collection<Network> networks) throws IOException {
        java.util.Set<Inet4Address> set = new java.util.HashSet<>(addresses);
        List<ConntrackEntry> doomed = table.dump().stream()
                .filter(e -> ofThem(e.originalSource(), set, networks) || ofThem(e.originalDestination(), set, networks))
                .toList();
        return table.deleteAll(doomed);
    }

    private static boolean ofThem(Inet4Address a, java.util.Set<Inet4Address> addresses, Collection<Network> networks) {
        if (addresses.contains(a)) {
            return true;
        }
        for (Network n : networks) {
            if (n.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
