package org.homerouter.pptp.session;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.Tally;
import org.homerouter.pptp.auth.LoginRefusal;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ClientSource;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GrePayloadSink;
import org.homerouter.pptp.tunnel.CallTunnel;
import org.homerouter.pptp.tunnel.TunnelListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every tunnel a PPP session and keeps the two lifetimes tied: a new tunnel starts LCP; a
 * cleared call takes its session down; a finished session clears its call. Also the registry the
 * dashboard reads and the one place that drives every session's timers.
 */
public final class PppSessions implements TunnelListener {
    // Replaced by reconfigure(): only sessions that start afterwards see the new values.
    private static final Logger LOG = LoggerFactory.getLogger(PppSessions.class);
    /** Refusals and evictions are lines a flood of calls causes at will: within a budget. */
    private static final LogLimit REFUSALS_LOGGED = new LogLimit();
    private static final LogLimit TIMER_FAILURES_LOGGED = new LogLimit();
    /** A call's GRE held back and let go ({@link #holdBack}): calls from one address cause these at will. */
    private static final LogLimit HOLDS_LOGGED = new LogLimit();
    /**
     * How long a login may wait on the client without an answer before it gives way to a newcomer
     * when every place for logins in progress is taken ({@link #admit}). A client answers the
     * Challenge the moment it arrives (RFC 1994 §4.1; MS-CHAPv2 and PAP clients send what they
     * were given when they dialled), and LCP opens within a round trip or two: 10 s is LCP losing
     * three of its 3 s restart periods (RFC 1661 §4.6) on a bad link, and still well within the
     * 30 s a silent call otherwise holds its place. Within it, no login gives way on this count,
     * so a flood of newcomers cannot churn real logins on a slow link out of their places. Nor does
     * a silent login end by itself at the grace: it holds a session place and is owed a tunnel
     * address, which costs nothing until the places or the addresses run out, and then it gives
     * way on demand, to a login ({@link #admit}) or to a call ({@link #makeRoomIn}); ending it
     * sooner would only cut short logins over a bad link (a flooder places its call again at once
     * either way).
     */
    public static final int UNANSWERED_GRACE_SECONDS = 10;
    private volatile SessionSettings settings;
    private volatile SessionEnvironment env;
    private final SessionListener observer;
    private final java.util.concurrent.atomic.LongAdder refusedLogins = new java.util.concurrent.atomic.LongAdder();
    private final Map<Integer, Slot> byLocalCallId = new ConcurrentHashMap<>();
    /**
     * The calls of {@link #byLocalCallId} whose tunnel is up, by their peer's address and Call ID,
     * for {@link #sameCallBefore}: a scan of every call at each new one made the 10,000th session's
     * setup cost twice the 1,000th's. Each value is an immutable list (nearly always of one),
     * replaced whole, so that it is read without a lock.
     */
    private final Map<PeerCall, List<Slot>> byPeerCall = new ConcurrentHashMap<>();
    private volatile SessionLimits limits = SessionLimits.NONE;
    /** Sessions set up but not yet authenticated. */
    private final AtomicInteger loggingIn = new AtomicInteger();
    /** Authenticated sessions per user name. */
    private final Tally<String> perUser = new Tally<>();
    /** How often each account logs in: server side, asked with {@link #perUser} ({@link SessionListener#refusesLogin}). */
    private final LoginPace loginPace = new LoginPace();
    /**
     * The sessions logging in, per source ({@link ClientSource}), oldest first. Guarded by itself,
     * with {@link #loggingIn}'s changes; never held while a session's own lock is taken.
     */
    private final Map<InetAddress, ArrayDeque<Counted>> loggingInBySource = new HashMap<>();
    /** Admissions so far (guarded by {@link #loggingInBySource}). */
    private long admitted;
    /** A logged-in session, by its local call ID: whom a NAT shared with a later caller lets through. */
    private record LoggedIn(InetAddress peer, String user) {
    }

    private final Map<Integer, LoggedIn> loggedInByCall = new ConcurrentHashMap<>();

    /** Sessions that made room for a login or a call from another source: ended at the next {@link #poll()}. */
    private final Queue<Counted> evicted = new ConcurrentLinkedQueue<>();
    /** The server's Call IDs, once {@link #makeRoomIn} was called: told of a call that gave its place but stayed. */
    private volatile CallIdAllocator places;
    /** Sessions to ask whether their peer still answers ({@link #checkOthersOf}): asked at the next {@link #poll()}. */
    private final Queue<AliveCheck> aliveChecks = new ConcurrentLinkedQueue<>();

    /** The other sessions of an account that logged in again, asked whether they still answer. */
    private static final class AliveCheck {
        final List<PppSession> others;
        final String because;
        volatile boolean asked;

        AliveCheck(List<PppSession> others, String because) {
            this.others = others;
            this.because = because;
        }

        /** Until the others were asked and each answered or ended. */
        boolean pending() {
            return !asked || others.stream().anyMatch(PppSession::beingChecked);
        }
    }

    /** Sessions whose call a new call took over ({@link SessionEnd#REDIALED}): ended at the next {@link #poll()}. */
    private final Queue<Slot> redialed = new ConcurrentLinkedQueue<>();
    /**
     * The sessions a newer call took the place of, from then until their end gives back their user's
     * count ({@link #goingAway}): they still count there until the next {@link #poll()} ends them.
     */
    private final Set<Slot> replacedNotEnded = ConcurrentHashMap.newKeySet();

    /**
     * A call's place in the registry, from the moment its GRE channel opens (before the peer learns
     * of the call) until its session ends. Frames that arrive before the session exists are kept,
     * a few of them: the peer's first LCP Configure-Request is usually among them, and dropping it
     * would cost a restart period (3 s) of LCP.
     */
    private static final class Slot implements GrePayloadSink {
        /** More than a peer sends before it hears from us (one Configure-Request, maybe a retransmission). */
        static final int EARLY_FRAMES = 8;

