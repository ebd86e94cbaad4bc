package org.homerouter.pptp.alg;

import java.net.Inet4Address;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * NAT call IDs, one pool per (public address, server), as NetBSD's NPF PPTP ALG keeps them
 * ({@code npf_alg_pptp.c}): the server demultiplexes GRE by (source address, call ID), so an ID
 * must be unique only among the calls this router's public address holds with that server.
 * Call ID 0 is never handed out (some peers treat it as "none").
 */
final class NatCallIdPool {
    private record Key(Inet4Address publicAddress, Inet4Address server) {
    }

    private final Map<Key, BitSet> used = new HashMap<>();
    private final RandomGenerator random;

    NatCallIdPool(RandomGenerator random) {
        this.random = random;
    }

    /** A free ID for (publicAddress, server), or -1 if all 65535 are taken. */
    int allocate(Inet4Address publicAddress, Inet4Address server) {
        BitSet ids = used.computeIfAbsent(new Key(publicAddress, server), k -> new BitSet(65536));
        // Start at a random place, so IDs are not predictable across calls (the kernel's
        // source-port IDs are not either) and a freed ID is not reused at once.
        int start = 1 + random.nextInt(65535);
        int id = ids.nextClearBit(start);
        if (id > 65535) {
            id = ids.nextClearBit(1);
            if (id >= start) {
                return -1;
            }
        }
        ids.set(id);
        return id;
    }

    void release(Inet4Address publicAddress, Inet4Address server, int id) {
        Key key = new Key(publicAddress, server);
        BitSet ids = used.get(key);
        if (ids != null) {
            ids.clear(id);
            if (ids.isEmpty()) {
                used.remove(key);
            }
        }
    }

    boolean inUse(Inet4Address publicAddress, Inet4Address server, int id) {
        BitSet ids = used.get(new Key(publicAddress, server));
        return ids != null && ids.get(id);
    }
}
