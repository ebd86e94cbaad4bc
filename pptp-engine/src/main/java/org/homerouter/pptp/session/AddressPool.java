package org.homerouter.pptp.session;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.BitSet;
import java.util.Optional;

/**
 * The IPv4 addresses handed to dial-in clients (IPCP, RFC 1332 §3.3): a contiguous range, each
 * address out to at most one session at a time. A user's static address, when it falls inside the
 * range, is taken from the same bitmap so the two can never collide; outside the range it is
 * tracked too, so no two sessions ever hold the same address. Thread-safe.
 *
 * <p>When the administrator changes the range while sessions are up, the old pool is
 * {@linkplain #handOverTo handed over} to the new one rather than dropped, because its sessions
 * still hold (and will give back) its addresses.
 */
public final class AddressPool {
    private final int first;
    private final int size;
    private final BitSet inUse;
    /** Static addresses outside the range that are out: still never given to two sessions at once. */
    private final java.util.Set<Inet4Address> staticOutside = new java.util.HashSet<>();
    private int cursor;
    /** Set once this pool is retired: from then on it hands out the successor's addresses. */
    private AddressPool successor;
    /** The addresses this pool's sessions hold in the successor, to give back there. */
    private final java.util.Set<Inet4Address> heldInSuccessor = new java.util.HashSet<>();
    /** Addresses this host uses itself, see {@link #avoid}. */
    private volatile java.util.function.Predicate<Inet4Address> usedHere = a -> false;

    /**
     * @param first first address of the range, inclusive
     * @param last  last address of the range, inclusive
     */
    public AddressPool(Inet4Address first, Inet4Address last) {
        int a = toInt(first);
        int b = toInt(last);
        if (Integer.compareUnsigned(a, b) > 0) {
            throw new IllegalArgumentException("pool range is empty: " + first.getHostAddress() + " > " + last.getHostAddress());
        }
        long n = Integer.toUnsignedLong(b) - Integer.toUnsignedLong(a) + 1;
        if (n > 65536) {
            throw new IllegalArgumentException("pool larger than 65536 addresses");
        }
        this.first = a;
        this.size = (int) n;
        this.inUse = new BitSet(size);
    }

    /**
     * Retires this pool in favour of {@code next}, a fresh pool for the new range: every address
     * out from here is reserved in {@code next} until its session gives it back, so no new client
     * is given an address that is still in use. A session still negotiating with the old settings
     * asks this pool and gets an address of {@code next}. Locks go from the old pool to the new
     * one only, so a chain of changes cannot deadlock.
     */
    public synchronized void handOverTo(AddressPool next) {
        if (successor != null) {
            throw new IllegalStateException("this pool was already handed over");
        }
        if (next == this || !next.fresh()) {
            throw new IllegalArgumentException("the successor must be a fresh pool");
        }
        for (int i = inUse.nextSetBit(0); i >= 0; i = inUse.nextSetBit(i + 1)) {
            keepInSuccessor(next, fromInt(first + i));
        }
        for (Inet4Address a : staticOutside) {
            keepInSuccessor(next, a);
        }
        successor = next;
    }

    /** Nothing out and never handed over: the only kind of pool another may be handed over to. */
    private synchronized boolean fresh() {
        return successor == null && inUse.isEmpty() && staticOutside.isEmpty();
    }

    private void keepInSuccessor(AddressPool next, Inet4Address address) {
        // next is fresh and this pool holds each address once, so the claim cannot fail.
        next.claim(address);
        heldInSuccessor.add(address);
    }

    /**
     * Addresses this host already uses itself, which no client may be given while that lasts: a
     * remote server hands the site-to-site dial-out an address of its own pool, which is this
     * router's pool too when both routers keep the factory settings. A client given it reaches
     * nothing: the kernel takes its packets for the router's own (a martian source) and keeps what
     * is sent to it. Asked for free addresses only, as they are handed out; must be cheap.
     */
    public void avoid(java.util.function.Predicate<Inet4Address> usedHere) {
        this.usedHere = usedHere;
    }

    /**
     * Any free address this host does not use itself ({@link #avoid}), rotating through the range so
     * a just-released address is not reused at once.
     */
    public Optional<Inet4Address> allocate() {
        return allocate(a -> false);
    }