        /** The call, once its tunnel is up. */
        private volatile PptpCall call;
        /** Its key in {@link #byPeerCall}, set with {@link #call} (the address as it was then). */
        private volatile PeerCall peerCall;
        /** The call's GRE channel, set before {@link #call}: what a newer call holds back ({@link #holdBack}). */
        private volatile GreChannel channel;
        /** Whether {@link #sameCallBefore} was looked for: when the call was accepted, else when its tunnel came up. */
        private volatile boolean matched;
        /**
         * Live calls of other control connections with this call's address and Call ID when it
         * came ({@link #sameCallBefore}): this one takes their place once it logs in.
         */
        private volatile List<Slot> sameCallBefore = List.of();
        /** Of {@link #sameCallBefore}, those whose GRE this call holds back until it logs in or ends. */
        private volatile List<Slot> holding = List.of();
        /** The newer calls holding this call's GRE back ({@link #holdBack}); guarded by itself. */
        private final Set<Slot> heldBy = new HashSet<>();
        /** Since when, in clock nanos (guarded by {@link #heldBy}). */
        private long heldSince;
        /** Set only after the early frames went in, so frames reach the session in order. */
        private volatile PppSession session;
        private final ArrayDeque<ByteBuffer> early = new ArrayDeque<>();

        @Override
        public void onPayload(ByteBuffer payload) {
            PppSession s = session;
            if (s == null) {
                synchronized (this) {
                    s = session;
                    if (s == null) {
                        if (early.size() < EARLY_FRAMES) {
                            // The channel reuses its receive buffer: keep a copy.
                            ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
                            copy.put(payload.duplicate()).flip();
                            early.add(copy);
                        }
                        return;
                    }
                }
            }
            s.sink().onPayload(payload);
        }

        /**
         * Before the session starts no encryption is up, so nothing that arrives outside the GRE
         * window could pass it (see {@link PppSession#sink()}): not kept.
         */
        @Override
        public void onPayloadOutsideWindow(ByteBuffer payload) {
            PppSession s = session;
            if (s != null) {
                s.sink().onPayloadOutsideWindow(payload);
            }
        }

        /** Starts the session, gives it what arrived early, then lets frames through directly. */
        synchronized void start(PppSession s) {
            s.start();
            for (ByteBuffer frame; (frame = early.poll()) != null; ) {
                s.sink().onPayload(frame);
            }
            session = s;
        }

        PppSession session() {
            return session;
        }
    }

    /**
     * Where one session stands in the limit counts: logging in while it is in its source's queue of
     * {@link #loggingInBySource}, and then holding one of a user's slots.
     */
    private static final class Counted {
        final InetAddress source;
        /** Its call's, as the server's {@link CallIdAllocator} knows it. */
        final int localCallId;
        /** When it was admitted, in admissions (guarded by {@link #loggingInBySource}). */
        long order;
        /** When it was admitted, in clock nanos (guarded by {@link #loggingInBySource}). */
        long admittedNanos;
        volatile PppSession session;
        String user;
        /** Why it made room ({@link SessionEnd#MADE_ROOM} or {@link SessionEnd#LOGIN_STALLED}), once it did. */
        SessionEnd gaveWay;
        /** Whether it made room for a call (its session place or address), not only for a login. */
        boolean gavePlace;
        /**
         * The account whose login {@link LoginPace} let in on this link, taking one of its logins,
         * until its session first comes up; if it ends before, the login is given back (guarded by itself).
         */
        String paceOwed;

        Counted(InetAddress source, int localCallId) {
            this.source = source;
            this.localCallId = localCallId;
        }
    }

    public PppSessions(SessionSettings settings, SessionEnvironment env, SessionListener observer) {
        this.settings = settings;
        this.env = env;
        this.observer = observer;
    }

    /**
     * New settings and environment (e.g. another address pool or DNS server) for the sessions that
     * start from now on; running sessions keep what they negotiated, so a change the administrator
     * makes does not drop the clients it does not concern.
     */
    public void reconfigure(SessionSettings settings, SessionEnvironment env) {
        this.settings = settings;
        this.env = env;
    }

    /** Limits for sessions that start from now on. */
    public void setLimits(SessionLimits limits) {
        this.limits = limits;
    }

    /**
     * Whether a call placed now could still be given a tunnel address while {@code callsOut} of the
     * server's calls are out (not counting this one): the server's {@code CallIdAllocator} asks it at
     * each Outgoing-Call-Request ({@code requireAddress}), so that a call the pool cannot serve is
     * answered Busy (RFC 2637 §2.8) rather than connected, logged in and encrypted only for IPCP to
     * find no address (RFC 1332 §3.3), which the client shows as a PPP negotiation error.
     *
     * <p>The calls out that hold no address yet (still logging in) are each owed one of the range's
     * free addresses that is no user's static address (the pool gives those nobody else); the new
     * call needs one more. A user's static address, inside the range or not, that no session holds
     * counts as room too: who calls, PPTP does not say, and it may be that address's user (anyone
     * else fails at IPCP as before). One held by another session does not: its user too needs a
     * free one. True without a pool (a client's sessions).
     */
    public boolean addressForAnotherCall(int callsOut) {
        SessionEnvironment env = this.env;
        AddressPool pool = env.pool();
        if (pool == null) {
            return true;
        }
        // Every address out belongs to one call (sessions of the old pool, after a change, hold
        // theirs in this one too). A session ending gives its address back just before its call is
        // cleared: for that moment its call counts as owed one, erring towards busy, never towards
        // a login that finds no address.
        int owed = Math.max(0, callsOut - pool.inUse());
        // Asked once for this call: it may come from the store (the appliance's is read at most
        // every 10 s, as a set, so it is not copied here).
        Collection<Inet4Address> statics = env.assignedStaticAddresses().get();
        // Exact up to owed + 1, all it takes: an address this host uses itself is none to give, nor
        // is a user's static address (the pool gives it nobody else).
        int free = pool.allocatable(owed + 1, statics::contains);
        if (owed < free) {
            return true;
        }
        // Distinct: two users given the same static address (an import) leave room for one call.
        long unheldStatics = statics.stream().distinct().filter(a -> !pool.holds(a)).count();
        return owed < free + unheldStatics;
    }

