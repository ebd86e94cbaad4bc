package org.homerouter.appliance;

import java.net.Inet4Address;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.webui.api.LiveSessions;
import org.homerouter.webui.api.Subnet;

/** The dashboard's live view: control connections, their calls and sessions, and the history. */
record ApplianceSessions(Appliance appliance) implements LiveSessions {
    /**
     * Who a session was that never logged in (no GRE, gone before its login), in the history and
     * the event log alike: "unknown user" read as a user name the router did not know.
     */
    static final String NOT_LOGGED_IN = "(not logged in)";

    @Override
    public ServerState state() {
        Map<Setting, String> cfg;
        List<Subnet> routed;
        try {
            cfg = appliance.store().settings();
            routed = NetworkOverlap.routed(appliance.store(), cfg);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        var address = appliance.pptpAddress();
        // In words: "0.0.0.0:1723" is what a programmer reads, not an owner.
        String listen = address == null ? "" : (address.getAddress().isAnyLocalAddress() ? "every address of this router"
                : address.getAddress().getHostAddress()) + ", TCP port " + address.getPort();
        DataPlane dp = appliance.dataPlane();
        boolean enabled = Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED));
        String failure = appliance.pptpFailure();
        String problem = enabled && failure != null
                ? "The VPN server could not start: " + failure + ". It tries again, every 30 s at most. Change its listen address or port"
                        + " on the VPN server page if that address or port stays unavailable."
                : enabled && !dp.available() ? "Sessions cannot start: " + dp.unavailableReason() : "";
        String inbound = cfg.get(Setting.PASSTHROUGH_INBOUND_SERVER);
        if (problem.isEmpty() && org.homerouter.webui.api.InboundForwardConflict.exists(VpnSettingsMapping.from(cfg),
                inbound, ApplianceVpnConfig.localNetworks())) {
            // Stored before the pages refused the pair (or by hand): say why clients from outside fail.
            problem = org.homerouter.webui.api.InboundForwardConflict.forServer(inbound);
        }
        var overlap = NetworkOverlap.describe(ApplianceVpnConfig.localNetworks(),
                        NetworkOverlap.refusedBesides(Appliance.tunnelNetwork(cfg), routed))
                .or(() -> NetworkOverlap.tunnelNetwork(enabled ? Appliance.tunnelNetwork(cfg) : null,
                        ApplianceVpnConfig.localNetworks(), routed));
        if (overlap.isPresent()) {
            problem = (overlap.get() + " " + problem).trim();
        }
        var newer = appliance.store().newerFirmwareNote();
        if (newer.isPresent()) {
            problem = (newer.get() + " " + problem).trim();
        }
        var lost = appliance.settingsLost();
        if (lost.isPresent()) {
            problem = (lost.get() + ": the router runs on default settings, without its users. Import"
                    + " your last configuration export on the System page. "
                    + appliance.heldForLostSettings().map(h -> h + " ").orElse("") + problem).trim();
        }
        String clientsDial = "";
        if (address != null && address.getAddress() instanceof Inet4Address at) {
            var side = wanSide(routeSource(DOCUMENTATION_ADDRESS), appliance.dialOutServer(),
                    ApplianceSessions::throughTunnel, ApplianceSessions::routeSource);
            clientsDial = side.filter(ApplianceSessions::throughTunnel).isPresent() ? ""
                    : ClientReach.describe(at, address.getPort(), side);
            // Only for a server the internet could reach (listening there, not behind a tunnel).
            if (!clientsDial.isEmpty() && side.isPresent() && (at.isAnyLocalAddress() || side.get().equals(at))) {
                clientsDial += " " + appliance.internetReach().describe();
            }
        }
        return new ServerState(Version.current(), enabled, address != null, listen,
                PptpService.sessionsServed(cfg), problem, clientsDial);
    }

    @Override
    public java.util.Optional<org.homerouter.webui.api.WanSide> wanSide() {
        if (!appliance.dataPlane().linux()) {
            return java.util.Optional.empty(); // no routes read: every machine would read as offline
        }
        Map<Setting, String> cfg;
        try {
            cfg = appliance.store().settings();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        int port;
        try {
            port = Integer.parseInt(cfg.get(Setting.PPTP_PORT));
        } catch (NumberFormatException e) {
            port = org.homerouter.pptp.control.ControlProtocol.TCP_PORT;
        }
        return java.util.Optional.of(WanStanding.of(RouterNetworks.now().wans(),
                Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED)), port, appliance.pptpAddress(),
                appliance.wanFirewallPresent(), appliance.wanFirewallFailing(), Ipv6Wan.now()));
    }

    /** Whether {@code source} is a tunnel's (ppp* the dial-out's, pptp* a VPN client's). */
    private static boolean throughTunnel(Inet4Address source) {
        try {
            java.net.NetworkInterface nic = java.net.NetworkInterface.getByInetAddress(source);
            return nic != null && (nic.getName().startsWith("ppp") || nic.getName().startsWith("pptp"));
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    /** A documentation address (RFC 5737): asking the route to it sends nothing. */
    private static final Inet4Address DOCUMENTATION_ADDRESS = documentationAddress();

    private static Inet4Address documentationAddress() {
        try {
            return (Inet4Address) java.net.InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // four octets are always an address
        }
    }

    /**
     * The address this router's route to the internet leaves from (its route to a documentation
     * address, {@code defaultRouteSource}). While the site-to-site tunnel holds the default route
     * that is the tunnel's own address, which the internet never sees: then the route to the
     * tunnel's server, pinned to the WAN, tells the WAN's address instead (before, the Dashboard
     * said nothing at all of where clients dial). Still a tunnel's when nothing better is known,
     * for the caller to leave the note out: better nothing than a private tunnel address called
     * this router's.
     */
    static java.util.Optional<Inet4Address> wanSide(java.util.Optional<Inet4Address> defaultRouteSource,
                                                    java.util.Optional<Inet4Address> dialOutServer,
                                                    java.util.function.Predicate<Inet4Address> throughTunnel,
                                                    java.util.function.Function<Inet4Address,
                                                            java.util.Optional<Inet4Address>> routeSource) {
        if (defaultRouteSource.filter(throughTunnel).isEmpty() || dialOutServer.isEmpty()) {
            return defaultRouteSource;
        }
        return routeSource.apply(dialOutServer.get()).or(() -> defaultRouteSource);
    }

    /** The source address of this router's route to {@code to}; empty without a route. */
    private static java.util.Optional<Inet4Address> routeSource(Inet4Address to) {
        try {
            return java.util.Optional.of(new org.homerouter.bridge.alg.RouteSourceAddress(null).publicAddressFor(to));
        } catch (java.io.UncheckedIOException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public List<String> connected() {
        return appliance.accounting().connected();
    }

    @Override
    public List<ActiveSession> active() {
        PptpService pptp = appliance.pptp();
        if (pptp == null) {
            return List.of();
        }
        long now = Clock.SYSTEM.nanos();
        List<ActiveSession> out = new ArrayList<>();
        for (ControlConnection c : pptp.control().connections()) {
            if (c.calls().isEmpty()) {
                // TCP 1723 is up but no call yet: shown, so a stuck attempt is visible.
                out.add(new ActiveSession(-1, "", String.valueOf(c.remoteAddress()).replaceFirst("^/", ""), "",
                        controlOnly(c.phase()), 0, 0, 0, ""));
            }
            for (PptpCall call : c.calls()) {
                PppSession s = pptp.session(call.localCallId());
                String client = call.peerAddress().getHostAddress();
                if (s == null) {
                    out.add(new ActiveSession(call.localCallId(), "", client, "", callOnly(call.state()), 0, 0, 0, ""));
                    continue;
                }
                out.add(new ActiveSession(call.localCallId(), s.userName().orElse(""), client,
                        s.ipConfiguration().flatMap(i -> i.peerAddress()).map(Inet4Address::getHostAddress).orElse(""),
                        phase(s, now), (now - s.startedNanos()) / 1_000_000_000L,
                        s.traffic().bytesIn(), s.traffic().bytesOut(),
                        s.encryption().map(ApplianceSessions::encryption).orElse(s.dataPath().isPresent() ? "none" : ""),
                        s.problem().map(p -> p.description() + " — " + s.problemDetail()).orElse(""),
                        s.problem().map(p -> Diagnosis.advice(p.name())).orElse("")));
            }
        }
        return out;
    }

    /** "MPPE 128-bit, stateless" */
    static String encryption(org.homerouter.pptp.ppp.ccp.CcpResult r) {
        return "MPPE " + r.strength().label() + ", " + (r.stateless() ? "stateless" : "stateful");
    }

    /** A control connection with no call, in the Dashboard's words. */
    static String controlOnly(ControlConnection.Phase phase) {
        return switch (phase) {
            case IDLE, WAIT_START_REPLY -> "connecting (TCP 1723 open, no call yet)";
            case ESTABLISHED -> "connected to TCP 1723, no call yet";
            case STOPPING, CLOSED -> "disconnecting";
        };
    }

    /** A call whose PPP session has not started or has gone, in the Dashboard's words. */
    static String callOnly(PptpCall.State state) {
        return switch (state) {
            case WAIT_REPLY -> "placing the call";
            case ESTABLISHED -> "call placed, starting the link";
            case CLEARING, CLEARED -> "hanging up";
        };
    }

    /**
     * How long a call may be up without a GRE frame from the client before the Dashboard says so:
     * a client sends its first LCP frame within a second or two of its call, and a blocked GRE
     * otherwise read as "link setup (LCP)" for the 30 s LCP takes to give up.
     */
    static final java.time.Duration GRE_AWAITED_AFTER = java.time.Duration.ofSeconds(5);

    static final String WAITING_FOR_GRE = "waiting for the client's GRE (IP protocol 47): none received yet; if this"
            + " lasts past 30 s, GRE is blocked on the way (Windows error 806)";

    /** A live session's state in the Dashboard's words, at {@code now} (the session's clock's nanos). */
    static String phase(PppSession s, long now) {
        return switch (s.phase()) {
            // A client gone without a word (asleep, off the network) stays until its keepalive runs
            // out, a minute: shown as such meanwhile, not as one connected like the rest.
            case NETWORK -> !s.dataPath().isPresent() ? "setting up IP" : s.notAnswering(now)
                    ? "connected, not answering for " + s.silentNanos(now) / 1_000_000_000L + " s" : "connected";
            case AUTHENTICATE -> "logging in";
            // No frame at all (not even one outside the GRE window) from the client so far.
            case ESTABLISH -> s.framesReceived() == 0 && s.framesDiscarded() == 0
                    && now - s.startedNanos() > GRE_AWAITED_AFTER.toNanos() ? WAITING_FOR_GRE : "link setup (LCP)";
            default -> s.phase().name().toLowerCase(java.util.Locale.ROOT); // not "termınate" under tr
        };
    }

    @Override
    public boolean disconnect(int callId, String event) {
        PptpService pptp = appliance.pptp();
        if (pptp == null || !pptp.disconnect(callId, "disconnected by the administrator")) {
            return false;
        }
        appliance.store().logEvent("admin", event);
        return true;
    }

    @Override
    public Totals totals() {
        // From the accounting, not the sessions the server holds now: a session leaves the server
        // before its end is reported, and its bytes would be missing from the totals meanwhile.
        SessionAccounting.Traffic t = appliance.accounting().traffic();
        return new Totals(t.bytesIn(), t.bytesOut(), appliance.sessions().size(), appliance.accounting().authFailures(),
                appliance.accounting().sessionsTotal());
    }

    @Override
    public List<SessionRecord> history(int limit) {
        try {
            var side = internetSide();
            return appliance.store().sessionHistory(limit, false).stream().map(r -> record(r, side)).toList();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public List<SessionRecord> problems(int limit) {
        try {
            var side = internetSide();
            return appliance.store().sessionFailures(limit, System.currentTimeMillis() - PROBLEMS_WITHIN.toMillis())
                    .stream().map(r -> record(r, side)).toList();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public String unknownUserSummary() {
        try {
            return unknownUsers(appliance.store(), System.currentTimeMillis());
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    /** How far back {@link #unknownUsers} counts. */
    static final java.time.Duration UNKNOWN_USERS_WITHIN = java.time.Duration.ofHours(24);
    /** How far back the recent problems go (the Dashboard's, the Logs page's, status's). */
    static final java.time.Duration PROBLEMS_WITHIN = java.time.Duration.ofDays(7);
    /** How many of the names tried {@link #unknownUsers} names. */
    private static final int NAMES_SHOWN = 5;

    /**
     * The last 24 hours' failed logins under user names that are none of the router's accounts, in
     * one line for the Dashboard and status ("" if none): listed one by one they pushed a user's
     * own failure out of the recent problems. The names tried are given, since a user who mistyped
     * their own name is among them.
     */
    static String unknownUsers(ApplianceStore store, long nowMs) throws SQLException {
        return unknownUsers(store.unknownUserFailures(nowMs - UNKNOWN_USERS_WITHIN.toMillis(), NAMES_SHOWN), nowMs);
    }

    /**
     * As {@link #unknownUsers(ApplianceStore, long)}, from what the store found. Where the kept
     * rows do not reach back 24 hours (a sustained flood fills them in hours), the line says "at
     * least" and how far back they do reach: it said "in the last 24 hours" of what was a few hours'.
     */
    static String unknownUsers(ApplianceStore.UnknownUserFailures u, long nowMs) {
        if (u.logins() == 0) {
            return "";
        }
        boolean partial = u.countedFromMs() > nowMs - UNKNOWN_USERS_WITHIN.toMillis();
        String within = partial ? reachingBack(nowMs - u.countedFromMs()) : "24 hours";
        return (partial ? "At least " : "")
                + (u.logins() == 1 ? "1 login with an unknown user name" : u.logins() + " logins with unknown user names")
                + " from " + (u.addresses() == 1 ? "1 address" : u.addresses() + " addresses") + " in the last " + within
                + (u.names().isEmpty() ? "" : " (" + (u.names().size() < u.namesTried() ? u.namesTried()
                + " names tried, the latest: " : "names tried: ") + String.join(", ", u.names()) + ")")
                + ": internet password guessing; nothing to do unless one is your user's name (then give them"
                + " the exact user name from the VPN users page)."
                + (partial ? " The router keeps only the latest of these, which reach back " + within + ": any older"
                + " ones of the last 24 hours are not counted." : "");
    }

    /** {@code millis} rounded up to whole hours (or minutes, under an hour): the kept rows all lie within it. */
    private static String reachingBack(long millis) {
        long minutes = Math.max(1, (millis + 59_999) / 60_000);
        if (minutes <= 60) {
            return minutes + (minutes == 1 ? " minute" : " minutes");
        }
        long hours = (minutes + 59) / 60;
        return hours + " hours";
    }

    /**
     * The address this router's route to the internet leaves from, as {@link #state} finds it;
     * empty without a route, or where only a tunnel's address is known (the internet never sees it).
     */
    private java.util.Optional<Inet4Address> internetSide() {
        return wanSide(routeSource(DOCUMENTATION_ADDRESS), appliance.dialOutServer(), ApplianceSessions::throughTunnel,
                ApplianceSessions::routeSource).filter(a -> !throughTunnel(a));
    }

    /** As {@link #internetSide()}, for a process without the appliance (status): the default route's source. */
    static java.util.Optional<Inet4Address> defaultRouteSide() {
        return routeSource(DOCUMENTATION_ADDRESS).filter(a -> !throughTunnel(a));
    }

    /** As {@link #record(ApplianceStore.SessionRow, java.util.Optional)}, where this router's place is not known. */
    static SessionRecord record(ApplianceStore.SessionRow r) {
        return record(r, java.util.Optional.empty());
    }

    /**
     * A recorded session as the pages show it, its advice for this router's place: see
     * {@link Diagnosis#advice(String, String, java.util.Optional)}.
     */
    static SessionRecord record(ApplianceStore.SessionRow r, java.util.Optional<Inet4Address> internetSide) {
        String what = Diagnosis.what(r.endReason());
        if (r.endDetail() != null && !r.endDetail().isEmpty() && !r.endDetail().equals(what)) {
            what += " — " + r.endDetail();
        }
        String advice = Diagnosis.advice(r.endReason(), r.client(), internetSide);
        boolean failed = Diagnosis.failed(r.endReason(), r.wasUp());
        if (r.problem() != null) {
            // A session that ended normally but limped while up is a problem to show all the same.
            what += "; while it was up: " + Diagnosis.what(r.problem())
                    + (r.problemDetail() == null || r.problemDetail().isEmpty() ? "" : " — " + r.problemDetail());
            advice = advice.isEmpty() ? Diagnosis.advice(r.problem()) : advice + " " + Diagnosis.advice(r.problem());
            failed = true;
        }
        return new SessionRecord(r.startedMs(), r.endedMs(), r.user() == null ? NOT_LOGGED_IN : r.user(), r.client(),
                r.tunnelAddress() == null ? "" : r.tunnelAddress(), r.bytesIn(), r.bytesOut(), what, advice, failed);
    }
}
