package org.homerouter.appliance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.ccp.CcpResult;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.AddressPool;
import org.homerouter.pptp.session.FlowSweep;
import org.homerouter.pptp.session.TrackedFlows;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.PppSessions;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionProblem;
import org.homerouter.pptp.session.SessionEnvironment;
import org.homerouter.pptp.session.SessionLimits;
import org.homerouter.pptp.session.SessionListener;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VPN server as configured: PPTP control on TCP, GRE through the data plane, a PPP session per
 * call authenticated against the stored users, addresses from the configured pool. Records
 * connects, disconnects and authentication failures in the event log.
 */
final class PptpService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PptpService.class);
    /** PPP timers are seconds; GRE's reorder and delayed-ack timers are ~100 ms: this tick serves both. */
    private static final Duration TICK = Duration.ofMillis(20);

    /** Asked at every call and every address handed out (at most every 10 s): a broken store must not flood the journal. */
    private static final LogLimit STATIC_ADDRESSES_UNREADABLE = new LogLimit();

    private static final int PER_ADDRESS_CONTROL_CONNECTIONS = 16;
    private static final int NEW_CONTROL_CONNECTIONS_PER_MINUTE = 60;

    private final ControlServer control;
    /** The server's Call IDs, and with them its session limit ({@link #reconfigure} changes it live). */
    private final CallIdAllocator callIds;
    private final PppSessions sessions;
    private final CallTunnels tunnels;
    private final ScheduledExecutorService ticker;
    private final InetSocketAddress address;
    private final Sessions listener;
    private final ApplianceStore store;
    private final DataPlane dataPlane;
    private final AuthFailureLockout lockout;
    /** Whether the site-to-site tunnel carries everything now (as applied): VPN clients' DNS follows it. */
    private final java.util.function.BooleanSupplier everythingThroughTunnel;
    /** Where new sessions' addresses come from (null without a data plane); replaced by {@link #reconfigure}. */
    private AddressPool pool;

    /** Where new sessions' addresses come from now (null without a data plane): the next server's start takes it over. */
    synchronized AddressPool pool() {
        return pool;
    }

    private PptpService(ControlServer control, CallIdAllocator callIds, PppSessions sessions, CallTunnels tunnels,
                        ScheduledExecutorService ticker, InetSocketAddress address, Sessions listener,
                        ApplianceStore store, DataPlane dataPlane, AuthFailureLockout lockout, AddressPool pool,
                        java.util.function.BooleanSupplier everythingThroughTunnel) {
        this.control = control;
        this.callIds = callIds;
        this.sessions = sessions;
        this.tunnels = tunnels;
        this.ticker = ticker;
        this.address = address;
        this.listener = listener;
        this.store = store;
        this.pool = pool;
        this.dataPlane = dataPlane;
        this.lockout = lockout;
        this.everythingThroughTunnel = everythingThroughTunnel;
    }

    static PptpService start(Map<Setting, String> cfg, ApplianceStore store, NettyTransport transport,
                             DataPlane dataPlane, InetSocketAddress bind, SessionAccounting accounting,
                             AuthFailureLockout lockout, java.util.function.BooleanSupplier everythingThroughTunnel)
            throws Exception {
        return start(cfg, store, transport, dataPlane, bind, accounting, lockout, everythingThroughTunnel, null);
    }

    /**
     * As above, after an earlier server of this process whose address pool was {@code previous}
     * (null: none): its addresses given back lately stay their accounts' in the new pool ({@link
     * AddressPool#QUARANTINE}). A restart ends every session at once, and their clients redial
     * within seconds: with a pool that knew nothing, one account was given another's address
     * while the LAN still sent to it.
     */
    static PptpService start(Map<Setting, String> cfg, ApplianceStore store, NettyTransport transport,
                             DataPlane dataPlane, InetSocketAddress bind, SessionAccounting accounting,
                             AuthFailureLockout lockout, java.util.function.BooleanSupplier everythingThroughTunnel,
                             AddressPool previous) throws Exception {
        Clock clock = Clock.SYSTEM;
        CallIdAllocator callIds = dataPlane.callIds(Integer.parseInt(cfg.get(Setting.PPTP_MAX_SESSIONS)));
        int maxControl = Integer.parseInt(cfg.get(Setting.PPTP_MAX_CONTROL_CONNECTIONS));
        // Facing the internet: one address may hold a few control connections besides those of its
        // logged-in users (an office's workers share its NAT) and open a new one a second on
        // average, so a scanner or slow-loris cannot take them all. Over IPv4 only: the raw GRE
        // socket is IPv4's (a call made over IPv6 would never carry data).
        ControlServer.Options options = new ControlServer.Options(ControlSettings.defaults(cfg.get(Setting.HOST_NAME)),
                maxControl, Math.min(PER_ADDRESS_CONTROL_CONNECTIONS, maxControl), NEW_CONTROL_CONNECTIONS_PER_MINUTE,
                Duration.ofSeconds(1), clock, true);
        PppSessions sessions = null;
        CallTunnels tunnels = null;
        CallListener calls;
        AddressPool pool = null;
        Sessions listener = new Sessions(accounting, idleTimeout(cfg), store);
        if (dataPlane.linux()) {
            listener.sweep = flowSweep();
        }
        listener.policy = Policy.of(cfg);
        listener.branchShares = dataPlane.branchShares();
        if (dataPlane.available()) {
            SessionSettings settings = serverSettings(cfg);
            pool = pool(cfg, dataPlane);
            if (previous != null) {
                previous.handOverTo(pool); // what it still holds too, until given back through it
            } else if (dataPlane.linux()) {
                // The kernel's entries of the last run's sessions, whose ends were never swept: the
                // first client back would be sent the replies meant for whoever had its address.
                // Not this host's own addresses in the range: the site-to-site dial-out's may be up.
                Set<Inet4Address> own = OwnAddresses.all();
                Set<Inet4Address> statics = new HashSet<>(staticAddresses(store));
                statics.removeAll(own);
                flowSweep().leftFromBefore(statics, TrackedFlows.Network.covering(
                        ipv4(cfg.get(Setting.PPTP_POOL_START)), ipv4(cfg.get(Setting.PPTP_POOL_END)), own));
            }
            sessions = new PppSessions(settings, environment(store, dataPlane, pool, lockout, everythingThroughTunnel,
                    cfg), listener);
            sessions.setLimits(limits(cfg));
            // A call the pool has no address for is refused as busy at once (RFC 2637 §2.8), not
            // after the login and encryption when IPCP finds none.
            callIds.requireAddress(sessions::addressForAnotherCall);
            // ...unless a call still logging in gives way to it: silent calls must not keep users out.
            sessions.makeRoomIn(callIds);
            tunnels = new CallTunnels(dataPlane.gre(), dataPlane.demux(), clock, GreChannelConfig.DEFAULTS, sessions::sinkFor, sessions);
            calls = tunnels;
        } else {
            LOG.warn(dataPlane.unavailableReason());
            calls = new CallsWithoutDataPlane(dataPlane.unavailableReason());
        }
        ControlServer control = new ControlServer(transport, options, calls, callIds);
        InetSocketAddress bound = control.start(bind);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pptp-timers");
            t.setDaemon(true);
            return t;
        });
        PppSessions s = sessions;
        CallTunnels t = tunnels;
        if (s != null) {
            // Each guarded apart: a failure of the sessions' must not cost the GRE channels their acks.
            Runnable sessionTimers = guarded("session timers", s::poll);
            Runnable greTimers = guarded("GRE timers", t::poll);
            ticker.scheduleAtFixedRate(() -> {
                sessionTimers.run();
                greTimers.run();
            }, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
            ticker.scheduleAtFixedRate(guarded("idle timeout", () -> listener.hangUpIdle(s)), 1, 1, TimeUnit.SECONDS);
            listener.live = s::sessions;
        }
        CapacityRefusals refusals = new CapacityRefusals(Duration.ofMinutes(10));
        ticker.scheduleWithFixedDelay(guarded("capacity refusals", () -> refusals.check(new CapacityRefusals.Counts(
                        callIds.refusedAtLimit(), callIds.refusedWithoutAddress(), s == null ? 0 : s.refusedLogins(),
                        control.refusedConnections()),
                System.nanoTime(), callIds.maxCalls()).ifPresent(event -> {
                    // Not on this thread, which runs every session's timers: a write may wait for
                    // the database (busy, fsync) and must not hold up the tunnels.
                    Thread.ofVirtual().name("capacity-event").start(() -> store.logEvent("problem", event));
                })), 2, 2, TimeUnit.SECONDS);
        return new PptpService(control, callIds, sessions, tunnels, ticker, bound, listener, store, dataPlane, lockout,
                pool, everythingThroughTunnel);
    }

    /**
     * A periodic task that survives its own failure: an exception escaping a scheduleAtFixedRate
     * task cancels every later run, silently, and would stop every session's timers (or idle
     * hang-ups) for good. Its lines have a budget (a failure repeats at every 20 ms tick). Any other
     * Error ends the timers all the same, so it is reported as a data-path failure: the service
     * exits and systemd brings it back whole, as when an event loop stops.
     */
    private static Runnable guarded(String what, Runnable task) {
        return Guarded.task("the PPTP " + what, task);
    }

    private static SessionEnvironment environment(ApplianceStore store, DataPlane dataPlane, AddressPool pool,
                                                  AuthFailureLockout lockout,
                                                  java.util.function.BooleanSupplier everythingThroughTunnel,
                                                  Map<Setting, String> cfg) {
        SecureRandom random = new SecureRandom();
        return new SessionEnvironment(Clock.SYSTEM, random::nextBytes, new StoreUserDirectory(store), pool,
                user -> staticAddress(store, user), dataPlane.devices()).withLockout(lockout)
                .withHostNameServers(offeredToClients(everythingThroughTunnel, cfg.get(Setting.PPTP_LOCAL_ADDRESS),
                        () -> clientNameServers(dataPlane).servers()))
                .withAssignedStaticAddresses(readAtMostEvery(Duration.ofSeconds(10), () -> staticAddresses(store)));
    }

    /**
     * The router's own DNS servers, offered to clients when the VPN page names none; none with a
     * data plane in memory (tests, which must not depend on the machine's resolv.conf).
     */
    static Supplier<List<Inet4Address>> hostNameServers(DataPlane dataPlane) {
        return dataPlane.linux() ? HostNameServers.SYSTEM : List::of;
    }

    /**
     * As {@link #hostNameServers}, as VPN clients get them (see {@link HostNameServers#forClients}):
     * where the WAN's are IPv6 only, this router's own resolver on the image. Only for the clients:
     * the site-to-site's DNS and its checks want the servers the router itself asks.
     */
    static HostNameServers.ForClients clientNameServers(DataPlane dataPlane) {
        return dataPlane.linux() ? HostNameServers.SYSTEM.forClients(HostNameServers::lanResolverOnImage)
                : new HostNameServers.ForClients(List.of(), false);
    }

    /**
     * The DNS servers offered to VPN clients when the VPN page names none, read at each session's
     * IPCP: the router's own ({@code system}), except while the site-to-site tunnel carries
     * everything (as applied). Then this router's own tunnel-side address: the router's servers are the WAN's
     * (often the modem, on the WAN's own subnet, whose route is not the tunnel's), and the clients'
     * queries to them left the WAN in clear; the base firewall sends queries to the router itself
     * through the tunnel, to the office's DNS server, or drops them while it is down (LanDns).
     */
    static Supplier<List<Inet4Address>> offeredToClients(java.util.function.BooleanSupplier everythingThroughTunnel,
                                                        String localAddress, Supplier<List<Inet4Address>> system) {
        List<Inet4Address> self;
        try {
            self = List.of(ipv4(localAddress));
        } catch (UnknownHostException | RuntimeException e) {
            self = List.of(); // none rather than one around the tunnel
        }
        List<Inet4Address> router = self;
        // Lock-free, the dial-out as applied (not as stored: a change the command line stored is not
        // in the firewall yet), read at each session's IPCP on the data path's thread.
        return () -> everythingThroughTunnel.getAsBoolean() ? router : system.get();
    }

    static SessionLimits limits(Map<Setting, String> cfg) {
        return SessionLimits.forRouter(positive(Setting.PPTP_MAX_LOGGING_IN, cfg),
                positive(Setting.PPTP_MAX_SESSIONS_PER_USER, cfg));
    }

    private static AddressPool pool(Map<Setting, String> cfg, DataPlane dataPlane) throws UnknownHostException {
        AddressPool pool = new AddressPool(ipv4(cfg.get(Setting.PPTP_POOL_START)), ipv4(cfg.get(Setting.PPTP_POOL_END)));
        if (dataPlane.linux()) {
            pool.avoid(PptpService::addressOfThisHost);
            pool.beforeReuse(flowSweep());
        }
        return pool;
    }

    private static FlowSweep flowSweep;

    /**
     * The one sweep of the kernel's connection tracking entries of ended sessions, for every pool
     * and restart of the service: its own thread, as a dump of the table must never hold up a
     * session's I/O or timers; 200 ms for the ends of a WAN drop to gather into one sweep.
     */
    static synchronized FlowSweep flowSweep() {
        if (flowSweep == null) {
            ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "conntrack-sweep");
                t.setDaemon(true);
                return t;
            });
            flowSweep = new FlowSweep(new org.homerouter.bridge.alg.ConntrackFlows(null), thread,
                    Duration.ofMillis(200));
        }
        return flowSweep;
    }

    /** The pool address last found to be this host's own, so that it is logged once. */
    private static volatile Inet4Address lastSkipped;

    /**
     * Whether one of this host's interfaces has {@code address}: the site-to-site dial-out's, given by
     * a remote server whose pool is this router's too (both on factory settings).
     */
    private static boolean addressOfThisHost(Inet4Address address) {
        if (!OwnAddresses.isOwn(address)) {
            return false;
        }
        // Asked again at every call while it lasts (the busy check counts free addresses): said once.
        if (!address.equals(lastSkipped)) {
            lastSkipped = address;
            LOG.info("pool address {} not handed out: this router uses it itself (the site-to-site tunnel's own?)",
                    address.getHostAddress());
        }
        return true;
    }

    private static Duration idleTimeout(Map<Setting, String> cfg) {
        return Duration.ofMinutes(Long.parseLong(cfg.get(Setting.PPTP_IDLE_TIMEOUT_MINUTES)));
    }

    /**
     * Applies pool, DNS/WINS, authentication, encryption, idle-timeout and session-limit changes
     * without a restart: sessions that start from now on get the new settings; connected ones keep
     * what they negotiated and stay up (a lower session limit ends none of them), except that the
     * idle timeout applies to them too (the next tick hangs up those already idle longer), and
     * that those no longer meeting the login methods or encryption allowed now are ended: by {@link
     * #endSessionsBelowPolicy} once the change is made, and when their IP comes up (see {@link
     * Sessions#up}). Their tunnel addresses are reserved in the new pool until they end, so no new
     * client is given an address that is still in use.
     */
    synchronized void reconfigure(Map<Setting, String> cfg) throws Exception {
        listener.idleTimeout = idleTimeout(cfg);
        callIds.setMaxCalls(Integer.parseInt(cfg.get(Setting.PPTP_MAX_SESSIONS)));
        if (sessions == null) {
            return;
        }
        AddressPool next = pool(cfg, dataPlane);
        SessionSettings settings = serverSettings(cfg);
        // Before the sessions' settings: a session of the new ones always meets it, and one of the
        // old ones that comes up from now on is judged by it.
        listener.policy = Policy.of(cfg);
        // The connected sessions' addresses move into the new pool through the old one, which they
        // give them back to. No session's lock is taken here: a session ending holds its own lock
        // while it reports to the listener, and waiting for it under another lock could deadlock.
        pool.handOverTo(next);
        pool = next;
        sessions.reconfigure(settings, environment(store, dataPlane, next, lockout, everythingThroughTunnel, cfg));
        sessions.setLimits(limits(cfg));
    }

    /**
     * Hangs up the sessions up now whose login method or encryption the settings as applied no
     * longer allow, each saying why, and logs them in one line; returns "alice (192.0.2.7): why"
     * for each. Called after a change, outside the change lock, as hanging up takes each session's
     * lock. Only sessions whose IP is up are judged: their login and encryption are settled (CCP
     * negotiating again stops the data path, RFC 3078 §4); the others are judged when their IP
     * comes up ({@link Sessions#up}). A loosening ends none.
     */
    List<String> endSessionsBelowPolicy() {
        Policy policy = listener.policy;
        List<String> ended = new ArrayList<>();
        for (PppSession s : sessions()) {
            Optional<String> why = s.dataPath().isPresent() ? policy.unmetBy(s) : Optional.empty();
            if (why.isPresent()) {
                s.close(why.get());
                ended.add(SessionAccounting.who(s) + ": " + why.get());
            }
        }
        if (!ended.isEmpty()) {
            store.logEvent("admin", "disconnected " + ended.size() + (ended.size() == 1 ? " session" : " sessions")
                    + " that no longer met the VPN server's settings: " + String.join("; ", ended));
        }
        return ended;
    }

    /**
     * What a session must meet under the settings as applied: one of the login methods allowed,
     * and the encryption the policy asks for (none required for {@code mppe} empty).
     */
    record Policy(List<AuthMethod> logins, Optional<MppePolicy> mppe) {
        static Policy of(Map<Setting, String> cfg) {
            return new Policy(authMethods(cfg.get(Setting.PPTP_AUTH_METHODS)), mppePolicy(cfg.get(Setting.PPTP_MPPE)));
        }

        /** Why {@code s} (logged in, IP up) falls short of this policy, in words its user may read; empty if it does not. */
        Optional<String> unmetBy(PppSession s) {
            return unmetBy(s.authMethod(), s.encryption());
        }

        Optional<String> unmetBy(Optional<AuthMethod> login, Optional<CcpResult> encryption) {
            List<String> why = new ArrayList<>();
            login.filter(m -> !logins.contains(m)).ifPresent(m -> why.add(m.displayName()
                    + " logins are no longer allowed"));
            if (mppe.isPresent()) {
                MppePolicy p = mppe.get();
                if (encryption.isEmpty()) {
                    if (p.required()) {
                        why.add("encryption is now required");
                    }
                } else if (!p.allowedStrengths().contains(encryption.get().strength())) {
                    why.add(encryption.get().strength().label() + " encryption is no longer allowed");
                } else if (!encryption.get().stateless() && !p.statefulAllowed()) {
                    why.add("stateful encryption is no longer allowed");
                }
            }
            // Encryption where none is asked for, or a stronger one: no reason to end a session.
            return why.isEmpty() ? Optional.empty() : Optional.of(String.join(" and ", why));
        }
    }

    /** Hangs one session up from this side (LCP Terminate-Request, then the call is cleared). */
    boolean disconnect(int localCallId, String why) {
        PppSession s = sessions == null ? null : sessions.session(localCallId);
        if (s == null) {
            return false;
        }
        s.close(why);
        return true;
    }

    /** Hangs up every session of a user (account deleted or disabled); returns how many. */
    int disconnectUser(String user, String why) {
        return closeWhere(s -> s.userName().filter(user::equals).isPresent(), why).size();
    }

    /**
     * Hangs up the sessions whose client has {@code address} (its tunnel address, IPCP); returns
     * their users' names.
     */
    List<String> disconnectAddress(Inet4Address address, String why) {
        // The why names the router's own addressing: the client is told only that it was hung up.
        return closeWhere(s -> s.ipConfiguration().flatMap(c -> c.peerAddress()).filter(address::equals).isPresent(),
                why, "Disconnected by the VPN server").stream().map(s -> s.userName().orElse("?")).toList();
    }

    /** Hangs up the sessions that {@code which} picks, each told {@code why}; returns them. */
    private List<PppSession> closeWhere(java.util.function.Predicate<PppSession> which, String why) {
        return closeWhere(which, why, why);
    }

    private List<PppSession> closeWhere(java.util.function.Predicate<PppSession> which, String why, String toldPeer) {
        List<PppSession> closed = new java.util.ArrayList<>();
        for (PppSession s : sessions()) {
            if (which.test(s)) {
                s.close(why, toldPeer);
                closed.add(s);
            }
        }
        return closed;
    }

    /** The session on one of our call IDs, or null. */
    PppSession session(int localCallId) {
        return sessions == null ? null : sessions.session(localCallId);
    }

    static SessionSettings serverSettings(Map<Setting, String> cfg) throws UnknownHostException {
        Optional<MppePolicy> mppe = mppePolicy(cfg.get(Setting.PPTP_MPPE));
        List<AuthMethod> methods = offered(authMethods(cfg.get(Setting.PPTP_AUTH_METHODS)), mppe);
        AuthPolicy auth = AuthPolicy.DEFAULT.withMethods(methods.toArray(AuthMethod[]::new));
        IpcpSettings ipcp = IpcpSettings.server(ipv4(cfg.get(Setting.PPTP_LOCAL_ADDRESS)),
                optionalIpv4(cfg.get(Setting.PPTP_DNS_PRIMARY)), optionalIpv4(cfg.get(Setting.PPTP_DNS_SECONDARY)),
                optionalIpv4(cfg.get(Setting.PPTP_WINS_PRIMARY)), optionalIpv4(cfg.get(Setting.PPTP_WINS_SECONDARY)));
        LcpSettings lcp = LcpSettings.server(methods).withEcho(
                Duration.ofSeconds(nonNegative(Setting.PPTP_LCP_ECHO_INTERVAL, cfg)),
                positive(Setting.PPTP_LCP_ECHO_FAILURES, cfg));
        return new SessionSettings(SessionRole.SERVER, cfg.get(Setting.HOST_NAME), lcp, auth, ipcp, mppe, Optional.empty(), "pptp");
    }

    /**
     * The methods LCP offers and accepts: with encryption required, MS-CHAPv2 alone where it is
     * allowed. PAP and CHAP-MD5 give no MPPE keys (RFC 3079 derives them from MS-CHAPv2), so such a
     * login always ended refused, after its password had crossed the internet (PAP's in clear: the
     * login comes before encryption) and an attacker on the path could steer a client to it with a
     * forged Configure-Nak. The VPN page refuses the pair; an older setting or an import keeps it.
     * Without MS-CHAPv2 allowed nothing can log in with encryption anyway: the setting stands, and
     * each session's end says why.
     */
    static List<AuthMethod> offered(List<AuthMethod> allowed, Optional<MppePolicy> mppe) {
        if (mppe.isPresent() && mppe.get().required() && allowed.contains(AuthMethod.MSCHAP_V2) && allowed.size() > 1) {
            return List.of(AuthMethod.MSCHAP_V2);
        }
        return allowed;
    }

    private static int nonNegative(Setting setting, Map<Setting, String> cfg) {
        return atLeast(0, setting, cfg);
    }

    private static int positive(Setting setting, Map<Setting, String> cfg) {
        return atLeast(1, setting, cfg);
    }

    private static int atLeast(int minimum, Setting setting, Map<Setting, String> cfg) {
        String text = cfg.get(setting).trim();
        try {
            int value = Integer.parseInt(text);
            if (value >= minimum) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(setting.key() + " must be a whole number >= " + minimum + ", not '" + text + "'");
    }

    static List<AuthMethod> authMethods(String csv) {
        List<AuthMethod> out = new ArrayList<>();
        for (String name : csv.split(",")) {
            out.add(switch (name.trim()) {
                case "mschapv2" -> AuthMethod.MSCHAP_V2;
                case "chap-md5" -> AuthMethod.CHAP_MD5;
                case "pap" -> AuthMethod.PAP;
                default -> throw new IllegalArgumentException("unknown authentication method '" + name.trim()
                        + "' (use mschapv2, chap-md5, pap)");
            });
        }
        return out;
    }

    static Optional<MppePolicy> mppePolicy(String value) {
        return switch (value) {
            case "require-128" -> Optional.of(MppePolicy.DEFAULT);
            // Stateful MPPE first (one key change per 256 packets instead of per packet); only for
            // clean links, since any loss costs a CCP reset round trip (see MppePolicy).
            case "require-128-stateful" -> Optional.of(MppePolicy.DEFAULT.preferringStateful());
            case "require-any" -> Optional.of(new MppePolicy(EnumSet.allOf(MppeStrength.class), true, true));
            case "optional" -> Optional.of(new MppePolicy(EnumSet.allOf(MppeStrength.class), false, true));
            case "none" -> Optional.empty();
            default -> throw new IllegalArgumentException("unknown MPPE policy '" + value
                    + "' (use require-128, require-128-stateful, require-any, optional, none)");
        };
    }

    /**
     * How many sessions the server can hold at once: its limit, or the pool's size where that is
     * smaller (a call the pool has no address for is refused as busy). Routers set up with the old
     * default keep a stored 64 beside a pool of 50: the dashboard and status said "up to 64".
     */
    static int sessionsServed(Map<Setting, String> cfg) {
        int limit = Integer.parseInt(cfg.get(Setting.PPTP_MAX_SESSIONS));
        try {
            return Math.min(limit, new AddressPool(ipv4(cfg.get(Setting.PPTP_POOL_START)),
                    ipv4(cfg.get(Setting.PPTP_POOL_END))).size());
        } catch (UnknownHostException | IllegalArgumentException e) {
            return limit; // a pool the server could not start with: it serves nobody, and says why elsewhere
        }
    }

    private static Inet4Address ipv4(String s) throws UnknownHostException {
        InetAddress a = InetAddress.getByName(s);
        if (!(a instanceof Inet4Address v4)) {
            throw new IllegalArgumentException("not an IPv4 address: " + s);
        }
        return v4;
    }

    private static Inet4Address optionalIpv4(String s) throws UnknownHostException {
        return s == null || s.isBlank() ? null : ipv4(s);
    }

    /** The user's configured static tunnel address, if any (kept as text in the store). */
    private static Optional<Inet4Address> staticAddress(ApplianceStore store, String user) {
        try {
            Optional<String> text = store.user(user).flatMap(u -> u.staticAddress());
            return text.isEmpty() ? Optional.empty() : Optional.of(ipv4(text.get()));
        } catch (java.sql.SQLException | UnknownHostException | IllegalArgumentException e) {
            LOG.warn("static address of {} unreadable: {}; using the pool", user, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * {@code source}'s answer, asked again only once {@code interval} has passed since: the static
     * addresses are asked at every call request (and every pool address handed out), on the control
     * connections' thread, and such requests cost their sender nothing (no login comes first), so a flood of them
     * must not become a flood of database reads. A user's new static address counts within the interval.
     */
    static <T> Supplier<T> readAtMostEvery(Duration interval, Supplier<T> source) {
        return new Supplier<>() {
            private T value;
            private long readAt;
            private boolean read;

            @Override
            public synchronized T get() {
                long now = System.nanoTime();
                if (!read || now - readAt >= interval.toNanos()) {
                    value = source.get();
                    readAt = now;
                    read = true;
                }
                return value;
            }
        };
    }

    /**
     * The enabled users' static tunnel addresses (one unreadable is left out, as a login then uses
     * the pool); none when the store cannot be read, so a full pool refuses the call (and the pool
     * keeps none of them from other clients meanwhile). A set, made once per read: the sessions ask
     * it {@code contains} for each address the pool hands out or a client asks for, and it is
     * cached (see {@link #readAtMostEvery}), so no call copies it.
     */
    private static Set<Inet4Address> staticAddresses(ApplianceStore store) {
        Set<Inet4Address> out = new HashSet<>();
        try {
            for (String text : store.enabledStaticAddresses()) {
                // Dotted quads only: anything else would be a name lookup on a data-path thread
                // (and staticAddress says so when that user logs in).
                if (org.homerouter.webui.api.Ipv4.valid(text.trim())) {
                    out.add(ipv4(text.trim()));
                }
            }
        } catch (java.sql.SQLException | UnknownHostException e) {
            String more = STATIC_ADDRESSES_UNREADABLE.admit();
            if (more != null) {
                LOG.warn("static addresses unreadable: {}; a full pool refuses new calls{}", e.getMessage(), more);
            }
        }
        // Immutable: the cache hands this one set to every thread that asks within the interval.
        return Set.copyOf(out);
    }

    InetSocketAddress address() {
        return address;
    }

    /** The sessions' timer thread (LCP, login, IPCP, echo, idle), for the service's watchdog. */
    java.util.concurrent.Executor timers() {
        return ticker;
    }

    ControlServer control() {
        return control;
    }

    /** The live PPP sessions (empty without a data plane). */
    List<PppSession> sessions() {
        return sessions == null ? List.of() : sessions.sessions();
    }

    @Override
    public void close() {
        close("The VPN server is shutting down");
    }

    /**
     * Stops the server, each session first hung up in order with {@code toldClients} in its LCP
     * Terminate-Request (RFC 1661 §5.5), for up to {@link #HANG_UP_WAIT} in all: a client's user then
     * reads why (pppd: "LCP terminated by peer (...)"), where the control connection's stop alone
     * said nothing. Sessions still up after it end with their calls as the control connections stop.
     */
    public void close(String toldClients) {
        String why = toldClients.isEmpty() ? "" : Character.toLowerCase(toldClients.charAt(0)) + toldClients.substring(1);
        List<PppSession> open = sessions == null ? List.of() : sessions.closeAll(why, toldClients);
        long deadline = System.nanoTime() + HANG_UP_WAIT.toNanos();
        while (open.stream().anyMatch(s -> !s.hasEnded()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        control.stop(Duration.ofSeconds(3));
        ticker.shutdownNow();
        // What the ended sessions queued runs first (a branch's networks handed to the sweep among
        // it), for a moment at most: dropped, their flows were never forgotten.
        listener.routes.shutdown();
        try {
            if (!listener.routes.awaitTermination(1, TimeUnit.SECONDS)) {
                listener.routes.shutdownNow();
            }
        } catch (InterruptedException e) {
            listener.routes.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** How long a stop waits for its sessions' Terminate-Acks: a round trip, a shutdown not held up. */
    static final Duration HANG_UP_WAIT = Duration.ofMillis(300);

    /**
     * Every session's start and end go to the accounting (SQLite history, event log, counters); this
     * also hangs up sessions idle longer than the configured timeout.
     */
    private static final class Sessions implements SessionListener {
        private final SessionAccounting accounting;
        volatile Duration idleTimeout;
        /** The login methods and encryption allowed as applied ({@link #reconfigure}). */
        volatile Policy policy;
        private final IdleTracker<PppSession> traffic = new IdleTracker<>();
        private final ApplianceStore store;
        /** Runs iproute2 for branch-office routes off the session's lock and the timer thread. */
        final java.util.concurrent.ExecutorService routes = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pptp-routes");
            t.setDaemon(true);
            return t;
        });

        Sessions(SessionAccounting accounting, Duration idleTimeout, ApplianceStore store) {
            this.accounting = accounting;
            this.idleTimeout = idleTimeout;
            this.store = store;
        }

        /** The live sessions, once they exist ({@link #ended}). */
        volatile java.util.function.Supplier<List<PppSession>> live = List::of;
        /** Forgets the kernel's entries of an ended branch session's networks; null without Linux. */
        volatile FlowSweep sweep;
        /** The networks routed into each branch session now, for {@link #sweep} at its end; touched on {@link #routes} only. */
        private final Map<PppSession, List<TrackedFlows.Network>> sessionNetworks = new java.util.HashMap<>();
        /** Which session each branch account's networks are routed into now; touched on {@link #routes} only. */
        private final Map<String, RoutedInto> routedInto = new java.util.HashMap<>();
        /** Where a branch session's device gets the larger connection share its whole LAN needs. */
        volatile BranchShares branchShares = BranchShares.NONE;
        /** The larger shares given to branch sessions' devices, taken back at their ends; touched on {@link #routes} only. */
        private final Map<PppSession, BranchShares.Given> sharesGiven = new java.util.HashMap<>();

        /** A session and its device's name (gone from the session once it has ended). */
        private record RoutedInto(PppSession session, String device) {
        }

        @Override
        public void up(PppSession s) {
            accounting.up(s);
            s.userName().ifPresent(user -> routes.execute(() -> routeSubnetsOf(s, user, "")));
            // A session that began under settings the owner has since tightened (logging in as the
            // change was made, or logging in and encrypting again after an LCP or CCP renegotiation,
            // which it does under the settings it began with) ends as those up at the change did.
            // Off this thread: the session is reporting under its own lock, its path just built.
            policy.unmetBy(s).ifPresent(why -> routes.execute(() -> {
                s.close(why);
                store.logEvent("admin", "disconnected " + SessionAccounting.who(s) + ": " + why);
            }));
        }

        /**
         * A branch office's account: the networks behind it are routed into its tunnel while the
         * session is up. They go with the tunnel device when the session ends; a newer session of
         * the same account takes them over ("ip route replace"), so a quick redial is not blocked
         * by the old session the server has not yet noticed is dead.
         */
        private void routeSubnetsOf(PppSession s, String user, String why) {
            List<org.homerouter.webui.api.Subnet> subnets;
            try {
                subnets = org.homerouter.webui.api.RoutedSubnets.parse(store.routedSubnets(user), user);
            } catch (java.sql.SQLException | IllegalArgumentException e) {
                LOG.warn("routed subnets of {} unreadable: {}", user, e.getMessage());
                return;
            }
            if (subnets.isEmpty()) {
                return;
            }
            List<String> routed = new ArrayList<>();
            List<TrackedFlows.Network> networks = new ArrayList<>();
            for (var subnet : subnets) {
                String cidr = org.homerouter.webui.api.RoutedSubnets.cidr(subnet);
                try {
                    Inet4Address network = (Inet4Address) InetAddress.getByName(
                            org.homerouter.webui.api.Ipv4.format(subnet.network()));
                    s.addRoute(network, subnet.prefixLength());
                    routed.add(cidr);
                    networks.add(new TrackedFlows.Network(network, subnet.prefixLength()));
                } catch (Exception e) {
                    LOG.warn("{}: cannot route {} into the tunnel of {}: {}", s.id(), cidr, user, e.getMessage());
                    store.logEvent("route", "cannot route " + cidr + " to " + user + ": " + e.getMessage());
                }
            }
            if (!routed.isEmpty()) {
                String device = s.deviceName().orElse("?");
                routedInto.put(user, new RoutedInto(s, device));
                sessionNetworks.put(s, List.copyOf(networks));
                giveBranchShare(s, user);
                LOG.info("{}: {} routed into {} for {}{}", s.id(), String.join(", ", routed), device, user, why);
                store.logEvent("route", String.join(", ", routed) + " routed into " + device + " for " + user + why);
            }
        }

        /**
         * A branch's whole LAN arrives on its session's device: it gets the larger connection share
         * as long as the session lasts. Given at each routing in: once the same device's (routed in
         * again), but a renegotiated link's is a new device with a new index, whose connections
         * counted against a dial-in user's share for the rest of the session; the old one's goes
         * back. Its failure costs the branch only the larger share, so it is said and the routes stay.
         */
        private void giveBranchShare(PppSession s, String user) {
            Optional<String> device = s.deviceName();
            if (device.isEmpty() || s.hasEnded()) {
                return;
            }
            BranchShares.Given given;
            try {
                given = branchShares.give(device.get());
            } catch (java.io.IOException | RuntimeException e) {
                LOG.warn("{}: {} of {} keeps a single session's share of connections: {}", s.id(), device.get(), user,
                        e.getMessage());
                return;
            }
            BranchShares.Given had = sharesGiven.get(s);
            if (had != null && had.sameDeviceAs(given)) {
                return; // the same share: nft's add of an element it has is no change
            }
            takeBranchShareBack(s);
            sharesGiven.put(s, given);
            if (s.hasEnded()) {
                // Ended while the share was given: its device's name may be another session's now,
                // whose index the give read. Taken back at once, not at the end queued behind this.
                takeBranchShareBack(s);
            }
        }

        /** An ended branch session's larger share goes back, before another device could ever be given its index. */
        private void takeBranchShareBack(PppSession s) {
            BranchShares.Given given = sharesGiven.remove(s);
            if (given != null) {
                try {
                    given.takeBack();
                } catch (java.io.IOException | RuntimeException e) {
                    LOG.warn("{}: its device's larger share of connections not taken back: {}", s.id(), e.getMessage());
                }
            }
        }

        /**
         * Two sessions of one branch account at once (an account shared with a laptop, a second
         * router): the newer took the networks, and when it ended they went with its device while
         * the older was still up, its branch unreachable and nothing said. They go back into the
         * newest session of the account left; a redial's old session ending leaves them where they are.
         */
        private void routeBackAfter(PppSession ended, String user) {
            RoutedInto was = routedInto.get(user);
            if (was == null || was.session() != ended) {
                return;
            }
            routedInto.remove(user);
            live.get().stream().filter(o -> o != ended && o.loggedIn() && o.userName().equals(Optional.of(user))
                            && o.dataPath().isPresent() && o.deviceName().isPresent())
                    .max(java.util.Comparator.comparingLong(PppSession::startedNanos))
                    .ifPresent(o -> routeSubnetsOf(o, user, " again: the account's newer session, in "
                            + was.device() + ", ended"));
        }

        @Override
        public void problem(PppSession s, SessionProblem problem, String detail) {
            accounting.problem(s, problem, detail);
        }

        @Override
        public void ended(PppSession s, SessionEnd reason, String detail) {
            traffic.forget(s);
            accounting.ended(s, reason, detail);
            s.userName().ifPresent(user -> routes.execute(() -> {
                takeBranchShareBack(s);
                forgetNetworksOf(s);
                routeBackAfter(s, user);
            }));
        }

        /**
         * The kernel's entries of an ended branch session's networks go too (those of its tunnel
         * address go before the pool hands it out again, AddressPool#beforeReuse): left, they last
         * days. Not while another session of the account is up by the sweep (a redial): the
         * networks are its now, and so are their flows. On {@link #routes}, where they were noted:
         * a session ending while its routes went in would otherwise find nothing noted yet, and be
         * noted (and kept) for ever after.
         */
        private void forgetNetworksOf(PppSession s) {
            List<TrackedFlows.Network> networks = sessionNetworks.remove(s);
            FlowSweep flows = sweep;
            if (networks != null && flows != null) {
                flows.networksEnded(networks, n -> live.get().stream().anyMatch(o -> o != s && !o.hasEnded()
                        && o.userName().isPresent() && o.userName().equals(s.userName())));
            }
        }

        /** Once a second: a session whose byte counters have not moved for the idle timeout is hung up. */
        void hangUpIdle(PppSessions sessions) {
            Duration limit = idleTimeout;
            if (limit.isZero()) {
                traffic.clear();
                return;
            }
            long now = System.nanoTime();
            List<PppSession> live = sessions.sessions();
            for (PppSession s : live) {
                long bytes = s.dataPath().map(p -> p.bytesIn() + p.bytesOut()).orElse(-1L);
                if (bytes < 0) {
                    continue;
                }
                if (traffic.idle(s, bytes, now, limit)) {
                    traffic.forget(s);
                    s.close("no traffic for " + limit.toMinutes() + " minutes (idle timeout)");
                }
            }
            traffic.retainOnly(live);
        }
    }

    /** Without a data plane a call cannot carry anything: clear it at once, saying why. */
    private record CallsWithoutDataPlane(String reason) implements CallListener {
        @Override
        public void callEstablished(PptpCall call) {
            call.connection().refuseCall(call, reason);
        }

        @Override
        public void callCleared(PptpCall call, String why) {
        }
    }
}
