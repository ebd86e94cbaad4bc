package org.homerouter.bridge.firewall;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 *       not each other.</li>
 * </ul>
 */
public final class ServerFirewall implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerFirewall.class);
    public static final String TABLE = "homerouter_pptp";

    private final String devicePattern;
    private final List<String> prefix;
    private boolean applied;

    /**
     * @param devicePattern the session devices' name pattern, e.g. "pptp*"
     * @param netns         run nft inside this network namespace (tests), or null for our own
     */
    public ServerFirewall(String devicePattern, String netns) {
        this.devicePattern = devicePattern;
        this.prefix = netns == null ? List.of() : List.of("ip", "netns", "exec", netns);
    }

    /** The rule set, as nft reads it. Deleting and re-adding the table in one file is atomic. */
    String ruleset() {
        String dev = "\"" + devicePattern + "\"";
        return String.join("\n",
                "table inet " + TABLE + " {}",
                "delete table inet " + TABLE,
                "table inet " + TABLE + " {",
                "  chain forward {",
                "    type filter hook forward priority filter; policy accept;",
                "    iifname " + dev + " oifname " + dev + " counter drop comment \"sessions never reach each other\"",
                "    iifname " + dev + " tcp flags syn tcp option maxseg size set rt mtu",
                "    oifname " + dev + " tcp flags syn tcp option maxseg size set rt mtu",
                "  }",
                "}",
                "");
    }

    /** Turns forwarding on and installs the table (replacing any left by a crash). */
    public void apply() throws IOException {
        sysctl("net/ipv4/ip_forward", "1");
        run(List.of("nft", "-f", "-"), ruleset());
        applied = true;
        LOG.info("firewall: forwarding on, MSS clamped on {} devices, sessions isolated from each other", devicePattern);
    }

    /** Removes the table; forwarding stays as it is (other services of the router may need it). */
    @Override
    public void close() {
        if (!applied) {
            return;
        }
        try {
            run(List.of("nft", "delete", "table", "inet", TABLE), null);
            applied = false;
        } catch (IOException e) {
            LOG.warn("firewall: could not remove table {}: {}", TABLE, e.getMessage());
        }
    }

    private void sysctl(String key, String value) throws IOException {
        if (prefix.isEmpty()) {
            Files.writeString(Path.of("/proc/sys", key), value);
        } else {
            run(List.of("sysctl", "-q", "-w", key.replace('/', '.') + "=" + value), null);
        }
    }

    private void run(List<String> command, String stdin) throws IOException {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", full) + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
    }
}
