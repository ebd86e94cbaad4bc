package org.homerouter.pptp.ppp.ipcp;

import java.net.Inet4Address;
import java.util.Optional;

/** Hands out addresses for the peers of a PPP server (the VPN clients). */
public interface PeerAddressAllocator {
    /** Reserves an address for one peer, or empty when none is left. */
    Optional<Inet4Address> allocate();

    /**
     * Reserves {@code asked}, the address the peer named in its request (RFC 1332 §3.3), if it may
     * have it; false to have the request Nak'd with one from {@link #allocate()}. By default none is
     * granted. Released with {@link #release} as allocated ones are.
     */
    default boolean claim(Inet4Address asked) {
        return false;
    }

    /** Returns an address obtained from {@link #allocate()} or {@link #claim}. */
    void release(Inet4Address address);
}
