package org.homerouter.pptp.ppp.ipcp;

import java.net.Inet4Address;
import java.util.Optional;
import org.homerouter.pptp.ppp.OptionHandler;
import org.homerouter.pptp.ppp.OptionVerdict;

/**
 * IP-Address (RFC 1332 §3.3). Our request carries our own address, or 0.0.0.0 to ask the peer to
 * assign one; an acceptable peer then Naks with the address to use (§3.3), which we take when
 * configured to accept an assignment. Once the peer has acknowledged an address it assigned, a
 * new negotiation (a renegotiation of IPCP, or of the link: {@link #askFor}) asks for that address
 * rather than 0.0.0.0 (§3.3 lets us name the address we want), so that a peer willing to keep it
 * for us does, and our connections survive; a peer that will not Naks with another, taken as usual.
 *
 * <p>Judging the peer's address depends on the side. A server with an allocator assigns: a request
 * for 0.0.0.0, or for any address other than the one allocated to this peer, is Nak'd with the
 * allocated address; the allocation is made on first need and kept until {@link #release()}. The
 * first address the peer names is allocated to it if the allocator may give it (free, in the pool):
 * a client negotiating again after an LCP renegotiation asks for the address its connections use,
 * and a Nak with another would break them. A side without allocator accepts any address the peer
 * names, but rejects 0.0.0.0 since it cannot assign one.
 *
 * <p>A peer that leaves the option out of its request (RFC 1332 §3.3: then no address is
 * negotiated) is Nak'd once with the allocated address, as pppd's ipcp_reqci does, so that it asks
 * for it. If it still leaves it out, the allocated address is its address all the same (pppd's
 * ipcp_up falls back to its configured remote address): without one the session has nothing to
 * route to.
 */
public final class IpAddressOption implements OptionHandler {
    private final Inet4Address wanted;
    private final boolean acceptAssignment;
    private final PeerAddressAllocator allocator;
    private final Runnable exhausted;
    private Inet4Address requesting;
    /** The address the peer assigned us before (accepting an assignment): asked for at each new negotiation. */
    private Inet4Address assignedBefore;
    private boolean sending;
    private boolean acked;
    private Inet4Address allocated;
    private Inet4Address peerAddress;
    private boolean nakedMissing;

    /**
     * @param wanted our address, or 0.0.0.0 to have the peer assign one
     * @param acceptAssignment take the address the peer suggests in a Nak
     * @param allocator assigns the peer's address; null to accept the peer's own choice
     * @param exhausted told when no address is to be had: the allocator has none for the peer, or
     *     (accepting an assignment) the peer has none for us
     */
    public IpAddressOption(Inet4Address wanted, boolean acceptAssignment, PeerAddressAllocator allocator,
                           Runnable exhausted) {
        this.wanted = wanted;
        this.acceptAssignment = acceptAssignment;
        this.allocator = allocator;
        this.exhausted = exhausted;
        reset();
    }

    @Override
    public int type() {
        return IpcpOptionType.IP_ADDRESS;
    }

    @Override
    public boolean wellFormed(byte[] data) {
        return data.length == 4;
    }

    @Override
    public void reset() {
        requesting = assignedBefore != null ? assignedBefore : wanted;
        sending = true;
        acked = false;
        peerAddress = null;
        nakedMissing = false;
    }

    @Override
    public byte[] requestValue() {
        return sending ? requesting.getAddress() : null;
    }

    @Override
    public void acked(byte[] data) {
        acked = true;
        if (acceptAssignment && !Ipv4Octets.isUnspecified(requesting)) {
            assignedBefore = requesting;
        }
    }

    /**
     * Asks for {@code address} from the next negotiation on, in place of the configured one: the
     * address the peer assigned us on this link before, when a new IPCP starts after an LCP
     * renegotiation. Only when accepting an assignment (a client); the peer may still Nak.
     */
    public void askFor(Inet4Address address) {
        if (acceptAssignment && !Ipv4Octets.isUnspecified(address)) {
            assignedBefore = address;
        }
    }

    @Override
    public void naked(byte[] data) {
        Inet4Address suggested = Ipv4Octets.of(data);
        if (acceptAssignment && !Ipv4Octets.isUnspecified(suggested)) {
            requesting = suggested;
        } else if (acceptAssignment && !Ipv4Octets.isUnspecified(requesting)) {
            // The address we named (the one we had before) refused with none in its place: ask to
            // be assigned one instead (§3.3).
            requesting = Ipv4Octets.of(new byte[4]);
        } else if (acceptAssignment) {
            // Our request for an address Nak'd with 0.0.0.0: the peer has none to give (pppd with
            // no remote address does this; §3.3 has a Nak carry a valid address). Asked again it
            // Naks again, request and Nak bouncing until the link's setup timed out.
            exhausted.run();
        }
    }

    @Override
    public void rejected() {
        sending = false;
    }

    @Override
    public void peerRequestStarts() {
        peerAddress = null;
    }

    @Override
    public OptionVerdict judge(byte[] data) {
        Inet4Address asked = Ipv4Octets.of(data);
        if (allocator == null) {
            if (Ipv4Octets.isUnspecified(asked)) {
                return OptionVerdict.reject();
            }
            peerAddress = asked;
            return OptionVerdict.ack();
        }
        if (allocated == null && !Ipv4Octets.isUnspecified(asked) && allocator.claim(asked)) {
            // RFC 1332 §3.3: the peer may name the address it wants, and an acceptable one is acked.
            allocated = asked;
        }
        if (!allocate()) {
            return OptionVerdict.reject();
        }
        if (asked.equals(allocated)) {
            peerAddress = asked;
            return OptionVerdict.ack();
        }
        return OptionVerdict.nak(allocated.getAddress());
    }

    @Override
    public byte[] nakWhenMissing(boolean mayNak) {
        if (allocator == null || !allocate()) {
            return null;
        }
        if (nakedMissing || !mayNak) {
            peerAddress = allocated;
            return null;
        }
        nakedMissing = true;
        return allocated.getAddress();
    }

    /** Allocates the peer's address on first need; false (and the owner told) if none is left. */
    private boolean allocate() {
        if (allocated == null) {
            allocated = allocator.allocate().orElse(null);
            if (allocated == null) {
                exhausted.run();
                return false;
            }
        }
        return true;
    }

    /** Whether we take the address the peer assigns us (a client). */
    public boolean acceptsAssignment() {
        return acceptAssignment;
    }

    /** Our address as agreed, or as configured if the peer would not hear of it. */
    public Optional<Inet4Address> localAddress() {
        Inet4Address mine = sending && acked ? requesting : wanted;
        return Ipv4Octets.isUnspecified(mine) ? Optional.empty() : Optional.of(mine);
    }

    /** The peer's address as we acknowledged it. */
    public Optional<Inet4Address> peerAddress() {
        return Optional.ofNullable(peerAddress);
    }

    /** Gives the allocated peer address back to the allocator, if one was taken. */
    public void release() {
        if (allocated != null) {
            allocator.release(allocated);
            allocated = null;
        }
    }
}
