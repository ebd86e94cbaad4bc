package org.homerouter.pptp.alg;

import java.time.Duration;

/**
 * How long tracked state lives without activity, after Linux's defaults:
 * {@code nf_conntrack_proto_gre.c} (GRE unreplied 30 s, GRE stream 180 s) and
 * {@code nf_conntrack_proto_tcp.c} (an established control connection 5 days).
 *
 * @param unreplied   a connected call whose GRE has not yet flowed both ways, since its last activity
 * @param streaming   a connected call whose GRE has flowed both ways, since its last GRE or its
 *                    control connection's last segment, whichever is later
 * @param established a control connection that has carried data both ways, since its last segment
 * @param handshake   a control connection before that; a call request without answer
 */
public record AlgTimeouts(Duration unreplied, Duration streaming, Duration established, Duration handshake) {
    public static final AlgTimeouts KERNEL = new AlgTimeouts(
            Duration.ofSeconds(30), Duration.ofSeconds(180), Duration.ofDays(5), Duration.ofSeconds(120));
}