    /**
     * As {@link #allocate()}, never one that {@code reserved} keeps for someone: users' static
     * addresses, each its user's even while free (the pool may have been widened over one by an
     * import or the command line), or its user, logging in later, would be given a pool address.
     * Asked under this pool's lock, of free addresses only: it must be cheap (a set's contains, read
     * from the store beforehand), or every session's release would wait for the store. The pool
     * does not keep it: which addresses are a user's, and that a user's own is theirs to
     * {@link #claim}, is the sessions' to know (see {@code PppSession}'s allocator).
     */
    public synchronized Optional<Inet4Address> allocate(java.util.function.Predicate<Inet4Address> reserved) {
        if (successor != null) {
            Optional<Inet4Address> a = successor.allocate(reserved);
            a.ifPresent(heldInSuccessor::add);
            return a;
        }
        for (int k = 0; k < size; k++) {
            int i = (int) ((cursor + (long) k) % size);
            if (inUse.get(i)) {
                continue;
            }
            Inet4Address a = fromInt(first + i);
            if (!usedHere.test(a) && !reserved.test(a)) {
                inUse.set(i);
                cursor = (i + 1) % size;
                return Optional.of(a);
            }
        }
        return Optional.empty(); // every address is out, or one this host uses itself
    }

    /** Reserves a specific address (a user's static one, inside the range or not); false when it is taken. */
    public synchronized boolean claim(Inet4Address address) {
        return claim(address, false);
    }

    /**
     * Reserves {@code address} for a client that asked for it in IPCP (RFC 1332 §3.3): only an
     * address of the range that is free and not this host's own ({@link #avoid}); false otherwise,
     * and the client is given another. Unlike {@link #claim}, never one outside the range: a client
     * cannot choose an address the administrator did not set aside for clients.
     */
    public synchronized boolean claimRequested(Inet4Address address) {
        return claim(address, true);
    }

    private boolean claim(Inet4Address address, boolean askedByClient) {
        if (successor != null) {
            if (!(askedByClient ? successor.claimRequested(address) : successor.claim(address))) {
                return false;
            }
            heldInSuccessor.add(address);
            return true;
        }
        int i = indexOf(address);
        if (i < 0) {
            return !askedByClient && staticOutside.add(address);
        }
        if (inUse.get(i) || askedByClient && usedHere.test(address)) {
            return false;
        }
        inUse.set(i);
        return true;
    }

    /** Returns an address, from the range or a claimed static one; free ones are ignored. */
    public synchronized void release(Inet4Address address) {
        if (successor != null) {
            // Only what this pool's sessions hold: a stray release must not free a new session's address.
            if (heldInSuccessor.remove(address)) {
                successor.release(address);
            }
            return;
        }
        int i = indexOf(address);
        if (i >= 0) {
            inUse.clear(i);
        } else {
            staticOutside.remove(address);
        }
    }

    /** Addresses out to this pool's sessions (once handed over: those they hold in the successor). */
    public synchronized int inUse() {
        if (successor != null) {
            return heldInSuccessor.size();
        }
        return inUse.cardinality() + staticOutside.size();
    }

    /**
     * Addresses {@link #allocate} could still hand out: free, and not used by this host itself
     * ({@link #avoid}), counted up to {@code atMost} (each is asked of the predicate, which may be
     * costly: a caller only needing to know whether there are more than n asks for n + 1).
     */
    public int allocatable(int atMost) {
        return allocatable(atMost, a -> false);
    }

    /** As {@link #allocatable(int)}, for {@link #allocate(java.util.function.Predicate)} with {@code reserved}. */
    public synchronized int allocatable(int atMost, java.util.function.Predicate<Inet4Address> reserved) {
        if (successor != null) {
            return successor.allocatable(atMost, reserved);
        }
        int n = 0;
        for (int i = inUse.nextClearBit(0); i < size && n < atMost; i = inUse.nextClearBit(i + 1)) {
            Inet4Address a = fromInt(first + i);
            if (!usedHere.test(a) && !reserved.test(a)) {
                n++;
            }
        }
        return n;
    }

    /** Whether a session holds {@code address}, from the range or as its static one (once handed over: in the successor). */
    public synchronized boolean holds(Inet4Address address) {
        if (successor != null) {
            return successor.holds(address);
        }
        int i = indexOf(address);
        return i >= 0 ? inUse.get(i) : staticOutside.contains(address);
    }

    /**
     * Whether {@code address}, held or free, is one clients may be given now: of the range in force
     * (the successor's, once handed over) and not one this host uses itself ({@link #avoid}). A
     * session that kept its address through a renegotiation asks before giving it to its client
     * again: the administrator may have moved the pool meanwhile.
     */
    public synchronized boolean forClients(Inet4Address address) {
        if (successor != null) {
            return successor.forClients(address);
        }
        return indexOf(address) >= 0 && !usedHere.test(address);
    }

    public int size() {
        return size;
    }

    public boolean contains(Inet4Address address) {
        return indexOf(address) >= 0;
    }

    private int indexOf(Inet4Address address) {
        long off = Integer.toUnsignedLong(toInt(address)) - Integer.toUnsignedLong(first);
        return off >= 0 && off < size ? (int) off : -1;
    }

    static int toInt(Inet4Address a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    static Inet4Address fromInt(int v) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