    /** The sink for a call's GRE channel (give this to {@code CallTunnels}). */
    public GrePayloadSink sinkFor(PptpCall call) {
        Slot slot = new Slot();
        byLocalCallId.put(call.localCallId(), slot);
        // Before the Outgoing-Call-Reply goes: the client's PPTP starts receiving the call's GRE
        // once it has read the reply (Linux's pptp.ko from its first packet on), and from then on
        // nothing of a call with the same Key may reach it.
        matchSameCalls(slot, call);
        return slot;
    }

    @Override
    public void tunnelUp(CallTunnel tunnel) {
        PptpCall call = tunnel.call();
        Slot slot = byLocalCallId.computeIfAbsent(call.localCallId(), id -> new Slot());
        SessionSettings settings = this.settings;
        PeerCall peerCall = new PeerCall(call.peerAddress(), call.peerCallId());
        matchSameCalls(slot, call); // if sinkFor did not (a sink of the caller's own)
        slot.channel = tunnel.channel();
        slot.call = call;
        slot.peerCall = peerCall;
        byPeerCall.merge(peerCall, List.of(slot), (had, added) -> java.util.stream.Stream.concat(had.stream(),
                added.stream()).toList());
        SessionEnvironment env = this.env;
        String id = idOf(call);
        SessionLimits limits = this.limits;
        Counted counted = new Counted(ClientSource.of(call.peerAddress()), call.localCallId());
        Admission admission = admit(counted, limits);
        if (admission.refusal() != null) {
            refusedLogins.increment();
            forget(call, slot);
            String more = REFUSALS_LOGGED.admit();
            if (more != null) {
                LOG.warn("{}: refused: {}{}", id, admission.refusal(), more);
            }
            letGo(slot, slot.holding, "its client's new call, " + id + ", was refused (" + admission.clearReason() + ")");
            doneMatching(slot);
            call.connection().refuseCall(call, admission.clearReason());
            return;
        }
        if (admission.victim() != null) {
            Counted victim = admission.victim();
            String more = REFUSALS_LOGGED.admit();
            if (more != null) {
                if (victim.gaveWay == SessionEnd.LOGIN_STALLED) {
                    LOG.warn("{}: {} logins in progress (the limit): {} has waited {} s without its client answering"
                            + " (link set-up or the login request), and makes room for this one{}", id,
                            limits.maxLoggingIn(), victim.session.id(), admission.victimsWait(), more);
                } else {
                    LOG.warn("{}: {} logins in progress (the limit), {} of them from {}: its oldest makes room for this one{}",
                            id, limits.maxLoggingIn(), admission.victimsSourceHeld(), victim.source.getHostAddress(),
                            more);
                }
            }
            evicted.add(victim); // publishes gaveWay to the poll that ends it
        }
        PppSession session = new PppSession(id, settings, env, tunnel.channel(), new SessionListener() {
            @Override
            public Optional<LoginRefusal> refusesLogin(PppSession s, String userName) {
                synchronized (counted) {
                    // This link's own earlier login (an LCP renegotiation) is not another session,
                    // nor is a dead call this one replaces once logged in (the same client again).
                    boolean again = userName.equals(counted.user);
                    int others = perUser.count(userName) - (again ? 1 : 0) - goingAway(slot, userName);
                    if (others < limits.maxPerUser()) {
                        if (again) {
                            return Optional.empty(); // a renegotiation's login starts no session
                        }
                        // Asked last: a login refused for its sessions is not counted. Spent when the
                        // session comes up (a session row, two writes), not here: a device let in and
                        // then refused (no encryption) is budgeted as an attempt, and must go on being
                        // told the truth about its encryption, not that it logs in too often.
                        long now = env.clock().nanos();
                        if (counted.paceOwed != null) {
                            // A renegotiation logging in as another account before the session came up.
                            loginPace.neverCameUp(counted.paceOwed, now);
                        }
                        Optional<String> tooOften = loginPace.refuses(userName, now,
                                LoginPace.burstFor(limits.maxPerUser()));
                        counted.paceOwed = tooOften.isEmpty() ? userName : null;
                        return tooOften.map(LoginRefusal::tooOften);
                    }
                }
                // Refused; but those sessions may be dead ones of the same client (a laptop that lost
                // them and dialled again from elsewhere): asked at once whether they still answer, so
                // that the client's next attempt, seconds later, finds their places free.
                List<PppSession> others = sessionsOf(userName, call, s);
                if (!others.isEmpty()) {
                    aliveChecks.add(new AliveCheck(others, userName + " tried to log in again from "
                            + call.peerAddress().getHostAddress() + " with all its sessions taken"));
                }
                return Optional.of(LoginRefusal.tooManySessions(userName + " already has " + others.size() + " sessions"));
            }

            @Override
            public void authenticated(PppSession s, String userName) {
                synchronized (counted) {
                    // Also called again on the same link when the peer renegotiates LCP after the
                    // login (RFC 1661 §4.3: a Configure-Request in Opened) and logs in again: it
                    // stopped logging in the first time (release is a no-op then), and stays one
                    // session of its user.
                    release(counted);
                    if (!userName.equals(counted.user)) {
                        if (counted.user != null) {
                            perUser.remove(counted.user);
                        }
                        int n = perUser.add(userName);
                        counted.user = userName;
                        if (n - goingAway(slot, userName) > limits.maxPerUser()) {
                            // refusesLogin turned such a login away before its Success; two of one
                            // account's logins judged at the same moment both pass it, and the later
                            // is hung up on here.
                            s.refuse(SessionEnd.TOO_MANY_SESSIONS, userName + " already has " + (n - 1) + " sessions");
                            return;
                        }
                    }
                }
                call.markLoggedIn();
                List<Slot> replaced = takesThePlaceOf(slot, userName);
                for (Slot r : replaced) {
                    replacedNotEnded.add(r);
                    if (r.session().hasEnded()) {
                        replacedNotEnded.remove(r); // ended meanwhile: its end found nothing to remove
                    }
                }
                redialed.addAll(replaced); // ended at the next poll, held back until then
                List<Slot> others = slot.holding.stream().filter(old -> !replaced.contains(old)).toList();
                doneMatching(slot);
                letGo(slot, others, "its client's new call, " + id + ", logged in as another account ("
                        + PppSession.printable(userName) + ")");
                checkOthersOf(s, userName, call);
                loggedInByCall.put(call.localCallId(), new LoggedIn(call.peerAddress(), userName));
                observer.authenticated(s, userName);
            }

            @Override
            public void up(PppSession s) {
                synchronized (counted) {
                    counted.paceOwed = null; // its login is spent: IP up again after a renegotiation is the same session
                }
                observer.up(s);
            }

            @Override
            public void ipDown(PppSession s) {
                observer.ipDown(s);
            }

            @Override
            public void problem(PppSession s, SessionProblem problem, String detail) {
                observer.problem(s, problem, detail);
            }

            @Override
            public void ended(PppSession s, SessionEnd reason, String detail) {
                synchronized (counted) {
                    release(counted);
                    if (counted.user != null) {
                        perUser.remove(counted.user);
                        counted.user = null;
                    }
                    replacedNotEnded.remove(slot);
                    if (counted.paceOwed != null) {
                        loginPace.neverCameUp(counted.paceOwed, env.clock().nanos());
                        counted.paceOwed = null;
                    }
                }
                forget(call, slot);
                letGo(slot, slot.holding, "its client's new call, " + id + ", ended without logging in ("
                        + reason.description() + ")");
                doneMatching(slot);
                loggedInByCall.remove(call.localCallId());
                if ((reason == SessionEnd.NO_GRE || reason == SessionEnd.GRE_ONE_WAY)
                        && settings.role() == SessionRole.SERVER) {
                    String others = othersLoggedInFrom(call.peerAddress());
                    if (!others.isEmpty()) {
                        // The usual case behind a NAT without multi-client PPTP passthrough: the
                        // first client's GRE passes, the next one's is dropped or sent to the first.
                        reason = SessionEnd.GRE_SHARED_ADDRESS;
                        detail = others + " from " + call.peerAddress().getHostAddress() + " was up at the time"
                                + (detail.isEmpty() ? "" : "; " + detail);
                    }
                }
                // The link is finished: the call that carried it goes too (RFC 2637 §2.13 / §2.12).
                call.connection().clearCall(call, reason == SessionEnd.PEER_DEAD || reason == SessionEnd.GRE_NOT_SENT,
                        reason.description());
                observer.ended(s, reason, detail);
            }
        });
        slot.start(session);
        counted.session = session; // only a started session may be made to give way (poll)
        Closing closing = closingAll;
        if (closing != null) {
            // A call set up while every session is being closed (its reply was on the way when the
            // server began to stop) ends for the same reason, not as a mere cleared call later.
            session.close(closing.why(), closing.toldPeer());
        }
    }

