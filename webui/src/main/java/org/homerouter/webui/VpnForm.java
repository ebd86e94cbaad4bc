package org.homerouter.webui;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.UserAccounts.UserRow;
import org.homerouter.webui.api.VpnAddresses;
import org.homerouter.webui.api.VpnSettings;

/** Reads and checks the VPN server page. Nothing is stored unless every field is right. */
final class VpnForm {
    /**
     * The VPN server page's field labels: the page shows them, and a refused import names its
     * fields by them (VpnSettingsCheck), so that the owner finds what to change.
     */
    static final Map<String, String> LABELS = Map.ofEntries(Map.entry("listen_address", "Listen address"),
            Map.entry("port", "TCP port"), Map.entry("local_address", "Router's tunnel address"),
            Map.entry("pool_start", "Pool start"), Map.entry("pool_end", "Pool end"),
            Map.entry("dns_primary", "DNS server"), Map.entry("dns_secondary", "Second DNS server"),
            Map.entry("wins_primary", "WINS server"), Map.entry("wins_secondary", "Second WINS server"),
            Map.entry("max_sessions", "Maximum sessions"), Map.entry("idle_timeout", "Idle timeout (minutes)"),
            Map.entry("auth", "Allowed authentication"), Map.entry("mppe", "Encryption (MPPE)"));

    static final List<String> AUTH_METHODS = List.of("mschapv2", "chap-md5", "pap");
    static final List<String> MPPE = List.of("require-128", "require-128-stateful", "require-any", "optional", "none");
    /**
     * The authentication boxes' and encryption choices' words on the page (layout.ftlh's mppeSelect,
     * vpn.ftlh: without their notes in brackets), for the event log: it named the stored values
     * ("encryption require-128-stateful"), which the owner never sees.
     */
    static final Map<String, String> AUTH_SHOWN = Map.of("mschapv2", "MS-CHAPv2", "chap-md5", "CHAP-MD5", "pap", "PAP");
    static final Map<String, String> MPPE_SHOWN = Map.of("require-128", "Require 128-bit", "require-128-stateful",
            "Require 128-bit, stateful", "require-any", "Require, 40/56/128-bit", "optional", "Optional", "none", "None");
    /** Clients get addresses from the router's tunnel network: its tunnel address's /24. */
    static final int TUNNEL_PREFIX = 24;

    private VpnForm() {
    }

    /**
     * The settings, or null with the messages in {@code form.errors}.
     *
     * @param lans   the networks on the router's interfaces
     * @param routed the networks it routes into tunnels ({@link RoutedSubnets#routed}): the tunnel
     *               network must keep clear of them as of the LANs, and a network suggested instead
     *               must be one the page would take
     */
    static VpnSettings read(Form form, List<Subnet> lans, List<Subnet> routed) {
        return read(form, lans, routed, true);
    }

