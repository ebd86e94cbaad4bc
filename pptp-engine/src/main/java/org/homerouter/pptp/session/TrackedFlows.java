package org.homerouter.pptp.session;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the operating system still remembers of an ended session's flows (on Linux: the kernel's
 * connection tracking entries), to be forgotten before the session's tunnel address goes to anyone
 * else. Left behind, an established TCP entry lasts 5 days, a masqueraded flow to the internet
 * included: the next session given the same address from the pool would get the replies to the
 * previous user's connections (de-NATed to it, or a LAN server's answers taken as "established"),
 * one user's traffic reaching another. {@link FlowSweep} calls it, off every session's thread.
 */
public interface TrackedFlows {
    /**
     * Forgets every flow whose original source or destination (before NAT) is one of {@code
     * addresses} or lies within one of {@code networks}. Blocking: may take the kernel a while.
     *
     * @return how many were forgotten
     */
    int forget(Collection<Inet4Address> addresses, Collection<Network> networks) throws IOException;

    /** An IPv4 network: a branch office's routed one. */
    record Network(Inet4Address address, int prefixLength) {
        public Network {
            if (prefixLength < 0 || prefixLength > 32) {
                throw new IllegalArgumentException("prefix length " + prefixLength);
            }
        }

        /**
         * The fewest networks that hold exactly {@code first} to {@code last}, inclusive, but
         * {@code except} (this host's own addresses in a pool's range: the site-to-site dial-out's).
         */
        public static List<Network> covering(Inet4Address first, Inet4Address last, Collection<Inet4Address> except) {
            long start = AddressPool.toInt(first) & 0xffffffffL;
            long to = AddressPool.toInt(last) & 0xffffffffL;
            List<Network> out = new ArrayList<>();
            long from = start;
            for (long gap : except.stream().mapToLong(a -> AddressPool.toInt(a) & 0xffffffffL)
                    .filter(a -> a >= start && a <= to).sorted().distinct().toArray()) {
                if (gap > from) {
                    out.addAll(covering(AddressPool.fromInt((int) from), AddressPool.fromInt((int) (gap - 1))));
                }
                from = gap + 1;
            }
            if (from <= to) {
                out.addAll(covering(AddressPool.fromInt((int) from), AddressPool.fromInt((int) to)));
            }
            return out;
        }

        /** The fewest networks that hold exactly {@code first} to {@code last}, inclusive (a pool's range). */
        public static List<Network> covering(Inet4Address first, Inet4Address last) {
            List<Network> out = new ArrayList<>();
            long at = AddressPool.toInt(first) & 0xffffffffL;
            long end = AddressPool.toInt(last) & 0xffffffffL;
            while (at <= end) {
                int size = at == 0 ? 32 : Math.min(32, Long.numberOfTrailingZeros(at)); // as large as aligned
                while (size > 0 && at + (1L << size) - 1 > end) {
                    size--;
                }
                out.add(new Network(AddressPool.fromInt((int) at), 32 - size));
                at += 1L << size;
            }
            return out;
        }

        public boolean contains(Inet4Address a) {
            int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
            return (AddressPool.toInt(a) & mask) == (AddressPool.toInt(address) & mask);
        }

        @Override
        public String toString() {
            return address.getHostAddress() + "/" + prefixLength;
        }
    }

    /** A flow as {@link InMemory} keeps it: its original source and destination. */
    record Flow(Inet4Address source, Inet4Address destination) {
    }

    /** Flows in a list, for tests: {@link #forget} counts its calls, as a kernel's dumps would be. */
    final class InMemory implements TrackedFlows {
        private final List<Flow> flows = new ArrayList<>();
        private int calls;

        public synchronized void add(Inet4Address source, Inet4Address destination) {
            flows.add(new Flow(source, destination));
        }

        public synchronized List<Flow> flows() {
            return List.copyOf(flows);
        }

        /** How many times {@link #forget} was called. */
        public synchronized int calls() {
            return calls;
        }

        @Override
        public synchronized int forget(Collection<Inet4Address> addresses, Collection<Network> networks)
                throws IOException {
            calls++;
            int before = flows.size();
            flows.removeIf(f -> matches(f.source(), addresses, networks) || matches(f.destination(), addresses, networks));
            return before - flows.size();
        }

        private static boolean matches(Inet4Address a, Collection<Inet4Address> addresses, Collection<Network> networks) {
            return addresses.contains(a) || networks.stream().anyMatch(n -> n.contains(a));
        }
    }
}