    /** Why every session is being closed, once {@link #closeAll} was called. */
    private volatile Closing closingAll;

    private record Closing(String why, String toldPeer) {
    }

    /**
     * Closes every session, each with {@code toldPeer} in its LCP Terminate-Request, and from now on
     * each new one as soon as it starts: for a server that is stopping, whose control connections
     * still take calls until they are stopped. (The closing is published before the sessions are
     * read, and a new session is registered before the closing is read: one of the two sees the
     * other.)
     *
     * @return the sessions closed now
     */
    public List<PppSession> closeAll(String why, String toldPeer) {
        closingAll = new Closing(why, toldPeer);
        List<PppSession> open = sessions();
        open.forEach(s -> s.close(why, toldPeer));
        return open;
    }

    /**
     * Whether a new session may log in: its place in the counts, or why not. When every place for
     * logins in progress is taken, the oldest login that has waited on its client for {@value
     * #UNANSWERED_GRACE_SECONDS} s without an answer ({@link PppSession#loginUnanswered()}) gives
     * up its place, from whatever address; failing that, the source holding the most of them gives
     * up its oldest, as long as it would still hold more than the newcomer's source. Calls never
     * logged in on are each held until LCP or the login times out (30 s of Configure-Requests or
     * Challenges), and taken again the moment they free: a few addresses would otherwise keep every
     * real user out for as long as they like, and with the rule per address alone, as many
     * addresses as there are places (16) still did.
     */
    private record Admission(String refusal, String clearReason, Counted victim, int victimsSourceHeld,
                             long victimsWait) {
    }

    private Admission admit(Counted counted, SessionLimits limits) {
        synchronized (loggingInBySource) {
            ArrayDeque<Counted> mine = loggingInBySource.computeIfAbsent(counted.source, a -> new ArrayDeque<>());
            if (mine.size() >= limits.maxLoggingInPerSource()) {
                forgetIfEmpty(counted.source, mine);
                return new Admission(limits.maxLoggingInPerSource() + " sessions from this address are already logging"
                        + " in (the limit per address)", "too many logins in progress from this address", null, 0, 0);
            }
            long now = env.clock().nanos();
            if (loggingIn.get() < limits.maxLoggingIn()) {
                return admitted(counted, now, null, 0, 0);
            }
            GivingWay way = whoGivesWay(mine, now);
            if (way == null) {
                forgetIfEmpty(counted.source, mine);
                return new Admission(limits.maxLoggingIn() + " sessions are already logging in (the limit), none"
                        + " of them can make room (each has answered, or been waiting less than "
                        + UNANSWERED_GRACE_SECONDS + " s, and no address holds 2 more than this one); a flood of"
                        + " logins?", "too many logins in progress", null, 0, 0);
            }
            return admitted(counted, now, way.victim(), way.sourceHeld(), way.waitedSeconds());
        }
    }

