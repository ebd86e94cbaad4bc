package org.homerouter.pptp.alg;

import java.util.function.IntPredicate;

/**
 * The router's own calls (its VPN server's, its site-to-site dial-out's) get their GRE at the same
 * public address as the LAN's passthrough calls, keyed by their Call ID alone (RFC 2637 §4.1): no
 * NAT ID may be one of their IDs, and none of them may take a NAT ID in use. Both methods are asked
 * on the packet and allocation paths: they must not block.
 */
public interface RouterCallIds {
    /** For an ALG with no PPTP calls of the router's own beside it. */
    RouterCallIds NONE = new RouterCallIds() {
        @Override
        public boolean callIdTaken(int id) {
            return false;
        }

        @Override
        public void reserveCallIds(IntPredicate natIds) {
        }
    };

    /** Whether one of the router's own calls holds {@code id}, answered or not. */
    boolean callIdTaken(int id);

    /** From now on the router's own new calls skip the IDs {@code natIds} names; {@code id -> false} ends that. */
    void reserveCallIds(IntPredicate natIds);
}
