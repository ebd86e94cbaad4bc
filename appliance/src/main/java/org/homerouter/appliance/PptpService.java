package org.homerouter.appliance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.AddressPool;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.PppSessions;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionEnvironment;
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

    private final ControlServer control;
    private final PppSessions sessions;
    private final CallTunnels tunnels;
    private final ScheduledExecutorService ticker;
    private final InetSocketAddress address;

    private PptpService(ControlServer control, PppSessions sessions, CallTunnels tunnels,
                        ScheduledExecutorService ticker, InetSocketAddress address) {
        this.control = control;
        this.sessions = sessions;
        this.tunnels = tunnels;
        this.ticker = ticker;
        this.address = address;
    }

    static PptpService start(Map<Setting, String> cfg, ApplianceStore store, NettyTransport transport,
                             DataPlane dataPlane, InetSocketAddress bind)
            throws Exception {
        Clock clock = Clock.SYSTEM;
        CallIdAllocator callIds = new CallIdAllocator(Integer.parseInt(cfg.get(Setting.PPTP_MAX_SESSIONS)));
        ControlServer.Options options = new ControlServer.Options(ControlSettings.defaults(cfg.get(Setting.HOST_NAME)),
                Integer.parseInt(cfg.get(Setting.PPTP_MAX_CONTROL_CONNECTIONS)), Duration.ofSeconds(1), clock);
        PppSessions sessions = null;
        CallTunnels tunnels = null;
        CallListener calls;
        if (dataPlane.available()) {
            SessionSettings settings = serverSettings(cfg);
            AddressPool pool = new AddressPool(ipv4(cfg.get(Setting.PPTP_POOL_START)), ipv4(cfg.get(Setting.PPTP_POOL_END)));
            SecureRandom random = new SecureRandom();
            SessionEnvironment env = new SessionEnvironment(clock, random::nextBytes, new StoreUserDirectory(store), pool,
                    user -> staticAddress(store, user), dataPlane.devices());
            sessions = new PppSessions(settings, env, new EventLogSessions(store));
            GreDemux demux = new GreDemux();
            dataPlane.gre().setReceiver(demux);
            tunnels = new CallTunnels(dataPlane.gre(), demux, clock, GreChannelConfig.DEFAULTS, sessions::sinkFor, sessions);
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
            ticker.scheduleAtFixedRate(() -> {
                try {
                    s.poll();
                    t.poll();
                } catch (RuntimeException e) {
                    // A timer bug must not stop every session's timers.
                    LOG.error("session timers", e);
                }
            }, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        }
        return new PptpService(control, sessions, tunnels, ticker, bound);
    }

    static SessionSettings serverSettings(Map<Setting, String> cfg) throws UnknownHostException {
        List<AuthMethod> methods = authMethods(cfg.get(Setting.PPTP_AUTH_METHODS));
        AuthPolicy auth = AuthPolicy.DEFAULT.withMethods(methods.toArray(AuthMethod[]::new));
        IpcpSettings ipcp = IpcpSettings.server(ipv4(cfg.get(Setting.PPTP_LOCAL_ADDRESS)),
                optionalIpv4(cfg.get(Setting.PPTP_DNS_PRIMARY)), optionalIpv4(cfg.get(Setting.PPTP_DNS_SECONDARY)),
                null, null);
        return new SessionSettings(SessionRole.SERVER, cfg.get(Setting.HOST_NAME), LcpSettings.server(methods), auth,
                ipcp, mppePolicy(cfg.get(Setting.PPTP_MPPE)), Optional.empty(), "pptp");
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

    InetSocketAddress address() {
        return address;
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
        control.stop(Duration.ofSeconds(3));
        ticker.shutdownNow();
    }

    /** Records what users and administrators need to read later: who connected, who failed, why. */
    private record EventLogSessions(ApplianceStore store) implements SessionListener {
        @Override
        public void up(PppSession s) {
            store.logEvent("connect", s.userName().orElse("?") + " connected: " + s.id() + " got "
                    + s.ipConfiguration().flatMap(c -> c.peerAddress()).map(Inet4Address::getHostAddress).orElse("?"));
        }

        @Override
        public void ended(PppSession s, SessionEnd reason, String detail) {
            String who = s.userName().orElse("unknown user");
            String kind = switch (reason) {
                case AUTH_FAILED, ACCOUNT_DISABLED, AUTH_METHOD_REFUSED -> "auth-failure";
                default -> "disconnect";
            };
            store.logEvent(kind, who + ", " + s.id() + ": " + reason.description()
                    + (detail.isEmpty() ? "" : " — " + detail));
        }
    }

    /** Without a data plane a call cannot carry anything: clear it at once, saying why. */
    private record CallsWithoutDataPlane(String reason) implements CallListener {
        @Override
        public void callEstablished(PptpCall call) {
            call.connection().clearCall(call, false, reason);
        }

        @Override
        public void callCleared(PptpCall call, String why) {
        }
    }
}