    /**
     * A login in progress that gives its place to a newcomer from a source holding {@code mine}, by
     * {@link #admit}'s rules: the oldest that has waited {@value #UNANSWERED_GRACE_SECONDS} s on its
     * client without an answer, from whatever source; failing that, the oldest of the source holding
     * the most, if that source would still hold more than the newcomer's; never a session logged in
     * (only those logging in are counted here). Null when none may. The one chosen no longer counts
     * as logging in, and is marked with why (guarded by {@link #loggingInBySource}).
     */
    private record GivingWay(Counted victim, int sourceHeld, long waitedSeconds) {
    }

    private GivingWay whoGivesWay(ArrayDeque<Counted> mine, long now) {
        Counted stalled = oldestUnanswered(now);
        if (stalled != null) {
            stalled.gaveWay = SessionEnd.LOGIN_STALLED;
            release(stalled);
            return new GivingWay(stalled, 0, (now - stalled.admittedNanos) / 1_000_000_000L);
        }
        ArrayDeque<Counted> most = null;
        for (ArrayDeque<Counted> q : loggingInBySource.values()) {
            // Of sources holding as many, the one logging in longest gives way.
            if (most == null || q.size() > most.size()
                    || (q.size() == most.size() && !q.isEmpty() && q.peekFirst().order < most.peekFirst().order)) {
                most = q;
            }
        }
        if (most == null || most.size() <= mine.size() + 1) {
            return null;
        }
        int held = most.size();
        // Only a session already built can be ended (one being built on another thread is skipped).
        Counted victim = most.stream().filter(c -> c.session != null).findFirst().orElse(null);
        if (victim == null) {
            return null;
        }
        victim.gaveWay = SessionEnd.MADE_ROOM;
        release(victim);
        return new GivingWay(victim, held, 0);
    }

    /**
     * From now on a call that {@code callIds} (the server's) would refuse as busy for want of a
     * place, every session place or every tunnel address spoken for ({@link #addressForAnotherCall}),
     * takes the place of a call still logging in, chosen by {@link #admit}'s rules ({@link
     * #whoGivesWay}), which is then ended (LCP Terminate-Request, RFC 1661 §5.5; its call cleared
     * with a Call-Disconnect-Notify, RFC 2637 §2.13). A session logged in never gives way: a pool
     * full of users still answers a newcomer Busy (RFC 2637 §2.8 result 4). Before, calls that
     * never logged in, each held 30 s and placed again as it timed out, took every address of a
     * small pool (or every place under the session limit) from a host or two, and every real user
     * was told "busy" for as long as they kept it up: the logins-in-progress rules were never asked,
     * as the call was refused before it had a session.
     */
    public void makeRoomIn(CallIdAllocator callIds) {
        places = callIds;
        callIds.makeRoomWith(this::callGivingWayTo);
    }

    /**
     * The local Call ID of the call that gives its place to a call from {@code caller}, or 0. Asked
     * under the allocator's lock (taken before {@link #loggingInBySource}, never after): ends
     * nobody here, only marks the victim for the next {@link #poll()}.
     */
    private int callGivingWayTo(InetAddress caller) {
        InetAddress source = ClientSource.of(caller);
        SessionLimits limits = this.limits;
        GivingWay way;
        synchronized (loggingInBySource) {
            ArrayDeque<Counted> mine = loggingInBySource.getOrDefault(source, new ArrayDeque<>());
            if (mine.size() >= limits.maxLoggingInPerSource()) {
                return 0; // admit would refuse the newcomer all the same: nobody gives way for it
            }
            way = whoGivesWay(mine, env.clock().nanos());
            if (way == null) {
                return 0;
            }
            way.victim().gavePlace = true;
        }
        Counted victim = way.victim();
        String more = REFUSALS_LOGGED.admit();
        if (more != null) {
            if (victim.gaveWay == SessionEnd.LOGIN_STALLED) {
                LOG.warn("a call from {} finds every session place or tunnel address taken: {} has waited {} s without"
                        + " its client answering (link set-up or the login request), and makes room for it{}",
                        caller.getHostAddress(), victim.session.id(), way.waitedSeconds(), more);
            } else {
                LOG.warn("a call from {} finds every session place or tunnel address taken, {} of the logins in progress"
                        + " from {}: its oldest, {}, makes room for it{}", caller.getHostAddress(), way.sourceHeld(),
                        victim.source.getHostAddress(), victim.session.id(), more);
            }
        }
        evicted.add(victim); // publishes gaveWay and gavePlace to the poll that ends it
        return victim.localCallId;
    }

    /**
     * Counts {@code counted} in (guarded by {@link #loggingInBySource}). Its source's queue is looked
     * up afresh: the victim's release may have dropped the one admit began with, as empty (a stalled
     * login from the same source, its only one), and a newcomer filed there was never uncounted.
     */
    private Admission admitted(Counted counted, long now, Counted victim, int held, long waited) {
        counted.order = admitted++;
        counted.admittedNanos = now;
        loggingInBySource.computeIfAbsent(counted.source, a -> new ArrayDeque<>()).addLast(counted);
        loggingIn.incrementAndGet();
        return new Admission(null, null, victim, held, waited);
    }

    /**
     * Of the logins in progress, the one admitted first among those still waiting on their client
     * without an answer after {@value #UNANSWERED_GRACE_SECONDS} s, or null (guarded by {@link
     * #loggingInBySource}). Reads each session without its lock ({@link PppSession#loginUnanswered()}):
     * one answering at this moment may give way all the same, as one logging in may (see poll).
     */
    private Counted oldestUnanswered(long now) {
        long grace = java.util.concurrent.TimeUnit.SECONDS.toNanos(UNANSWERED_GRACE_SECONDS);
        Counted oldest = null;
        for (ArrayDeque<Counted> q : loggingInBySource.values()) {
            for (Counted c : q) {
                PppSession s = c.session; // only a started session may be made to give way
                if (s != null && now - c.admittedNanos >= grace && s.loginUnanswered()
                        && (oldest == null || c.order < oldest.order)) {
                    oldest = c;
                }
            }
        }
        return oldest;
    }

