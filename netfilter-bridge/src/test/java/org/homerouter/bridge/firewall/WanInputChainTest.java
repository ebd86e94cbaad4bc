package org.homerouter.bridge.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router image's input chain from the internet (its nftables.conf, in namespaces of the
 * test's own): a ping flood answered at most at the rule's rate after its burst, an occasional
 * ping and every ping from the LAN answered as before; the DHCP client's port open to servers only.
 *
 * <pre>
 *  internet 198.51.100.2 --eth0-- [router] --eth1-- 192.168.1.2 lan
 * </pre>
 */
@Tag("root")
class WanInputChainTest {
    private static final Pattern RECEIVED = Pattern.compile("(\\d+) received");

    @TempDir
    Path dir;

    private Netns router;
    private Netns internet;
    private Netns lan;

    @BeforeEach
    void namespaces() throws Exception {
        router = Netns.create("wplr");
        internet = Netns.create("wpli");
        lan = Netns.create("wpll");
        Netns.linkVeth(internet, "veth0", "198.51.100.2/24", router, "eth0", "198.51.100.1/24");
        Netns.linkVeth(router, "eth1", "192.168.1.1/24", lan, "veth0", "192.168.1.2/24");
        Path conf = dir.resolve("nftables.conf");
        Files.copy(Path.of("..", "image", "overlay", "etc", "nftables.conf"), conf);
        CommandResult loaded = router.exec(Duration.ofSeconds(10), "nft", "-f", conf.toString());
        assertTrue(loaded.succeeded(), loaded.toString());
    }

    @AfterEach
    void deleteNamespaces() throws Exception {
        Netns.closeAll(internet, lan, router);
    }

    /**
     * The WAN's DHCP client port takes what a DHCP server or relay sends (from port 67, RFC 2131
     * §4.1), not any datagram from the internet: before, every source port reached networkd's client.
     */
    @Test
    void theDhcpClientPortTakesOnlyWhatComesFromADhcpServersPort() throws Exception {
        Process listener = new ProcessBuilder("ip", "netns", "exec", router.name(), "python3", "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind(('198.51.100.1', 68)); s.settimeout(4); print('listening', flush=True)",
                "try:",
                "    while True: print(s.recv(100).decode(), flush=True)",
                "except socket.timeout: pass")).redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(listener.getInputStream()))) {
            assertEquals("listening", out.readLine());
            for (String[] from : new String[][] {{"5000", "stranger"}, {"67", "server"}}) {
                CommandResult sent = internet.exec(Duration.ofSeconds(10), "python3", "-c", "import socket; "
                        + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('198.51.100.2', " + from[0]
                        + ")); s.sendto(b'" + from[1] + "', ('198.51.100.1', 68))");
                assertTrue(sent.succeeded(), sent.toString());
            }
            String received = out.lines().collect(java.util.stream.Collectors.joining(","));
            assertEquals("server", received, "what reached the DHCP client's port");
        } finally {
            listener.destroyForcibly();
        }
    }

    /** Replies to 400 echo requests sent 2 ms apart (0.8 s), as {@code ping} counts them. */
    private static int flood(Netns from, String to) throws Exception {
        CommandResult r = from.exec(Duration.ofSeconds(20), "ping", "-q", "-n", "-c", "400", "-i", "0.002", "-W", "1", to);
        Matcher m = RECEIVED.matcher(r.output());
        assertTrue(m.find(), r.toString());
        return Integer.parseInt(m.group(1));
    }

    @Test
    void aPingFloodFromTheInternetIsAnsweredAtTheRulesRateAndTheLanIsNot() throws Exception {
        CommandResult some = internet.exec(Duration.ofSeconds(10), "ping", "-c", "3", "-i", "0.2", "-W", "1", "198.51.100.1");
        assertTrue(some.succeeded() && some.output().contains("3 received"), "a few pings are answered: " + some);

        long started = System.nanoTime();
        int fromInternet = flood(internet, "198.51.100.1");
        double seconds = (System.nanoTime() - started) / 1e9;
        // 50 at once, then 10 a second for as long as the flood lasted (0.8 s and up on a loaded
        // machine; the 3 above took from the same bucket).
        assertTrue(fromInternet >= 40 && fromInternet <= 50 + 10 * seconds + 5,
                fromInternet + " of 400 answered in " + seconds + " s");
        assertEquals(400, flood(lan, "192.168.1.1"), "the LAN's pings are not limited");
    }
}
