package org.homerouter.pptp.alg;

import java.net.Inet4Address;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * NAT call IDs, one pool per (public address, server), as NetBSD's NPF PPTP ALG keeps them
 * ({@code npf_alg_pptp.c}): the server demultiplexes GRE by (source address, call ID), so an ID
 * must be unique only among the calls this router's public address holds with that server.
 * Call ID 0 is never handed out (some peers treat it as "none"). The router's own calls (its VPN
 * server's, its site-to-site dial-out's) receive their GRE at the same public address with their
 * own call IDs as the key; an ID one of them holds is never handed out, or the call's GRE NAT
 * would take that call's GRE to a LAN client. Changed under the tracker's lock; {@link #inUseAnywhere}
 * may be read from any thread.
 */
final class NatCallIdPool {
    private record Key(Inet4Address publicAddress, Inet4Address server) {
    }

    private final Map<Key, BitSet> used = new HashMap<>();
    /** How many pools hold each ID, for the router's own allocators, which ask without the lock. */
    private final ConcurrentHashMap<Integer, Integer> anywhere = new ConcurrentHashMap<>();
    private final RandomGenerator random;

    NatCallIdPool(RandomGenerator random) {
        this.random = random;
    }

    /**
     * A free ID for (publicAddress, server) that {@code router} does not hold, or -1 if none is
     * left.
     */
    int allocate(Inet4Address publicAddress, Inet4Address server, IntPredicate router) {
        BitSet ids = used.computeIfAbsent(new Key(publicAddress, server), k -> new BitSet(65536));
        // Start at a random place, so IDs are not predictable across calls (the kernel's
        // source-port IDs are not either) and a freed ID is not reused at once.
        int start = 1 + random.nextInt(65535);
        int id = ids.nextClearBit(start);
        for (int scanned = 0; scanned < 65535; scanned++) {
            if (id > 65535) {
                id = ids.nextClearBit(1);
                if (id > 65535) {
                    break;
                }
            }
            if (!router.test(id)) {
                ids.set(id);
                anywhere.merge(id, 1, Integer::sum);
                return id;
            }
            id = ids.nextClearBit(id + 1);
        }
        if (ids.isEmpty()) {
            used.remove(new Key(publicAddress, server));
        }
        return -1;
    }

    void release(Inet4Address publicAddress, Inet4Address server, int id) {
        Key key = new Key(publicAddress, server);
        BitSet ids = used.get(key);
        if (ids != null && ids.get(id)) {
            ids.clear(id);
            anywhere.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
            if (ids.isEmpty()) {
                used.remove(key);
            }
        }
    }

    boolean inUse(Inet4Address publicAddress, Inet4Address server, int id) {
        BitSet ids = used.get(new Key(publicAddress, server));
        return ids != null && ids.get(id);
    }

    /** Whether any pool holds {@code id}; lock-free. */
    boolean inUseAnywhere(int id) {
        return anywhere.containsKey(id);
    }
}