    /** The session no longer counts as logging in (logged in, ended, or made room); idempotent. */
    private void release(Counted counted) {
        synchronized (loggingInBySource) {
            ArrayDeque<Counted> q = loggingInBySource.get(counted.source);
            if (q != null && q.remove(counted)) {
                loggingIn.decrementAndGet();
                forgetIfEmpty(counted.source, q);
            }
        }
    }

    private void forgetIfEmpty(InetAddress source, ArrayDeque<Counted> q) {
        if (q.isEmpty()) {
            loggingInBySource.remove(source, q);
        }
    }

    /** "alice's session", "alice's and bob's sessions" logged in from {@code peer}; "" if none. */
    private String othersLoggedInFrom(InetAddress peer) {
        List<String> users = loggedInByCall.values().stream().filter(l -> l.peer().equals(peer))
                .map(l -> PppSession.printable(l.user()) + "'s").distinct().sorted().toList();
        if (users.isEmpty()) {
            return "";
        }
        return users.size() == 1 ? users.getFirst() + " session" : String.join(", ", users.subList(0, users.size() - 1))
                + " and " + users.getLast() + " sessions";
    }

    /**
     * The live calls of other control connections from {@code call}'s address with its Call ID:
     * this router's GRE to them and to it would be the same packets (RFC 2637 §4.1: the Key field
     * carries the peer's Call ID), so they cannot both work. The usual case is a client that lost
     * its call without a word (a restarted pptp, a laptop back from sleep) dialling again at once,
     * its numbering started afresh; left alone, the dead call held its account's static address
     * and session slot, and answered the new link's GRE with its own LCP, until its echoes ran out
     * a minute later. Their GRE is held back from the moment the new call arrives ({@link
     * #holdBack}), and the new call takes their place once it has logged in as the same account
     * ({@link #takesThePlaceOf}); not before: anyone sharing the address (a carrier's NAT, a
     * hotel's) could otherwise end another's session with a call that never logs in. (The same
     * control connection reusing a live Call ID is refused there, as RFC 2637 §2.8 allows.)
     */
    private List<Slot> sameCallBefore(PptpCall call, PeerCall peerCall) {
        return byPeerCall.getOrDefault(peerCall, List.of()).stream().filter(other -> {
            PptpCall c = other.call;
            return c != call && c.connection() != call.connection() && byLocalCallId.get(c.localCallId()) == other;
        }).toList();
    }

    /** A call's address and Call ID as its peer numbered it (RFC 2637 §4.1: its GRE's Key field). */
    private record PeerCall(InetAddress address, int callId) {
    }

    /** "call 1234 (198.51.100.7)": our Call ID and the peer's address, as sessions are named. */
    private static String idOf(PptpCall call) {
        return "call " + call.localCallId() + " (" + call.peerAddress().getHostAddress() + ")";
    }

    /**
     * Finds {@code slot}'s {@link Slot#sameCallBefore} (on a server; once) and holds back their
     * GRE at once ({@link #holdBack}).
     */
    private void matchSameCalls(Slot slot, PptpCall call) {
        if (settings.role() != SessionRole.SERVER || slot.matched) {
            return;
        }
        slot.matched = true;
        List<Slot> same = sameCallBefore(call, new PeerCall(call.peerAddress(), call.peerCallId()));
        slot.sameCallBefore = same;
        slot.holding = same;
        for (Slot old : same) {
            holdBack(old, slot, call);
        }
    }

    /**
     * {@code old}'s GRE output stops ({@link GreChannel#holdOutput}) while {@code newer}, a call
     * from its address with its peer's Call ID ({@link #sameCallBefore}), has not logged in: the
     * client cannot tell the two calls' GRE apart (RFC 2637 §4.1: the Key carries its own Call ID).
     * The old call's sequence numbers are high and the new channel's start at 0 (§4.3), and Linux's
     * kernel PPTP receiver (pptp.ko, pptp_rcv_core) takes the first packet it sees at any number
     * and then drops every one numbered below the last it took: one stray packet of the old call
     * (an LCP Echo-Request, LAN traffic to the client) and the new link's LCP never completed, its
     * first attempt failed; the old call's LCP answers reached the new link's PPP as well. The old
     * call is not ended here: a stranger sharing the address (a carrier's NAT) must not end
     * another's session with a call that never logs in. Its receiving goes on; it sends again when
     * its own client is heard from ({@link #heard}: GRE with our old call's ID, which the newcomer
     * was never told), or when the new call ends, is refused or logs in as another account
     * ({@link #letGo}). Logged in as the same account, the new call ends it ({@link
     * #takesThePlaceOf}), held back until then. Its keepalive requests are not counted while held,
     * for a while ({@code Lcp.outputHeld}): a live client that sends nothing of its own must not be
     * declared dead for echoes it was never sent; a dead call ends on them once it is sent again,
     * or once held past the longest a login takes (RFC 1661 §5.8).
     */
    private void holdBack(Slot old, Slot newer, PptpCall newCall) {
        GreChannel channel = old.channel;
        if (channel == null) {
            return; // not up yet (sameCallBefore lists only calls whose tunnel is up)
        }
        boolean began;
        synchronized (old.heldBy) {
            began = old.heldBy.isEmpty();
            old.heldBy.add(newer);
            if (began) {
                old.heldSince = env.clock().nanos();
                channel.holdOutput(() -> heard(old));
            }
        }
        String more = began ? HOLDS_LOGGED.admit() : null;
        if (more != null) {
            LOG.info("{}: its client dialled again ({}) with this call's call ID, {}, as a client that lost its"
                    + " call does; the client cannot tell the two calls' GRE apart, so this call's GRE is held back"
                    + " until the new call logs in as the same account (this call then ends) or fails, or this"
                    + " call's client is heard from again{}", idOf(old.call), idOf(newCall), newCall.peerCallId(),
                    more);
        }
    }

