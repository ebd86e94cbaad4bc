package org.homerouter.appliance;

import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.tunnel.TunnelDeviceFactory;

/**
 * Where the VPN server's packets go: on Linux a raw GRE socket and TUN devices (netfilter-bridge);
 * in tests the engine's in-memory doubles. Null members mean the data plane is unavailable (no
 * CAP_NET_RAW/CAP_NET_ADMIN): control connections still work, sessions cannot start.
 *
 * @param unavailableReason one plain sentence for the log and the UI when unavailable, else null
 * @param resources         what to close at shutdown (sockets, reader threads, firewall rules)
 */
public record DataPlane(GreTransport gre, TunnelDeviceFactory devices, String unavailableReason,
                        AutoCloseable resources) implements AutoCloseable {
    public boolean available() {
        return gre != null && devices != null;
    }

    public static DataPlane unavailable(String reason) {
        return new DataPlane(null, null, reason, () -> { });
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(DataPlane.class).warn("closing the data plane: {}", e.toString());
        }
    }
}
