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
 * The router image's input chain against a ping flood (its nftables.conf, in namespaces of the
 * test's own): from the internet, answered at most at the rule's rate after its burst; an
 * occasional ping, and every ping from the LAN, answered as before.
 *
 * <pre>
 *  internet 198.51.100.2 --eth0-- [router] --eth1-- 192.168.1.2 lan
 * </pre>
 */
@Tag("root")
class WanPingLimitTest {
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
