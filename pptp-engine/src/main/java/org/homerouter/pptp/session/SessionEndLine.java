package org.homerouter.pptp.session;

/**
 * What a session's "session ended" log line says besides why it ended: the user, the tunnel device,
 * how long the session lasted and the IP it carried each way ("in" from the peer, "out" to it), all
 * of which the session knows without a cost per packet. Without them the owner had to match the
 * line by its call ID to the login line, the IPCP line and /metrics, which a small journal may no
 * longer hold.
 */
final class SessionEndLine {
    private SessionEndLine() {
    }

    /**
     * " [user alice, device ppp0, 1 h 2 min 5 s, 1234567 bytes in, 89 bytes out]"; the user and
     * the device left out where there were none, the bytes where IP was never up ({@code traffic} null).
     */
    static String facts(String user, String device, long lastedNanos, TrafficCounters traffic) {
        StringBuilder b = new StringBuilder(" [");
        if (user != null) {
            b.append("user ").append(user).append(", ");
        }
        if (device != null) {
            b.append("device ").append(device).append(", ");
        }
        b.append(org.homerouter.pptp.SpokenDuration.of(lastedNanos));
        if (traffic != null) {
            b.append(", ").append(traffic.bytesIn()).append(" bytes in, ").append(traffic.bytesOut()).append(" bytes out");
        }
        return b.append(']').toString();
    }
}
