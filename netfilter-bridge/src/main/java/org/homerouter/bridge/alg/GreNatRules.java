package org.homerouter.bridge.alg;

import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.pptp.alg.GreMapping;
import org.homerouter.pptp.alg.GreMappingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel half of the ALG's GRE NAT: per connected call, four nftables rules in table
 * {@value #TABLE}, added in one {@code nft -f} transaction and deleted in one:
 * <ol>
 *   <li>prerouting, before conntrack (priority raw): GRE from the server to the public address
 *       whose key call ID (octets 6–7 of the enhanced GRE header, RFC 2637 §4.1: {@code @th,48,16})
 *       is the NAT ID is taken out of conntrack, its destination set to the LAN client and its
 *       call ID to the client's own;</li>
 *   <li>prerouting, priority raw: GRE from the client to the server with the server's call ID is
 *       taken out of conntrack, and accepted there: it never reaches the guards below;</li>
 *   <li>postrouting: that GRE leaves with the public address as its source;</li>
 *   <li>prerouting, at the chain's end (a guard): GRE to the server with the server's call ID from
 *       anyone else is dropped. Without it, another LAN host (or VPN client) that guessed the 16-bit
 *       ID matched no rule of the call, was tracked as ordinary GRE, passed the forward chain
 *       ({@code iifname $LAN oifname $WAN accept}) and was masqueraded to the same public address:
 *       the server took it for the call's, and a clear-text LCP Terminate-Request (MPPE encrypts no
 *       PPP control packet) ended the client's tunnel. The kernel's {@code nf_nat_pptp} lets it through
 *       too. A host that sends with the client's own address is not told apart (the LAN is one
 *       link).</li>
 * </ol>
 * So the GRE of a call is NATed statelessly, per call, by the kernel: it never reaches the JVM,
 * and two LAN clients with the same call ID towards one server never meet in conntrack (which,
 * without the kernel's PPTP helper and its keymap, tracks GRE by addresses only). nft updates the
 * IP header checksum itself; PPTP's GRE carries no checksum (RFC 2637 §4.1: C bit 0).
 * Each rule counts, which gives the UI its bytes and the tracker its activity.
 */
public final class GreNatRules implements GreMappingListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GreNatRules.class);
    /** Two lines a call: a LAN host calling its own server outside sets their pace. */
    private static final org.homerouter.pptp.LogLimit LOGGED = new org.homerouter.pptp.LogLimit();
    public static final String TABLE = "homerouter_alg";
    private static final Pattern HANDLE = Pattern.compile("# handle (\\d+)");
    private static final Pattern COUNTER = Pattern.compile("counter packets (\\d+) bytes (\\d+).*# handle (\\d+)");
    /** A line of the listing that opens a chain, and one that is a call's rule (by its comment, {@link #rules}). */
    private static final Pattern CHAIN_LINE = Pattern.compile("^\\s*chain (\\S+) \\{");
    private static final Pattern CALL_RULE = Pattern.compile("comment \"pptp .*# handle (\\d+)\\s*$");

    /** A call's rules by handle: inbound (server to client), outbound notrack, outbound SNAT, guard. */
    private record Handles(long in, long outNotrack, long outSnat, long guard) {
        List<Long> all() {
            return List.of(in, outNotrack, outSnat, guard);
        }
    }

    /** Cumulative GRE octets of one call, as the kernel counted them. */
    public record Counters(long bytesToClient, long bytesToServer) {
    }

    private final AdminCommands commands;
    private final Map<GreMapping, Handles> installed = new LinkedHashMap<>();
    /**
     * Ended calls whose rules could not all be deleted: deleted at the next {@link #reconcile}.
     * Left in, they would send that server's GRE for that NAT ID to the old client until the ID is
     * given out again, and pile up.
     */
    private final List<Handles> leftBehind = new java.util.ArrayList<>();
    private boolean tableInstalled;

    /** @param netns run nft inside this namespace (tests), or null for our own */
    public GreNatRules(String netns) {
        this(new AdminCommands(netns));
    }

    GreNatRules(AdminCommands commands) {
        this.commands = commands;
    }

    /** Creates the (empty) table, replacing one left by a crash, in one transaction. */
    public synchronized void install() throws IOException {
        commands.run(String.join("\n",
                "table ip " + TABLE + " {}",
                "delete table ip " + TABLE,
                "table ip " + TABLE + " {",
                "  chain pre {",
                "    type filter hook prerouting priority raw; policy accept;",
                "  }",
                "  chain post {",
                "    type filter hook postrouting priority srcnat; policy accept;",
                "  }",
                // A server sends GRE right after its Outgoing-Call-Reply, which can beat the call's
                // rules by the few ms nft takes. The router, with no GRE socket of its own, would
                // answer it with ICMP protocol-unreachable, and pptpd's GRE sockets connected to our
                // public address then fail with ENOPROTOOPT and drop every call through us (seen
                // with Debian's pptpd). Unmatched GRE is silently lost instead; PPP retransmits.
                "  chain out {",
                "    type filter hook output priority filter; policy accept;",
                "    icmp type destination-unreachable icmp code prot-unreachable drop",
                "  }",
                "}",
                ""), "nft", "-f", "-");
        tableInstalled = true;
    }

    /**
     * The rules of one call, as nft reads them, nft echoing their handles in this order. Inserted at
     * the head of their chains, not appended: should an ended call's rules have stayed behind (their
     * delete failed), a new call that reuses its NAT ID towards the same server must still win, or its
     * GRE would go to the old client. The guard alone is appended, so that every call's notrack rule
     * (which accepts) comes before every guard: a guard names its own client only, and two calls to
     * one server with the same server call ID (an ended call's rules left behind, or two clients NATed
     * to two public addresses) must not drop each other's GRE.
     */
    static String rules(GreMapping m) {
        String server = m.server().getHostAddress();
        String client = m.client().getHostAddress();
        String pub = m.publicAddress().getHostAddress();
        String tag = " comment \"pptp " + client + "#" + m.clientCallId() + " nat " + m.natCallId() + "\"";
        return String.join("\n",
                "insert rule ip " + TABLE + " pre ip saddr " + server + " ip daddr " + pub
                        + " ip protocol gre @th,48,16 " + m.natCallId()
                        + " counter notrack ip daddr set " + client + " @th,48,16 set " + m.clientCallId() + tag,
                "insert rule ip " + TABLE + " pre ip saddr " + client + " ip daddr " + server
                        + " ip protocol gre @th,48,16 " + m.serverCallId() + " counter notrack accept" + tag,
                "insert rule ip " + TABLE + " post ip saddr " + client + " ip daddr " + server
                        + " ip protocol gre @th,48,16 " + m.serverCallId() + " ip saddr set " + pub + tag,
                // In prerouting: it sees GRE that arrives from hosts (the LAN's, VPN clients' on
                // pptp*), never the router's own (the VPN server's, the dial-out's), which leaves
                // through output. With passthrough off the table is gone, and with it every guard.
                "add rule ip " + TABLE + " pre ip daddr " + server + " ip protocol gre @th,48,16 " + m.serverCallId()
                        + " ip saddr != " + client + " counter drop" + tag,
                "");
    }

    /** Told each call whose rules could not be put in, in the owner's words; must return at once. */
    private volatile java.util.function.Consumer<String> failures = why -> { };

    public void onFailure(java.util.function.Consumer<String> sink) {
        this.failures = sink;
    }

    @Override
    public synchronized void mapped(GreMapping m) {
        if (installed.containsKey(m)) {
            return; // in already (a repair raced the tracker)
        }
        try {
            String echoed = commands.run(rules(m), "nft", "--echo", "--handle", "-f", "-");
            Matcher h = HANDLE.matcher(echoed);
            long[] handles = new long[4];
            for (int i = 0; i < handles.length; i++) {
                if (!h.find()) {
                    throw new IOException("nft did not echo the handles: " + echoed);
                }
                handles[i] = Long.parseLong(h.group(1));
            }
            installed.put(m, new Handles(handles[0], handles[1], handles[2], handles[3]));
            String note = LOGGED.admit();
            if (note != null) {
                LOG.info("alg: GRE NAT rules in for {}{}", m, note);
            }
        } catch (IOException e) {
            LOG.error("alg: could not install the GRE NAT of {}: {}", m, e.getMessage());
            failures.accept(m.client().getHostAddress() + "'s PPTP call to " + m.server().getHostAddress()
                    + " carries nothing yet: its GRE NAT rules could not be put in (" + e.getMessage()
                    + "); tried again every few seconds");
        }
    }

    @Override
    public synchronized void unmapped(GreMapping m) {
        Handles h = installed.remove(m);
        if (h == null) {
            return;
        }
        try {
            delete(h, handle -> true);
            String note = LOGGED.admit();
            if (note != null) {
                LOG.info("alg: GRE NAT rules out for {}{}", m, note);
            }
        } catch (IOException e) {
            LOG.error("alg: could not remove the GRE NAT of {}: {}; tried again in a few seconds", m, e.getMessage());
            leftBehind.add(h);
        }
    }

    /** Deletes, in one transaction, those of the call's rules that {@code present} admits. */
    private void delete(Handles h, java.util.function.LongPredicate present) throws IOException {
        StringBuilder batch = new StringBuilder();
        String[] chains = {"pre", "pre", "post", "pre"};
        List<Long> handles = h.all();
        for (int i = 0; i < chains.length; i++) {
            if (present.test(handles.get(i))) {
                batch.append("delete rule ip ").append(TABLE).append(' ').append(chains[i]).append(" handle ")
                        .append(handles.get(i)).append('\n');
            }
        }
        if (!batch.isEmpty()) {
            commands.run(batch.toString(), "nft", "-f", "-");
        }
    }

    /** Whether the call's rules are in, as far as this object knows ({@link #reconcile}). */
    public synchronized boolean has(GreMapping m) {
        return installed.containsKey(m);
    }

    /**
     * Reads the table once: forgets the calls whose rules are no longer in it, so that they are
     * put in again ({@link PassthroughAlg#refresh}), creating the table again, empty, if it is gone
     * (an administrator's {@code nft flush ruleset}, or {@code systemctl restart nftables}, whose
     * configuration starts with that flush); and returns the GRE octet counters of the rest.
     */
    public synchronized Map<GreMapping, Counters> reconcile() throws IOException {
        String listing;
        try {
            listing = commands.run(null, "nft", "--handle", "list", "table", "ip", TABLE);
        } catch (IOException e) {
            if (!AdminCommands.notThere(e)) {
                throw e;
            }
            installed.clear();
            leftBehind.clear();
            LOG.warn("alg: table {} was removed from under the ALG: created again", TABLE);
            install();
            return Map.of();
        }
        java.util.Set<Long> handles = new java.util.HashSet<>();
        Matcher h = HANDLE.matcher(listing);
        while (h.find()) {
            handles.add(Long.parseLong(h.group(1)));
        }
        java.util.Set<Long> known = new java.util.HashSet<>();
        for (Handles r : installed.values()) {
            known.addAll(r.all());
        }
        for (Handles r : leftBehind) {
            known.addAll(r.all());
        }
        installed.values().removeIf(rules -> {
            boolean whole = handles.containsAll(rules.all());
            if (!whole) {
                // Put in again whole by the caller; what is left of these goes below, or it would
                // stay for good beside the new ones.
                leftBehind.add(rules);
            }
            return !whole;
        });
        // Only the rules still in the table: deleting one that is gone fails the whole batch.
        leftBehind.removeIf(rules -> {
            try {
                delete(rules, handles::contains);
                LOG.info("alg: GRE NAT rules of an ended call removed on a second try");
                return true;
            } catch (IOException e) {
                LOG.warn("alg: still cannot remove an ended call's GRE NAT rules: {}", e.getMessage());
                return false;
            }
        });
        deleteUnknown(listing, known);
        Map<Long, Long> bytes = new HashMap<>();
        for (String line : listing.split("\n")) {
            Matcher c = COUNTER.matcher(line);
            if (c.find()) {
                bytes.put(Long.parseLong(c.group(3)), Long.parseLong(c.group(2)));
            }
        }
        Map<GreMapping, Counters> out = new HashMap<>();
        installed.forEach((m, r) -> out.put(m, new Counters(bytes.getOrDefault(r.in(), 0L),
                bytes.getOrDefault(r.outNotrack(), 0L))));
        return out;
    }

    /**
     * Deletes the calls' rules (by their comment) in {@code listing} whose handles this object does
     * not know: an nft that put a call's rules in and was killed at its timeout before it echoed
     * their handles. The call's rules go in again, with handles, at the next repair; the unknown ones
     * would outlive the call and send its server's GRE for that NAT ID to its client until the ID is
     * given out again. A failure is tried again at the next reconcile, from its new listing.
     */
    private void deleteUnknown(String listing, java.util.Set<Long> known) {
        StringBuilder batch = new StringBuilder();
        int count = 0;
        String chain = null;
        for (String line : listing.split("\n")) {
            Matcher c = CHAIN_LINE.matcher(line);
            if (c.find()) {
                chain = c.group(1);
                continue;
            }
            Matcher r = CALL_RULE.matcher(line);
            if (chain != null && r.find() && !known.contains(Long.parseLong(r.group(1)))) {
                batch.append("delete rule ip ").append(TABLE).append(' ').append(chain).append(" handle ")
                        .append(r.group(1)).append('\n');
                count++;
            }
        }
        if (count == 0) {
            return;
        }
        try {
            commands.run(batch.toString(), "nft", "-f", "-");
            LOG.warn("alg: removed {} GRE NAT rule(s) of no call (an nft killed at its timeout had put them in)", count);
        } catch (IOException e) {
            LOG.warn("alg: {} GRE NAT rule(s) of no call could not be removed: {}; tried again in a few seconds", count,
                    e.getMessage());
        }
    }

    /** How many calls have rules in the kernel. */
    public synchronized int size() {
        return installed.size();
    }

    /** The calls whose rules are in, in installation order. */
    public synchronized List<GreMapping> mappings() {
        return List.copyOf(installed.keySet());
    }

    /**
     * Deletes the table and with it every call's rules, and forgets them: the ALG is stopping, and
     * what nft could not delete goes by the table's name ({@link PassthroughAlg#removeLeftovers}),
     * not call by call. Idempotent.
     *
     * @throws IOException when nft could not delete the table (a timeout on a busy board): it is
     *                     still in, with the rules of the calls that were up
     */
    public synchronized void remove() throws IOException {
        if (!tableInstalled) {
            return;
        }
        installed.clear();
        leftBehind.clear();
        tableInstalled = false;
        try {
            commands.run(null, "nft", "delete", "table", "ip", TABLE);
        } catch (IOException e) {
            if (!AdminCommands.notThere(e)) {
                throw e;
            }
        }
    }

    /** {@link #remove}, saying in the log when the table stayed. */
    @Override
    public synchronized void close() {
        try {
            remove();
        } catch (IOException e) {
            LOG.error("alg: table {} is still in, with its calls' GRE NAT rules: it could not be removed: {}", TABLE,
                    e.getMessage());
        }
    }
}
