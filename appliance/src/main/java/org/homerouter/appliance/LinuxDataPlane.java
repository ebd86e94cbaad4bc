package org.homerouter.appliance;

import java.io.IOException;
import org.homerouter.bridge.DataPlaneProbe;
import org.homerouter.bridge.DataPlaneStatus;
import org.homerouter.bridge.firewall.ServerFirewall;
import org.homerouter.bridge.gre.RawGreSocket;
import org.homerouter.bridge.io.EventLoop;
import org.homerouter.bridge.tun.TunDeviceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The data plane on this Linux machine: raw GRE socket, TUN devices and the server's nftables rules. */
final class LinuxDataPlane {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxDataPlane.class);
    /**
     * System property: "false" gives the raw GRE socket and the TUN devices a receive thread each
     * instead of one shared {@link EventLoop} ("data-path"). One loop saves the cross-thread
     * wake-ups of a tunnel's two directions (see EventLoop); separate threads spread one busy
     * tunnel's two directions over two cores, which a machine with cores to spare may prefer.
     */
    static final String SHARED_LOOP_PROPERTY = "homerouter.datapath.sharedLoop";

    private LinuxDataPlane() {
    }

    /** For the engine's client: GRE and TUN only. */
    static DataPlane open() {
        return open(false);
    }

    /**
     * @param server also install the server's kernel policy (forwarding, MSS clamp, isolation)
     */
    static DataPlane open(boolean server) {
        DataPlaneStatus status = DataPlaneProbe.probe();
        if (!status.available()) {
            return DataPlane.unavailable(status.message());
        }
        EventLoop loop = null;
        RawGreSocket gre = null;
        TunDeviceFactory devices = null;
        ServerFirewall firewall = null;
        try {
            if (!"false".equalsIgnoreCase(System.getProperty(SHARED_LOOP_PROPERTY))) {
                loop = EventLoop.start("data-path");
            }
            gre = RawGreSocket.open(null, loop);
            devices = new TunDeviceFactory(loop);
            if (server) {
                // ppp*: the site-to-site dial-out's device, clamped for the LAN's TCP but not isolated.
                firewall = new ServerFirewall("pptp*", java.util.List.of("ppp*"), null);
                try {
                    withRetries("the VPN server's firewall rules", firewall::apply, FIREWALL_PAUSES);
                } catch (IOException e) {
                    throw new IOException("the VPN server's firewall rules could not be put in: " + e.getMessage()
                            + "; restarting the router tries again", e);
                }
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(gre == null ? null : gre::close, devices, firewall, loop);
            return DataPlane.unavailable("Linux data plane unavailable: " + e.getMessage()
                    + "; PPTP control and the UI keep running");
        }
        RawGreSocket g = gre;
        TunDeviceFactory d = devices;
        ServerFirewall f = firewall;
        EventLoop l = loop;
        LOG.info("data plane: raw GRE socket and TUN devices ready, {}", loop == null
                ? "each read on a thread of its own" : "read on one thread (" + loop.name() + ")");
        return new DataPlane(gre, devices, null, () -> closeQuietly(f, d, g::close, l), l == null ? null : l::execute,
                f == null ? BranchShares.NONE : device -> new IndexShare(f, f.branchShare(device)));
    }

    /**
     * The pauses between tries of the server's firewall rules at start. Its nft can time out on a
     * busy boot (AdminCommands' 10 s); without those rules no session may start (they keep the
     * sessions apart), and nothing tries again later: a failure on the first try left the router
     * refusing every VPN client until someone restarted it.
     */
    static final java.util.List<java.time.Duration> FIREWALL_PAUSES = java.util.List.of(
            java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(10));

    /** Makes {@code change}, trying again after each of {@code pauses} while it fails; the last failure is thrown. */
    static void withRetries(String what, KernelRetry.Change change, java.util.List<java.time.Duration> pauses)
            throws IOException {
        for (int tried = 0; ; tried++) {
            try {
                change.make();
                if (tried > 0) {
                    LOG.info("{}: in at try {}", what, tried + 1);
                }
                return;
            } catch (IOException e) {
                if (tried == pauses.size()) {
                    throw new IOException(e.getMessage() + " (" + (tried + 1) + " tries)", e);
                }
                LOG.warn("{} could not be put in: {}; trying again in {} s", what, e.getMessage(),
                        pauses.get(tried).toSeconds());
                try {
                    Thread.sleep(pauses.get(tried));
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception e) {
                    LOG.debug("closing {}: {}", r, e.toString());
                }
            }
        }
    }

    /** A branch's share, given to the device of kernel index {@code index}. */
    private record IndexShare(ServerFirewall firewall, int index) implements BranchShares.Given {
        @Override
        public void takeBack() throws IOException {
            firewall.plainShare(index);
        }

        @Override
        public boolean sameDeviceAs(BranchShares.Given other) {
            return other instanceof IndexShare o && o.index == index;
        }
    }
}