    /** {@code newer} holds none of {@code olds} back any more: those no other call holds send again. */
    private void letGo(Slot newer, List<Slot> olds, String why) {
        for (Slot old : olds) {
            long held;
            synchronized (old.heldBy) {
                if (!old.heldBy.remove(newer) || !old.heldBy.isEmpty()) {
                    continue;
                }
                old.channel.releaseOutput();
                held = env.clock().nanos() - old.heldSince;
            }
            resumed(old, why, held);
        }
    }

    /**
     * GRE came on {@code old}'s channel while it was held back: from its peer's address, with our
     * call's own ID in the Key, which a newer call of that client was never told. Its client is
     * alive, and it sends again (on the receive thread, before the packet is taken).
     */
    private void heard(Slot old) {
        long held;
        synchronized (old.heldBy) {
            if (old.heldBy.isEmpty()) {
                return;
            }
            old.heldBy.clear();
            old.channel.releaseOutput();
            held = env.clock().nanos() - old.heldSince;
        }
        resumed(old, "its client is still there (it sent GRE on this call)", held);
    }

    private void resumed(Slot old, String why, long heldNanos) {
        if (byLocalCallId.get(old.call.localCallId()) != old) {
            return; // ended meanwhile
        }
        String more = HOLDS_LOGGED.admit();
        if (more != null) {
            LOG.info("{}: {}: its GRE goes out again, after {} s held back{}", idOf(old.call), why,
                    java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(heldNanos), more);
        }
    }

    /**
     * {@code slot} has logged in, been refused or ended: the calls it came after are no longer its
     * business. Kept, each call held the one before it that had the same address and Call ID, that
     * one the one before it, and so on: a stranger alternating two control connections, each call
     * with Call ID 5 and cleared before the next, kept every call he ever placed (a session, its
     * GRE channel and its control connection each, KiB apiece) reachable from the live one, and
     * ran the service out of memory in minutes, with no login.
     */
    private static void doneMatching(Slot slot) {
        slot.sameCallBefore = List.of();
        slot.holding = List.of();
    }

    /**
     * The calls a live call's {@link Slot#sameCallBefore} keep that are no longer live themselves
     * (tests: none once those calls ended, whatever came before them).
     */
    int endedCallsKept() {
        java.util.Set<Slot> live = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        live.addAll(byLocalCallId.values());
        java.util.Set<Slot> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        ArrayDeque<Slot> todo = new ArrayDeque<>(live);
        while (!todo.isEmpty()) {
            Slot s = todo.pop();
            for (Slot before : s.sameCallBefore) {
                if (seen.add(before)) {
                    todo.push(before);
                }
            }
            for (Slot before : s.holding) {
                if (seen.add(before)) {
                    todo.push(before);
                }
            }
        }
        seen.removeAll(live);
        return seen.size();
    }

    /** {@code slot} (of {@code call}) leaves the registry. */
    private void forget(PptpCall call, Slot slot) {
        byLocalCallId.remove(call.localCallId(), slot);
        unindex(slot);
    }

    private void unindex(Slot slot) {
        PeerCall key = slot.peerCall;
        if (key != null) {
            byPeerCall.computeIfPresent(key, (k, slots) -> {
                List<Slot> rest = slots.stream().filter(other -> other != slot).toList();
                return rest.isEmpty() ? null : rest;
            });
        }
    }

    /** How many calls the peer-call index holds (tests: none is left behind). */
    int peerCallsIndexed() {
        return byPeerCall.values().stream().mapToInt(List::size).sum();
    }

    /**
     * Of {@code slot}'s {@link Slot#sameCallBefore}, those it replaces now that it logged in as
     * {@code user}: the calls logged in as the same account, or not logged in at all.
     */
    private List<Slot> takesThePlaceOf(Slot slot, String user) {
        return slot.sameCallBefore.stream().filter(old -> old.session() != null && !old.session().hasEnded())
                .filter(old -> {
                    LoggedIn l = loggedInByCall.get(old.call.localCallId());
                    return l == null || l.user().equals(user);
                }).toList();
    }

    /**
     * How many of {@code user}'s sessions are on their way out for {@code slot}'s login to count
     * against: those it replaces once logged in ({@link #takesThePlaceOf}), and those a newer call
     * already replaced, ended at the next {@link #poll()}. The latter because a redialled client may
     * renegotiate the link and log in again (RFC 1661 §4.3) before that tick: its own dead call,
     * still counted, had its re-login refused when one session per user is allowed.
     */
    private int goingAway(Slot slot, String user) {
        Set<Slot> going = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        going.addAll(takesThePlaceOf(slot, user));
        going.addAll(replacedNotEnded);
        going.remove(slot);
        return (int) going.stream().filter(old -> {
            LoggedIn l = loggedInByCall.get(old.call.localCallId());
            return l != null && l.user().equals(user);
        }).count();
    }

    /** How long a login waits at most for its account's other sessions to show they are alive. */
    static final java.time.Duration ALIVE_CHECK_WAIT = java.time.Duration.ofSeconds(4);

    /**
     * {@code s} logged in as {@code user}, whose account has a static address and other sessions:
     * the usual case is the same laptop, its earlier session lost without a word (it slept, or
     * changed networks) and dialled again. That dead session holds the static address until its
     * keepalive runs out (a minute), and the new one would get a pool address for good, the LAN's
     * rules and forwards for the static address missing it. So the others are asked at once
     * whether they still answer (at the next poll: a session's lock is not taken under another's),
     * and {@code s}'s network phase, where its address is given, waits for that (a live session
     * answers within a round trip; a dead one ends in 3 s) up to {@link #ALIVE_CHECK_WAIT}.
     */
    private void checkOthersOf(PppSession s, String user, PptpCall call) {
        if (settings.role() != SessionRole.SERVER || perUser.count(user) < 2
                || env.staticAddresses().apply(user).isEmpty()) {
            return;
        }
        List<PppSession> others = sessionsOf(user, call, s);
        if (others.isEmpty()) {
            return;
        }
        AliveCheck check = new AliveCheck(others, user + " logged in again from " + call.peerAddress().getHostAddress());
        s.holdNetworkPhase(ALIVE_CHECK_WAIT, check::pending);
        aliveChecks.add(check);
    }