    /**
     * As {@link #read(Form, List, List)}; {@code addressRules} false leaves out the rules for the tunnel
     * address and the offered servers that came after the first firmware ({@link VpnAddresses}), for
     * an import: a backup from before them must restore, as the service runs with such values
     * (it names them in the event log, {@link VpnSettingsCheck#addressProblems}).
     */
    static VpnSettings read(Form form, List<Subnet> lans, List<Subnet> routed, boolean addressRules) {
        boolean enabled = form.checked("enabled");
        String listen = form.get("listen_address");
        if (!Ipv4.valid(listen)) {
            form.error("listen_address", "enter an IPv4 address such as 0.0.0.0 (every address) or 192.168.1.1");
        }
        int port = form.integer("port", "The port", 1, 65535);
        String local = form.get("local_address");
        String start = form.get("pool_start");
        String end = form.get("pool_end");
        boolean addressesValid = (addressRules ? checkTunnelAddress(form, local) : checkUnicast(form, "local_address", local))
                & checkUnicast(form, "pool_start", start)
                & checkUnicast(form, "pool_end", end);
        if (addressesValid) {
            int l = Ipv4.parse(local);
            int s = Ipv4.parse(start);
            int e = Ipv4.parse(end);
            Subnet tunnel = new Subnet("the tunnel", l, TUNNEL_PREFIX);
            String net = Ipv4.format(l & tunnel.mask()) + "/" + TUNNEL_PREFIX;
            if (Integer.compareUnsigned(s, e) > 0) {
                form.error("pool_end", "the pool ends before it starts");
            } else if (!tunnel.contains(s) || !tunnel.contains(e)) {
                form.error(tunnel.contains(s) ? "pool_end" : "pool_start",
                        "the pool must lie inside " + net + ", the tunnel network of the router's tunnel address");
            } else if ((s & ~tunnel.mask()) == 0 || (e & ~tunnel.mask()) == ~tunnel.mask()) {
                form.error((s & ~tunnel.mask()) == 0 ? "pool_start" : "pool_end",
                        "the network and broadcast addresses of " + net + " cannot be handed out");
            } else if (Integer.compareUnsigned(l, s) >= 0 && Integer.compareUnsigned(l, e) <= 0) {
                form.error("pool_start", "the pool contains the router's own tunnel address " + local);
            }
            // Clear of every network the save would refuse the tunnel on: a suggestion on a branch
            // office's network was refused in turn, or (before routed networks were refused here)
            // taken, and the office's hosts then answered to VPN clients' addresses.
            List<Subnet> taken = new java.util.ArrayList<>(lans);
            taken.addAll(routed);
            String free = RoutedSubnets.unused(taken);
            for (Subnet lan : lans) {
                // A routed tunnel network that overlaps one of the router's networks would make both
                // unreachable in part. Named by its side: the WAN's network called "the LAN" (its
                // port, eth0, said nothing to an owner) sent them looking for a clash on the LAN page.
                if (lan.contains(l) || new Subnet("", l, TUNNEL_PREFIX).contains(lan.network())) {
                    form.error("local_address", "the tunnel network " + net + " overlaps " + lan.described()
                            + ": VPN clients would not reach the hosts there. Use a network this router does not use,"
                            + " such as " + free + movedTo(free, l, s, e));
                }
                if (lan.contains(s) || lan.contains(e)) {
                    form.error(lan.contains(s) ? "pool_start" : "pool_end", "the pool overlaps " + lan.described()
                            + ": move it, with the router's tunnel address, to a network this router does not use,"
                            + " such as " + free);
                }
            }
            for (Subnet r : routed) {
                // The other way round the Users and Site-to-site pages refuse (RoutedSubnets.checkAgainstLocal).
                if (RoutedSubnets.overlap(tunnel, r)) {
                    form.error("local_address", "the tunnel network " + net + " overlaps " + RoutedSubnets.cidr(r)
                            + ", which this router routes to " + r.interfaceName() + ": VPN clients would be given"
                            + " addresses of hosts there. Use a network this router does not use, such as " + free
                            + movedTo(free, l, s, e));
                }
            }
        }
        for (String f : OFFERED_SERVERS) {
            String v = form.get(f);
            if (!v.isEmpty() && !Ipv4.valid(v)) {
                form.error(f, "enter an IPv4 address such as 192.168.1.1, or leave it empty");
            } else if (addressRules) {
                addressProblem(f, v).ifPresent(p -> form.error(f, p));
            }
        }
        if (form.get("dns_primary").isEmpty() && !form.get("dns_secondary").isEmpty()) {
            form.error("dns_secondary", "set the primary DNS server first");
        }
        if (form.get("wins_primary").isEmpty() && !form.get("wins_secondary").isEmpty()) {
            form.error("wins_secondary", "set the primary WINS server first");
        }
        Set<String> auth = new LinkedHashSet<>();
        for (String m : AUTH_METHODS) {
            if (form.all("auth").contains(m)) {
                auth.add(m);
            }
        }
        if (auth.isEmpty()) {
            form.error("auth", "allow at least one authentication method");
        }
        if (!form.all("auth").stream().allMatch(AUTH_METHODS::contains)) {
            form.error("auth", "unknown authentication method");
        }
        String mppe = form.get("mppe");
        if (!MPPE.contains(mppe)) {
            form.error("mppe", "choose one of the listed encryption policies");
        } else if (mppe.startsWith("require") && !auth.contains("mschapv2")) {
            // On the boxes, where the fix usually is: the summary's link lands on MS-CHAPv2's box.
            form.error("auth", "the encryption chosen below needs MS-CHAPv2, the only method that gives encryption"
                    + " keys: tick MS-CHAPv2, or choose Optional encryption below");
        }
        int max = form.integer("max_sessions", "Maximum sessions", 1, 1000);
        int idle = form.integer("idle_timeout", "The idle timeout", 0, 10080);
        if (!form.ok()) {
            return null;
        }
        return new VpnSettings(enabled, listen, port, local, start, end, form.get("dns_primary"),
                form.get("dns_secondary"), form.get("wins_primary"), form.get("wins_secondary"), auth, mppe, max, idle);
    }

