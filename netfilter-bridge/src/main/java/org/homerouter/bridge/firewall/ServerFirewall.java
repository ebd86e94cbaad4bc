package org.homerouter.bridge.firewall;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel policy of the VPN server's data plane, as one nftables table that is replaced
 * atomically ({@code nft -f} applies a whole file in one transaction) and deleted at shutdown:
 * <ul>
 *   <li>IP forwarding on, so session traffic reaches the LAN (the pool is a routed subnet: the
 *       router is the LAN's default gateway, so no proxy ARP is needed);</li>
 *   <li>TCP MSS clamped to the route MTU on the tunnel devices, so TCP through a 1400-octet
 *       tunnel never depends on ICMP "fragmentation needed" getting through;</li>
 *   <li>traffic from one session's device to another's dropped: dial-in users reach the LAN,
 *       not each other;</li>
 *   <li>a packet from a session device whose source address is not routed back into that device
 *       dropped: a client cannot pose as another client, the LAN or anyone else.</li>
 * </ul>
 */
public final class ServerFirewall implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerFirewall.class);
    public static final String TABLE = "homerouter_pptp";

    private final String devicePattern;
    private final List<String> clampedToo;
    private final AdminCommands commands;
    private boolean applied;

    /**
     * @param devicePattern the session devices' name pattern, e.g. "pptp*"
     * @param netns         run nft inside this network namespace (tests), or null for our own
     */
    public ServerFirewall(String devicePattern, String netns) {
        this(devicePattern, List.of(), netns);
    }

    /**
     * @param clampedToo other tunnel devices whose TCP MSS is clamped too but which are not
     *                   isolated, e.g. the site-to-site dial-out's "ppp*": LAN hosts send 1460-octet
     *                   segments that only fit its smaller MTU if they are told so in the SYN
     */
    public ServerFirewall(String devicePattern, List<String> clampedToo, String netns) {
        this.devicePattern = devicePattern;
        this.clampedToo = List.copyOf(clampedToo);
        this.commands = new AdminCommands(netns);
    }

    /** The rule set, as nft reads it. Deleting and re-adding the table in one file is atomic. */
    String ruleset() {
        String dev = "\"" + devicePattern + "\"";
        List<String> lines = new ArrayList<>(List.of(
                "table inet " + TABLE + " {}",
                "delete table inet " + TABLE,
                "table inet " + TABLE + " {",
                // Strict reverse-path check on the session devices: a packet whose source is not
                // routed back through the device it came in on (the session's own address, or a
                // branch office's routed subnets) is dropped, to the LAN and to the router alike.
                // rp_filter does this only where the image's sysctl sets it; this table goes with us.
                "  chain prerouting {",
                "    type filter hook prerouting priority filter; policy accept;",
                "    iifname " + dev + " fib saddr . iif oif missing counter drop comment \"a session sends only from its own addresses\"",
                "  }",
                "  chain forward {",
                "    type filter hook forward priority filter; policy accept;",
                "    iifname " + dev + " oifname " + dev + " counter drop comment \"sessions never reach each other\""));
        List<String> clamped = new ArrayList<>(List.of(devicePattern));
        clamped.addAll(clampedToo);
        for (String pattern : clamped) {
            lines.add("    iifname \"" + pattern + "\" tcp flags syn tcp option maxseg size set rt mtu");
            lines.add("    oifname \"" + pattern + "\" tcp flags syn tcp option maxseg size set rt mtu");
        }
        lines.addAll(List.of("  }", "}", ""));
        return String.join("\n", lines);
    }

    /** Turns forwarding on and installs the table (replacing any left by a crash). */
    public void apply() throws IOException {
        sysctl("net/ipv4/ip_forward", "1");
        commands.run(ruleset(), "nft", "-f", "-");
        applied = true;
        LOG.info("firewall: forwarding on, MSS clamped on {} devices, sessions isolated from each other"
                        + " and held to their own addresses",
                clampedToo.isEmpty() ? devicePattern : devicePattern + " and " + String.join(", ", clampedToo));
    }

    /** Removes the table; forwarding stays as it is (other services of the router may need it). */
    @Override
    public void close() {
        if (!applied) {
            return;
        }
        try {
            commands.run(null, "nft", "delete", "table", "inet", TABLE);
            applied = false;
        } catch (IOException e) {
            LOG.warn("firewall: could not remove table {}: {}", TABLE, e.getMessage());
        }
    }

    private void sysctl(String key, String value) throws IOException {
        if (!commands.inOtherNamespace()) {
            Files.writeString(Path.of("/proc/sys", key), value);
        } else {
            commands.run(null, "sysctl", "-q", "-w", key.replace('/', '.') + "=" + value);
        }
    }
}
