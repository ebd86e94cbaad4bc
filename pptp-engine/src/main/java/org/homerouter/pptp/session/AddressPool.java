package org.homerouter.pptp.session;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IPv4 addresses handed to dial-in clients (IPCP, RFC 1332 §3.3): a contiguous range, each
 * address out to at most one session at a time. A user's static address, when it falls inside the
 * range, is taken from the same bitmap so the two can never collide; outside the range it is
 * tracked too, so no two sessions ever hold the same address. Thread-safe.
 *
 * <p>An address of the range a session gives back stays its account's for {@link #QUARANTINE}
 * ({@link #release}): the pool hands it to no other account while it has another free address,
 * neither as its next allocation nor to a client that names it in IPCP ({@link #claimRequested}),
 * so that what the LAN still sends to the account that had it (a file copy's retransmissions, a
 * stream) does not reach someone else, nor can someone else pass for it at once. The same account
 * (its redial, its second device) may have it back at once.
 *
 * <p>When the administrator changes the range while sessions are up, the old pool is
 * {@linkplain #handOverTo handed over} to the new one rather than dropped, because its sessions
 * still hold (and will give back) its addresses.
 */
public final class AddressPool {
    /**
     * How long an address one account gave back is kept from the others, while the pool has any
     * other free address to give them. It guards what the LAN still sends to that address: a Linux
     * file server or NAS retransmits on an established TCP connection for about 15 minutes
     * ({@code tcp_retries2} = 15) before it gives up. (A UDP stream, or a LAN service trusting the
     * address, may go on longer, which no wait covers: a static address does.) A longer wait costs
     * no one a call: with nothing else free the pool hands the address out anyway (the one given
     * back longest ago, logged), since refusing would lock a small pool's users out for as long.
     */
    public static final Duration QUARANTINE = Duration.ofMinutes(15);

    private static final Logger LOG = LoggerFactory.getLogger(AddressPool.class);
    /** Lines a client can cause at will, by asking or by calling: within a budget (LogLimit). */
    private static final LogLimit REFUSED_LOGGED = new LogLimit();
    private static final LogLimit REUSED_LOGGED = new LogLimit();
    private static final LogLimit NOT_YET_LOGGED = new LogLimit();

    /** An address of the range given back: by whom (null: unknown) and when ({@link Clock} nanos). */
    private record Freed(String by, long at) {
        String who() {
            return by == null ? "another session" : by + "'s session";
        }

        String forWhom() {
            return by == null ? "that session" : by;
        }
    }

    /**
     * An address given back and waiting for its sweep: by whom (null: unknown), the one account
     * that may {@link #claim} it again before the sweep is done, and the {@code sweep} to call off.
     */
    private record Waiting(String by, BeforeReuse sweep) {
        boolean mayReclaim(String account) {
            return account != null && account.equals(by);
        }
    }

    private final Clock clock;
    private final int first;
    private final int size;
    private final BitSet inUse;
    /** The account each held address of the range went to, where one was named. */
    private final Map<Integer, String> holders = new HashMap<>();
    /**
     * The range's addresses given back in the last {@link #QUARANTINE} (more, until forgotten),
     * oldest first: by whom and when. The one record of what was freed recently by whom, which
     * both the pool's next allocation and a client's request go by. An address leaves it when it
     * is taken again.
     */
    private final LinkedHashMap<Integer, Freed> recentlyFreed = new LinkedHashMap<>();
    /**
     * Static addresses outside the range that are out (still never given to two sessions at once),
     * each with the account it went to (null: none named).
     */
    private final Map<Inet4Address, String> staticOutside = new HashMap<>();
    private int cursor;
    /** Set once this pool is retired: from then on it hands out the successor's addresses. */
    private AddressPool successor;
    /** The addresses this pool's sessions hold in the successor, to give back there. */
    private final java.util.Set<Inet4Address> heldInSuccessor = new java.util.HashSet<>();
    /**
     * Given back, not claimed again since, and waiting for {@link #beforeReuse} to finish: not
     * free, but the account that gave it back may claim it again ({@link #claim}), and no other.
     * Free once its sweeps are all done. Moved to the successor by {@link #handOverTo}.
     */
    private final Map<Inet4Address, Waiting> waiting = new HashMap<>();
    /**
     * The sweeps ({@link BeforeReuse#givenBack}) not done yet, per address: one per give-back.
     * Moved to the successor by {@link #handOverTo}, as the sweeps' ends are passed on there.
     */
    private final Map<Inet4Address, Integer> sweepsDue = new HashMap<>();
    /** Addresses this host uses itself, see {@link #avoid}. */
    private volatile java.util.function.Predicate<Inet4Address> usedHere = a -> false;

    /**
     * @param first first address of the range, inclusive
     * @param last  last address of the range, inclusive
     */
    public AddressPool(Inet4Address first, Inet4Address last) {
        this(first, last, Clock.SYSTEM);
    }

    /** As {@link #AddressPool(Inet4Address, Inet4Address)}, timing {@link #QUARANTINE} by {@code clock}. */
    public AddressPool(Inet4Address first, Inet4Address last, Clock clock) {
        this.clock = clock;
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
     * asks this pool and gets an address of {@code next}. An address given back and waiting for its
     * sweep ({@link #beforeReuse}) waits in {@code next}, as it would have here: the account that gave
     * it back has it again at once (its redial just after the change is given the new pool), any
     * other account once the sweep is done. Locks go from the old pool to the new one only, so a
     * chain of changes cannot deadlock: a sweep's end, which comes to the pool that began it, is
     * passed on ({@link #swept}), never the other way.
     */
    public synchronized void handOverTo(AddressPool next) {
        if (successor != null) {
            throw new IllegalStateException("this pool was already handed over");
        }
        if (next == this || !next.fresh()) {
            throw new IllegalArgumentException("the successor must be a fresh pool");
        }
        for (int i = inUse.nextSetBit(0); i >= 0; i = inUse.nextSetBit(i + 1)) {
            keepInSuccessor(next, fromInt(first + i), holders.get(i));
        }
        staticOutside.forEach((a, account) -> keepInSuccessor(next, a, account));
        // What waits for its sweep waits there, no longer this pool's sessions' to give back: its
        // account's redial, given the new pool, has it again at once as in one pool, another
        // account not before the sweep's end, which reaches it there (swept).
        sweepsDue.forEach(next::sweepsFromBefore);
        sweepsDue.clear();
        waiting.clear();
        // Given back just before the change, an address the new range has too is still kept
        // from other accounts there.
        forgetExpired();
        recentlyFreed.forEach((i, freed) -> next.freedBefore(fromInt(first + i), freed));
        recentlyFreed.clear();
        successor = next;
    }

    /** Nothing out and never handed over: the only kind of pool another may be handed over to. */
    private synchronized boolean fresh() {
        return successor == null && inUse.isEmpty() && staticOutside.isEmpty();
    }

    private void keepInSuccessor(AddressPool next, Inet4Address address, String account) {
        // next is fresh and this pool holds each address once, so the claim cannot fail.
        next.claim(address, account);
        Waiting w = waiting.get(address);
        if (w != null) {
            next.waitsFromBefore(address, w);
        } else {
            heldInSuccessor.add(address);
        }
    }

    /** From the pool handed over to this one: {@code address}, held here for it, was given back as {@code w} says. */
    private synchronized void waitsFromBefore(Inet4Address address, Waiting w) {
        waiting.put(address, w);
    }

    /** From the pool handed over to this one: {@code n} sweeps of {@code address}, whose ends come here. */
    private synchronized void sweepsFromBefore(Inet4Address address, int n) {
        sweepsDue.merge(address, n, Integer::sum);
    }

    /** From the pool handed over to this one: {@code address} was given back as {@code freed} says. */
    private synchronized void freedBefore(Inet4Address address, Freed freed) {
        int i = indexOf(address);
        if (i >= 0 && !inUse.get(i)) {
            recentlyFreed.put(i, freed);
        }
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
     * a just-released address is not reused at once (for a client of no known account: as {@link
     * #allocate(java.util.function.Predicate, String)}).
     */
    public Optional<Inet4Address> allocate() {
        return allocate(a -> false);
    }

    /** As {@link #allocate(java.util.function.Predicate, String)}, for a client of no known account. */
    public Optional<Inet4Address> allocate(java.util.function.Predicate<Inet4Address> reserved) {
        return allocate(reserved, null);
    }

    /**
     * As {@link #allocate()}, never one that {@code reserved} keeps for someone: users' static
     * addresses, each its user's even while free (the pool may have been widened over one by an
     * import or the command line), or its user, logging in later, would be given a pool address.
     * Asked under this pool's lock, of free addresses only: it must be cheap (a set's contains, read
     * from the store beforehand), or every session's release would wait for the store. The pool
     * does not keep it: which addresses are a user's, and that a user's own is theirs to
     * {@link #claim}, is the sessions' to know (see {@code PppSession}'s allocator).
     *
     * <p>For {@code account} (null: none known): no address another account gave back within
     * {@link #QUARANTINE} while there is any other; failing that, the one given back longest ago
     * (logged: the pool is too small to keep them apart).
     */
    public synchronized Optional<Inet4Address> allocate(java.util.function.Predicate<Inet4Address> reserved,
                                                        String account) {
        if (successor != null) {
            Optional<Inet4Address> a = successor.allocate(reserved, account);
            a.ifPresent(heldInSuccessor::add);
            return a;
        }
        int i = pick(reserved, account);
        if (i < 0) {
            return Optional.empty(); // every address is out, or one this host uses itself
        }
        Freed freed = freedByAnother(i, account);
        if (freed != null) {
            logReused(fromInt(first + i), freed, account);
        }
        take(i, account);
        cursor = (i + 1) % size;
        return Optional.of(fromInt(first + i));
    }

    /**
     * The free address {@link #allocate} would hand {@code account}: the next in turn that no other
     * account gave back recently, else the one given back longest ago; -1 if none.
     */
    private int pick(java.util.function.Predicate<Inet4Address> reserved, String account) {
        forgetExpired();
        for (int k = 0; k < size; k++) {
            int i = (int) ((cursor + (long) k) % size);
            if (inUse.get(i) || freedByAnother(i, account) != null) {
                continue;
            }
            Inet4Address a = fromInt(first + i);
            if (!usedHere.test(a) && !reserved.test(a)) {
                return i;
            }
        }
        for (int i : recentlyFreed.keySet()) { // oldest first; all free (taking one drops it)
            Inet4Address a = fromInt(first + i);
            if (!usedHere.test(a) && !reserved.test(a)) {
                return i;
            }
        }
        return -1;
    }

    /** How {@code i} was given back, if by an account other than {@code account} (null: none known) within {@link #QUARANTINE}. */
    private Freed freedByAnother(int i, String account) {
        Freed f = recentlyFreed.get(i);
        if (f == null || clock.nanos() - f.at() >= QUARANTINE.toNanos()) {
            return null;
        }
        return account != null && account.equals(f.by()) ? null : f;
    }

    private void forgetExpired() {
        long now = clock.nanos();
        for (Iterator<Freed> it = recentlyFreed.values().iterator(); it.hasNext(); ) {
            if (now - it.next().at() < QUARANTINE.toNanos()) {
                return; // the rest were given back later still
            }
            it.remove();
        }
    }

    private void take(int i, String account) {
        inUse.set(i);
        recentlyFreed.remove(i);
        if (account != null) {
            holders.put(i, account);
        } else {
            holders.remove(i);
        }
    }

    /** Reserves a specific address (a user's static one, inside the range or not); false when it is taken. */
    public boolean claim(Inet4Address address) {
        return claim(address, null);
    }

    /**
     * As {@link #claim(Inet4Address)}, for {@code account}'s session (null: none known), whose the
     * address is once given back ({@link #QUARANTINE}). The administrator's choice: whoever gave it
     * back last does not count, once what the kernel tracks of that session is gone ({@link
     * #beforeReuse}); till then only that account's session may have it (again), and another's is
     * refused (logged), as if it were still held: it gets another address, the next call this one.
     */
    public synchronized boolean claim(Inet4Address address, String account) {
        if (successor != null) {
            if (!successor.claim(address, account)) {
                return false;
            }
            heldInSuccessor.add(address);
            return true;
        }
        int i = indexOf(address);
        Waiting w = waiting.get(address);
        if (w != null) {
            if (!w.mayReclaim(account)) {
                // The administrator gave the address to another account within the second its
                // sweep takes: had it now, that account's session would be sent the replies to
                // the connections of the one that gave it back. Out until swept, as if still held.
                logNotYet(address, w, account);
                return false;
            }
            // A static address (the administrator's choice for this account: claim is for those)
            // whose session ended a moment ago, its flows still being forgotten: its account
            // redialling, a dead session replaced, has it again at once rather than a pool address
            // for the whole session. No other user can be sent the flows of its last session, so a
            // sweep not begun is called off: it would delete the new session's first connections.
            waiting.remove(address);
            w.sweep().claimedAgain(address);
            return true;
        }
        if (i < 0) {
            if (staticOutside.containsKey(address)) {
                return false;
            }
            staticOutside.put(address, account);
            return true;
        }
        if (inUse.get(i)) {
            return false;
        }
        take(i, account);
        return true;
    }

    /** As {@link #claimRequested(Inet4Address, String, java.util.function.Predicate)}, for a client of no known account. */
    public boolean claimRequested(Inet4Address address) {
        return claimRequested(address, null, a -> false);
    }

    /**
     * Reserves {@code address} for a client that asked for it in IPCP (RFC 1332 §3.3): only an
     * address of the range that is free and not this host's own ({@link #avoid}); false otherwise,
     * and the client is given another. Unlike {@link #claim}, never one outside the range: a client
     * cannot choose an address the administrator did not set aside for clients.
     *
     * <p>Nor one another account than {@code account} (null: none known) gave back within {@link
     * #QUARANTINE}, while {@link #allocate(java.util.function.Predicate, String)} with {@code
     * reserved} would hand it another: a client that names an address it saw in use (pppd's
     * {@code ipcp-accept-local}, a static "local:remote") would otherwise get what is still sent to
     * the account that had it, skipping the wait the pool's own allocation keeps. The account
     * that gave it back has it again at once: its redial asks for the address its connections use.
     */
    public synchronized boolean claimRequested(Inet4Address address, String account,
                                               java.util.function.Predicate<Inet4Address> reserved) {
        if (successor != null) {
            if (!successor.claimRequested(address, account, reserved)) {
                return false;
            }
            heldInSuccessor.add(address);
            return true;
        }
        int i = indexOf(address);
        if (i < 0 || inUse.get(i) || usedHere.test(address)) {
            return false;
        }
        Freed freed = freedByAnother(i, account);
        if (freed != null) {
            int instead = pick(reserved, account);
            if (instead >= 0 && instead != i) {
                logRefused(address, freed, account);
                return false;
            }
            logReused(address, freed, account); // nothing else to give: the client may as well have it
        }
        take(i, account);
        return true;
    }

    private void logRefused(Inet4Address address, Freed freed, String account) {
        String note = REFUSED_LOGGED.admit();
        if (note != null) {
            String to = account == null ? "a client" : account;
            LOG.info("tunnel address {} not given to {}, who asked for it: {} gave it back {} ago, and what is"
                            + " still sent there for {} would reach {}; another address is offered instead (one"
                            + " that another account gave back is granted on request {} min later){}",
                    address.getHostAddress(), to, freed.who(), ago(freed), freed.forWhom(), to,
                    QUARANTINE.toMinutes(), note);
        }
    }

    private void logReused(Inet4Address address, Freed freed, String account) {
        String note = REUSED_LOGGED.admit();
        if (note != null) {
            String to = account == null ? "a client" : account;
            LOG.info("tunnel address {} goes to {} although {} gave it back only {} ago: the pool has no other"
                            + " free address, so what is still sent there for {} reaches {}; a larger pool (VPN"
                            + " server page: Pool start, Pool end) keeps them apart{}",
                    address.getHostAddress(), to, freed.who(), ago(freed), freed.forWhom(), to, note);
        }
    }

    private void logNotYet(Inet4Address address, Waiting w, String account) {
        String note = NOT_YET_LOGGED.admit();
        if (note != null) {
            String to = account == null ? "a client" : account;
            String from = w.by() == null ? "the session" : w.by() + "'s session";
            LOG.info("tunnel address {} not given to {} yet: {} that had it ended a moment ago, and what the"
                            + " kernel still tracks of its connections is being removed, or {} would receive"
                            + " replies meant for it; this session gets another address, the next one gets {}{}",
                    address.getHostAddress(), to, from, to, address.getHostAddress(), note);
        }
    }

    private String ago(Freed freed) {
        long s = Math.max(0, (clock.nanos() - freed.at()) / 1_000_000_000L);
        return s < 120 ? s + " s" : s / 60 + " min";
    }

    /**
     * What is done with each address a session gives back before it is free again: the kernel's
     * connection tracking entries of the session are deleted ({@link FlowSweep}), or the next
     * session given the address would receive the replies to the previous user's connections.
     * Called under the pool's lock (as {@link #claimedAgain} is): it must not block (the session's
     * thread gives the address back), nor call any pool on the calling thread, and must call {@code
     * free} once, later, from another thread: till then the address stays out, as if still held.
     */
    public interface BeforeReuse {
        void givenBack(Inet4Address address, Runnable free);

        /**
         * {@code address}, given back, was claimed again by the account that gave it back (no other
         * may) before being freed: a {@code free} not begun may be called now, the sweep left undone;
         * not on the calling thread, which holds the pool's lock (a free may take another pool's,
         * after a handover).
         */
        default void claimedAgain(Inet4Address address) {
        }
    }

    private volatile BeforeReuse beforeReuse;

    /** Sets what {@link #release} does with an address before it is free again (by default nothing). */
    public void beforeReuse(BeforeReuse hook) {
        this.beforeReuse = hook;
    }

    /**
     * Returns an address, from the range or a claimed static one; free ones are ignored. One of the
     * range is its last holder's account's for {@link #QUARANTINE} (see the class comment). With
     * {@link #beforeReuse} set it is free only once that is done.
     */
    public void release(Inet4Address address) {
        AddressPool next;
        BeforeReuse hook = beforeReuse;
        boolean wait = false;
        synchronized (this) {
            if (waiting.containsKey(address)) {
                return; // given back twice: once is enough, and free it is not yet
            }
            next = successor;
            if (next != null) {
                // Only what this pool's sessions hold: a stray release must not free a new
                // session's address, nor start a second sweep there of one handed over waiting.
                if (!heldInSuccessor.remove(address)) {
                    return;
                }
            } else if (hook != null && holds(address)) {
                wait = true;
                waiting.put(address, new Waiting(holder(address), hook));
                sweepsDue.merge(address, 1, Integer::sum);
                // Under the lock, as claim calls claimedAgain (pool, then the hook; the hook calls
                // no pool under its own lock): told after it, a claim in between found no sweep to
                // call off, and the sweep deleted the new session's first connections.
                hook.givenBack(address, () -> swept(address));
            }
        }
        if (next != null) {
            next.release(address); // as the pool in force says
            return;
        }
        if (!wait) {
            free(address);
        }
    }

    /**
     * One sweep of {@code address} done: free once none is left and its account has not claimed it
     * again meanwhile. Counted, as it may have been given back, claimed again and given back again
     * before the first sweep ended: the first sweep's end must neither free it under the session
     * that claimed it, nor leave it out for ever. Once handed over, passed on to the successor,
     * which counts them now ({@link #handOverTo}): old to new, as every lock is taken.
     */
    private void swept(Inet4Address address) {
        AddressPool next;
        synchronized (this) {
            next = successor;
            if (next == null) {
                int left = sweepsDue.getOrDefault(address, 1) - 1;
                if (left > 0) {
                    sweepsDue.put(address, left);
                    return;
                }
                sweepsDue.remove(address);
                if (waiting.remove(address) != null) {
                    free(address);
                }
                return;
            }
        }
        next.swept(address);
    }

    /** The account {@code address}, held, went to (null: none named). */
    private String holder(Inet4Address address) {
        int i = indexOf(address);
        return i >= 0 ? holders.get(i) : staticOutside.get(address);
    }

    /** {@link #release}'s end: the address is free. */
    private synchronized void free(Inet4Address address) {
        if (successor != null) {
            // Handed over since release looked: the successor was given it as held (handOverTo).
            if (heldInSuccessor.remove(address)) {
                successor.free(address);
            }
            return;
        }
        int i = indexOf(address);
        if (i >= 0) {
            if (inUse.get(i)) {
                inUse.clear(i);
                recentlyFreed.put(i, new Freed(holders.remove(i), clock.nanos()));
            }
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
        return i >= 0 ? inUse.get(i) : staticOutside.containsKey(address);
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
