package org.homerouter.pptp.session;

import java.net.Inet4Address;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.homerouter.pptp.ppp.ipcp.PeerAddressAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side: which tunnel address the client of one session gets (its user's static address
 * when free, else one from the pool, never another user's static address), and the address kept
 * for it while no IPCP holds it, through an LCP renegotiation. Each IPCP of the session gets its
 * own {@link #allocator}; the kept address outlives them.
 *
 * <p>Touched only under its {@link PppSession}'s lock, as IPCP is (every allocator call comes from
 * the session's IPCP), except {@link #staticHeldElsewhere()}, which is read without it. Its log
 * lines are the session's, under the session's logger.
 */
final class PeerAddressAssignment {
    private static final Logger LOG = LoggerFactory.getLogger(PppSession.class);

    private final String id;
    private final SessionEnvironment env;
    /**
     * The peer's address while no IPCP holds it (server side). An LCP renegotiation (RFC 1661 §4.3:
     * a Configure-Request in Opened) takes IPCP down with the link, and IPCP gives the address up;
     * the session keeps it claimed in the pool until the next IPCP gives it to the client again, so
     * that the client's connections survive and no other session is given it in between (a client
     * naming it, RFC 1332 §3.3, or the pool's next allocation). Given back to the pool when the
     * session ends, when someone else logs in on the link, or when it is no longer this user's to
     * have (see {@link #allocator}).
     */
    private Inet4Address peerAddressKept;
    /** The user's static address, which another session held when this one's IP was negotiated; else null. */
    private volatile Inet4Address staticHeldElsewhere;

    /** @param id the session's name for logs */
    PeerAddressAssignment(String id, SessionEnvironment env) {
        this.id = id;
        this.env = env;
    }

    /**
     * The allocator for one IPCP of the session, whose client is logged in as {@code userName} (null
     * if none; asked when needed, as the session knows it then). {@code ending} tells whether the
     * session is finishing or has ended: an address given up then goes back to the pool rather
     * than being kept.
     */
    PeerAddressAllocator allocator(Supplier<String> userName, BooleanSupplier ending) {
        AddressPool pool = env.pool();
        return new PeerAddressAllocator() {
            /** The user's static address, read once for this IPCP (it may come from the store). */
            private Optional<Inet4Address> fixed;

            private Optional<Inet4Address> fixed() {
                if (fixed == null) {
                    String name = userName.get();
                    fixed = name == null ? Optional.empty() : env.staticAddresses().apply(name);
                }
                return fixed;
            }

            @Override
            public Optional<Inet4Address> allocate() {
                if (pool == null) {
                    return Optional.empty();
                }
                // Negotiated again on this link: the address the session kept for the client.
                Inet4Address kept = takeKept();
                if (kept != null) {
                    return Optional.of(kept);
                }
                // A user's static address, when configured and free, wins over the pool (IPCP Nak, RFC 1332 §3.3).
                Optional<Inet4Address> fixed = fixed();
                if (fixed.isPresent()) {
                    if (pool.claim(fixed.get(), userName.get())) {
                        staticHeldElsewhere = null;
                        return fixed;
                    }
                    staticHeldElsewhere = fixed.get();
                    // Held by another session, or (a moment after a session ended) not free yet: see the pool's line.
                    LOG.warn("{}: static address {} of {} is not free (in use by another session, or still being"
                            + " cleared after the last one); giving a pool address", id,
                            fixed.get().getHostAddress(), userName.get());
                }
                // Never a user's static address, free while its user is away (as claim below). All
                // of them, read once: this user's own, if any, was just found held, so it is no
                // candidate anyway.
                return pool.allocate(env.assignedStaticAddresses().get()::contains, userName.get());
            }

            /**
             * Whether {@code address} is the static address of a user other than this one: theirs
             * even while free, so never this client's (the pool's allocate above skips them all).
             */
            private boolean anotherUsersStatic(Inet4Address address) {
                return !fixed().map(address::equals).orElse(false)
                        && env.assignedStaticAddresses().get().contains(address);
            }

            /**
             * The address the client asked for, if free in the pool (RFC 1332 §3.3). Not while the
             * user's static address is free: that one is the user's to get. Never another user's
             * static address: free while its owner is away, it is still theirs, and a client could
             * otherwise take it by naming it. Nor, while the pool has another, one that another
             * account gave back recently ({@link AddressPool#claimRequested(Inet4Address, String,
             * java.util.function.Predicate)}): what is still sent to that account there would reach
             * this client.
             */
            @Override
            public boolean claim(Inet4Address asked) {
                if (pool == null) {
                    return false;
                }
                if (asked.equals(peerAddressKept)) {
                    // The address it had, kept for it through the renegotiation (held by this
                    // session, so the pool would refuse it).
                    return takeKept() != null;
                }
                Optional<Inet4Address> fixed = fixed();
                if (fixed.isPresent() && !fixed.get().equals(asked) && !pool.holds(fixed.get())) {
                    return false;
                }
                if (anotherUsersStatic(asked)) {
                    return false;
                }
                if (!pool.claimRequested(asked, userName.get(), env.assignedStaticAddresses().get()::contains)) {
                    return false;
                }
                // It chose another address than the one kept for it: that one is free for others.
                giveBack();
                return true;
            }

            /**
             * The address IPCP gives up. While the session lives it stays claimed, kept for the
             * next IPCP on this link (an LCP renegotiation, see {@link #peerAddressKept}); once
             * the session is finishing it goes back to the pool.
             */
            @Override
            public void release(Inet4Address address) {
                if (pool == null) {
                    return;
                }
                if (!ending.getAsBoolean() && peerAddressKept == null) {
                    peerAddressKept = address;
                } else {
                    pool.release(address);
                }
            }

            /**
             * The kept address, handed to this IPCP, if it is still the user's to have; otherwise
             * it goes back to the pool. Null when none was kept or it went back.
             */
            private Inet4Address takeKept() {
                Inet4Address kept = peerAddressKept;
                peerAddressKept = null;
                if (kept == null || stillTheirs(kept)) {
                    return kept;
                }
                LOG.info("{}: tunnel address {} is no longer for {}: giving another", id, kept.getHostAddress(),
                        userName.get());
                pool.release(kept);
                return null;
            }

            /**
             * Whether the user may still have {@code kept}, as a first IPCP would judge it: their
             * static address; otherwise not while their static address is free (it wins, as at the
             * first IPCP), and only an address the pool still gives clients (the administrator may
             * have moved the pool) that is no other user's static address.
             */
            private boolean stillTheirs(Inet4Address kept) {
                Optional<Inet4Address> fixed = fixed();
                if (fixed.isPresent()) {
                    if (fixed.get().equals(kept)) {
                        return true;
                    }
                    if (!pool.holds(fixed.get())) {
                        return false;
                    }
                }
                return pool.forClients(kept) && !anotherUsersStatic(kept);
            }
        };
    }

    /** The address kept through a renegotiation goes back to the pool (server side), if one is kept. */
    void giveBack() {
        Inet4Address kept = peerAddressKept;
        if (kept != null) {
            peerAddressKept = null;
            env.pool().release(kept);
        }
    }

    /** {@link PppSession#staticAddressHeldElsewhere()}. Lock-free. */
    Optional<Inet4Address> staticHeldElsewhere() {
        return Optional.ofNullable(staticHeldElsewhere);
    }
}
