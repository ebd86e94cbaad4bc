package org.homerouter.pptp.ppp.ipcp;

import java.net.Inet4Address;
import java.util.Optional;

/** Hands out addresses for the peers of a PPP server (the VPN clients). */
public interface PeerAddressAllocator {
    /** Reserves an address for one peer, or empty when none is left. */
    Optional<Inet4Address> allocate();

    /** Returns an address obtained from {@link #allocate()}. */
    void release(Inet4Address address);
}