    /**
     * The page's own rule, not an import's (a backup from before it must restore; the server then
     * offers MS-CHAPv2 alone where it is allowed, see PptpService.offered): PAP or CHAP-MD5 beside
     * required encryption.
     * Such a login can never bring a session up (no MPPE keys), yet its password crosses the
     * internet first: LCP and the login come before encryption (RFC 1661 §3.5), PAP's in clear,
     * and an attacker on the path can steer a client to any method offered.
     */
    static void checkKeylessMethods(Form form, VpnSettings s) {
        if (s.mppe().startsWith("require")
                && (s.authMethods().contains("pap") || s.authMethods().contains("chap-md5"))) {
            form.error("auth", "PAP and CHAP-MD5 give no encryption keys: with the encryption chosen below their"
                    + " logins always fail, after the password has crossed the internet (PAP's in clear). Untick them,"
                    + " or choose Optional encryption below");
        }
    }

    /**
     * Refuses settings that would strand users' static addresses: a pool that would contain one (a
     * client from the pool may hold it when its user logs in, who then gets a pool address, and the
     * pool would hand it out to anyone), or a tunnel address whose network would leave one out (routed
     * nowhere). The Users page's rule ({@link UserForm#staticAddressProblem}) from the other side.
     * Only addresses the settings in force allow: one stranded already (an import, the command line)
     * does not block an unrelated save, as the pool never hands it out.
     */
    static void checkStaticAddresses(Form form, VpnSettings old, VpnSettings s, List<UserRow> users) {
        List<String> inPool = new java.util.ArrayList<>();
        List<String> offNetwork = new java.util.ArrayList<>();
        String net = UserForm.tunnelNetwork(s);
        for (UserRow u : users) {
            String a = u.staticAddress();
            if (a == null || !Ipv4.valid(a) || validAddresses(old) && UserForm.staticAddressProblem(a, old).isPresent()) {
                continue;
            }
            UserForm.staticAddressProblem(a, s).ifPresent(p -> {
                switch (p) {
                    case IN_POOL -> inPool.add(u.name() + " (" + a + ")");
                    case OUTSIDE_TUNNEL -> offNetwork.add(u.name() + " (" + a + ", outside " + net + ")");
                    case ROUTERS_OWN -> offNetwork.add(u.name() + " (" + a + ", the router's own tunnel address)");
                    case NETWORK_OR_BROADCAST -> offNetwork.add(u.name() + " (" + a + ", the network or broadcast"
                            + " address of " + net + ")");
                }
            });
        }
        if (!inPool.isEmpty()) {
            boolean one = inPool.size() == 1;
            form.error("pool_start", "the pool " + s.poolStart() + "–" + s.poolEnd() + " would contain the static address"
                    + (one ? "" : "es") + " of " + joined(inPool) + ", which a client from the pool could hold when "
                    + (one ? "that user logs in" : "their users log in") + ": keep the pool clear of "
                    + (one ? "it" : "them") + ", or first give " + (one ? "that user" : "those users")
                    + " another static address (or none) on the Users page");
        }
        if (!offNetwork.isEmpty()) {
            boolean one = offNetwork.size() == 1;
            form.error("local_address", "the static address" + (one ? "" : "es") + " of " + joined(offNetwork)
                    + " would no longer work with the tunnel network " + net + ": first give "
                    + (one ? "that user an address" : "those users addresses") + " of " + net
                    + " outside the pool (or none) on the Users page, or keep the router's tunnel address as it was");
        }
    }

    /**
     * The owner's tunnel address and pool with their last numbers kept, in {@code free} (a /24 from
     * {@link RoutedSubnets#unused}), e.g. " (router's tunnel address 192.168.2.1, pool 192.168.2.10
     * to 192.168.2.50)": what to type, not only where. Empty when there is no such network, or the
     * pool's numbers would not fit one /24 as they are (its own message says why).
     */
    private static String movedTo(String free, int local, int start, int end) {
        int h = 0xFF;
        if (!free.endsWith(".0/24") || (start & ~h) != (local & ~h) || (end & ~h) != (local & ~h)
                || (start & h) == 0 || (end & h) == h || Integer.compareUnsigned(start, end) > 0) {
            return "";
        }
        String prefix = free.substring(0, free.length() - "0/24".length());
        return " (" + LABELS.get("local_address").toLowerCase(java.util.Locale.ROOT) + " " + prefix + (local & h)
                + ", pool " + prefix + (start & h) + " to " + prefix + (end & h) + ")";
    }

    private static boolean validAddresses(VpnSettings v) {
        return Ipv4.valid(v.localAddress()) && Ipv4.valid(v.poolStart()) && Ipv4.valid(v.poolEnd());
    }

    /** "a", "a and b", "a, b and c". */
    private static String joined(List<String> items) {
        int n = items.size();
        return n == 1 ? items.getFirst() : String.join(", ", items.subList(0, n - 1)) + " and " + items.getLast();
    }