    /** {@code user}'s logged-in sessions other than {@code s} (on {@code call}). */
    private List<PppSession> sessionsOf(String user, PptpCall call, PppSession s) {
        return byLocalCallId.entrySet().stream()
                .filter(e -> e.getKey() != call.localCallId())
                .filter(e -> { // one read: another session's end removes its entry on another thread
                    LoggedIn l = loggedInByCall.get(e.getKey());
                    return l != null && user.equals(l.user());
                })
                .map(e -> e.getValue().session()).filter(o -> o != null && o != s).toList();
    }

    @Override
    public void tunnelDown(CallTunnel tunnel, String reason) {
        Slot slot = byLocalCallId.remove(tunnel.call().localCallId());
        if (slot != null) {
            unindex(slot);
            if (slot.session() == null) { // else its end lets go
                letGo(slot, slot.holding, "its client's new call, " + idOf(tunnel.call()) + ", was cleared");
                doneMatching(slot);
            }
        }
        if (slot != null && slot.session() != null) {
            // A client's own end says why the server cleared the call (its Call-Disconnect-Notify's
            // result, RFC 2637 §2.13), which the owner of a dial-out cannot read anywhere else.
            slot.session().lowerLayerGone(tunnel.call().connection().lostBecause().orElse(null),
                    settings.role() == SessionRole.CLIENT
                            && reason.startsWith(org.homerouter.pptp.control.PnsControlConnection.SERVER_DISCONNECTED)
                            ? reason : null);
        }
    }

    /** Runs the timers of every session that has one due, and ends those that made room. */
    public void poll() {
        for (Counted c; (c = evicted.poll()) != null; ) {
            // Unless it logged in meanwhile (it made room all the same): checked under the session's
            // lock, which the login holds too.
            String detail = c.gavePlace ? "a newer call needed its place (every session place or tunnel address"
                    + " was taken)"
                    : c.gaveWay == SessionEnd.LOGIN_STALLED ? "another login needed a place among the logins in progress"
                    : "another address needed a place among the logins in progress";
            // Each item of these queues is handled apart, as each session's timers are below: taken
            // off its queue, an item whose handling threw would be lost, and the tick with it.
            Counted victim = c;
            apart(c.session, () -> {
                if (!victim.session.refuseUnlessAuthenticated(victim.gaveWay, detail) && victim.gavePlace) {
                    // It logged in after all, and will want its address: it counts again.
                    places.takePlaceBack(victim.localCallId);
                }
            });
        }
        for (AliveCheck c; (c = aliveChecks.poll()) != null; ) {
            for (PppSession other : c.others) {
                String because = c.because;
                apart(other, () -> other.checkAlive(because));
            }
            c.asked = true;
        }
        for (Slot r; (r = redialed.poll()) != null; ) {
            PppSession s = r.session();
            if (s != null) {
                String why = r.call.peerAddress().getHostAddress() + " placed a new call with this one's call ID ("
                        + r.call.peerCallId() + ")";
                apart(s, () -> s.endSilently(SessionEnd.REDIALED, why));
            }
        }
        long now = env.clock().nanos();
        for (Slot slot : byLocalCallId.values()) {
            PppSession s = slot.session();
            // timerDue reads a volatile: idle sessions cost the tick neither a lock nor their layers.
            if (s != null && s.timerDue(now)) {
                try { // as apart, without a lambda per due session every tick
                    s.poll();
                } catch (RuntimeException e) {
                    timersFailed(s, e);
                }
            }
        }
    }

    /** Runs {@code work} of the tick for {@code s}; should it fail, {@link #timersFailed} and the tick goes on. */
    private static void apart(PppSession s, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            timersFailed(s, e);
        }
    }

    /**
     * One session's timers failed (a bug, or a transport that threw): that session is hung up, and
     * the tick goes on to the others. Escaping, the failure ended the tick at that session every
     * time, and every session after it lost its timers (LCP, login, IPCP, echo) for good.
     */
    private static void timersFailed(PppSession s, RuntimeException e) {
        String more = TIMER_FAILURES_LOGGED.admit();
        if (more != null) {
            LOG.error("{}: internal error in the session's timers; hanging it up{}", s.id(), more, e);
        }
        try {
            s.close("internal error in its timers: " + e, "Internal error");
        } catch (RuntimeException again) {
            LOG.debug("{}: hanging up failed too: {}", s.id(), again.toString());
        }
    }

    public List<PppSession> sessions() {
        return byLocalCallId.values().stream().map(Slot::session).filter(s -> s != null).toList();
    }

    /** Calls refused so far by the limits on logins in progress (in all, per address). */
    public long refusedLogins() {
        return refusedLogins.sum();
    }

    /**
     * Calls in the registry: every call from the moment its GRE channel opens until its session
     * ends, with or without a session yet ({@link #sessions()} counts only those with one). For
     * leak checks (the soak benchmark): zero once every call is gone. Read-only.
     */
    public int registered() {
        return byLocalCallId.size();
    }

    /** Sessions started but not yet authenticated (what {@link SessionLimits#maxLoggingIn()} counts). Read-only. */
    public int loggingIn() {
        return loggingIn.get();
    }

    /** Authenticated sessions {@code user} holds (what {@link SessionLimits#maxPerUser()} counts). Read-only. */
    public int sessionsOf(String user) {
        return perUser.count(user);
    }

    /** The session of one of our call IDs, or null. */
    public PppSession session(int localCallId) {
        Slot slot = byLocalCallId.get(localCallId);
        return slot == null ? null : slot.session();
    }
}
