package org.homerouter.bridge.route;

import java.io.IOException;
import java.time.Duration;
import org.homerouter.bridge.netns.Netns;

/**
 * A router with a default route to the internet and a LAN host behind it, each in a namespace of
 * its own, for the fail-closed tests.
 *
 * <pre>
 *  host 10.10.1.2 --- 10.10.1.1 [router] 10.98.0.1 --- 10.98.0.2 [internet, FAR on lo]
 * </pre>
 */
record LanRouterInternet(Netns host, Netns router, Netns internet) implements AutoCloseable {
    /** An address beyond the router's networks: reached only by its default route. */
    static final String FAR = "198.51.100.1";

    /** @param prefix a few letters naming the test's namespaces */
    static LanRouterInternet create(String prefix) throws IOException {
        Netns router = Netns.create(prefix + "r");
        Netns host = Netns.create(prefix + "h");
        Netns internet = Netns.create(prefix + "i");
        LanRouterInternet t = new LanRouterInternet(host, router, internet);
        try {
            Netns.linkVeth(host, "lan", "10.10.1.2/24", router, "lan", "10.10.1.1/24");
            Netns.linkVeth(router, "wan", "10.98.0.1/24", internet, "wan", "10.98.0.2/24");
            router.exec(Duration.ofSeconds(5), "sysctl", "-qw", "net.ipv4.ip_forward=1");
            router.ip("route", "add", "default", "via", "10.98.0.2");
            host.ip("route", "add", "default", "via", "10.10.1.1");
            internet.ip("addr", "add", FAR + "/32", "dev", "lo");
            internet.ip("route", "add", "10.10.1.0/24", "via", "10.98.0.1");
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    @Override
    public void close() throws IOException {
        Netns.closeAll(host, internet, router);
    }
}