    /**
     * The pool's size when it holds fewer addresses than {@code maxSessions} allows, else 0 (also
     * when a value is not valid: the field's own error says so). A call the pool has no address
     * for is refused as busy (RFC 2637 §2.8), as pptpd caps its calls at its remoteip addresses,
     * so the pool is the real limit then. Saved all the same, with a note: the defaults of earlier
     * versions (64 sessions, 50 addresses) were like that, and refusing them would leave an owner
     * unable to save an unrelated change until they understood why.
     */
    static int poolSmallerThanSessions(String poolStart, String poolEnd, String maxSessions) {
        if (!Ipv4.valid(poolStart) || !Ipv4.valid(poolEnd) || !maxSessions.matches("\\d{1,9}")) {
            return 0;
        }
        long size = Integer.toUnsignedLong(Ipv4.parse(poolEnd)) - Integer.toUnsignedLong(Ipv4.parse(poolStart)) + 1;
        return size >= 1 && size < Long.parseLong(maxSessions) ? (int) size : 0;
    }

    /** What the page says next to Maximum sessions when the pool holds fewer addresses; null when it does not. */
    static String sessionsBeyondPoolNote(String poolStart, String poolEnd, String maxSessions) {
        int size = poolSmallerThanSessions(poolStart, poolEnd, maxSessions);
        if (size == 0) {
            return null;
        }
        return "The pool " + poolStart + "–" + poolEnd + " holds " + size + " address" + (size == 1 ? "" : "es")
                + ", fewer than the " + maxSessions + " sessions allowed: at most " + size + " client"
                + (size == 1 ? "" : "s") + " can be connected at once (more only for users with a static address"
                + " outside the pool), and a call beyond that is refused as busy. Lower " + LABELS.get("max_sessions")
                + " to " + size + ", or widen the pool.";
    }

    /** The fields of the servers offered to clients (RFC 1877), DNS and WINS. */
    static final List<String> OFFERED_SERVERS = List.of("dns_primary", "dns_secondary", "wins_primary", "wins_secondary");

    /**
     * What is wrong with {@code v}, a valid IPv4 address or empty, as the router's tunnel address
     * ({@code local_address}) or a server offered to clients: the rules of {@link VpnAddresses},
     * which an import and the service's start apply too ({@link VpnSettingsCheck}). Empty for
     * another field, or when nothing is wrong.
     */
    static Optional<String> addressProblem(String field, String v) {
        if (!Ipv4.valid(v)) {
            return Optional.empty(); // empty, or the field's own syntax error
        }
        if (field.equals("local_address")) {
            return VpnAddresses.tunnelProblem(v, TUNNEL_PREFIX);
        }
        if (OFFERED_SERVERS.contains(field)) {
            return VpnAddresses.offeredServerProblem(v, field.startsWith("dns") ? "DNS" : "WINS");
        }
        return Optional.empty();
    }

    private static boolean checkTunnelAddress(Form form, String v) {
        if (!Ipv4.valid(v)) {
            form.error("local_address", "enter an IPv4 address such as 192.168.250.1");
            return false;
        }
        Optional<String> problem = addressProblem("local_address", v);
        problem.ifPresent(p -> form.error("local_address", p));
        return problem.isEmpty();
    }

    private static boolean checkUnicast(Form form, String field, String v) {
        if (!Ipv4.valid(v)) {
            form.error(field, "enter an IPv4 address such as 192.168.250.1");
            return false;
        }
        int a = Ipv4.parse(v);
        int first = a >>> 24;
        if (first == 0 || first == 127 || first >= 224) {
            form.error(field, v + " cannot be used here (this-network, loopback, multicast or reserved)");
            return false;
        }
        return true;
    }

    /** The stored settings as form values, for the first display of the page. */
    static Map<String, Object> values(VpnSettings s) {
        Map<String, Object> v = new java.util.LinkedHashMap<>();
        if (s.enabled()) {
            v.put("enabled", "on");
        }
        v.put("listen_address", s.listenAddress());
        v.put("port", String.valueOf(s.port()));
        v.put("local_address", s.localAddress());
        v.put("pool_start", s.poolStart());
        v.put("pool_end", s.poolEnd());
        v.put("dns_primary", s.dnsPrimary());
        v.put("dns_secondary", s.dnsSecondary());
        v.put("wins_primary", s.winsPrimary());
        v.put("wins_secondary", s.winsSecondary());
        v.put("mppe", s.mppe());
        v.put("max_sessions", String.valueOf(s.maxSessions()));
        v.put("idle_timeout", String.valueOf(s.idleTimeoutMinutes()));
        return v;
    }
}
