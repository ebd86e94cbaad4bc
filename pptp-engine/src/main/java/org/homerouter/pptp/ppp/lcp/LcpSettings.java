package org.homerouter.pptp.ppp.lcp;

import org.homerouter.pptp.auth.AuthMethod;
import java.time.Duration;
import java.util.List;
import org.homerouter.pptp.ppp.AutomatonSettings;

/**
 * What one LCP instance asks for and accepts.
 *
 * @param mru the MRU we ask the peer to respect (1400 suits PPTP; 1500 means do not ask)
 * @param minimumPeerMru the smallest MRU we let the peer ask for; smaller requests are Nak'd
 * @param requestPfc ask the peer to compress Protocol fields towards us
 * @param requestAcfc ask the peer to omit Address and Control towards us
 * @param authenticatePeerWith methods we demand from the peer, preferred first (server side)
 * @param authenticateSelfWith methods we accept to authenticate ourselves with (client side)
 * @param echoInterval time between LCP Echo-Requests while Opened; zero disables keepalive
 * @param echoFailures unanswered Echo-Requests after which the link is declared dead
 * @param loopLimit consecutive Magic-Number loop indications that prove a looped-back link
 * @param automaton timers and counters of the negotiation automaton
 * @param pathProbe whether and how the link is probed for large frames lost on the way (MTU trouble)
 */
public record LcpSettings(int mru, int minimumPeerMru, boolean requestPfc, boolean requestAcfc,
                          List<AuthMethod> authenticatePeerWith, List<AuthMethod> authenticateSelfWith,
                          Duration echoInterval, int echoFailures, int loopLimit, AutomatonSettings automaton,
                          PathProbeSettings pathProbe) {

    /** The MRU Windows' own PPTP client asks for; leaves room for IP and GRE headers in 1500. */
    public static final int PPTP_MRU = 1400;
    /** pppd's PPP_MINMRU. */
    public static final int MINIMUM_MRU = 128;
    /**
     * The smallest MRU a session's peer may ask for: the tunnel device's smallest MTU (576, the
     * datagram every IPv4 host must take, RFC 791). Below it the device would hand over packets
     * longer than the peer receives, and they would be dropped without a word; Nak'd up instead.
     */
    public static final int SESSION_MINIMUM_MRU = 576;

    public LcpSettings {
        authenticatePeerWith = List.copyOf(authenticatePeerWith);
        authenticateSelfWith = List.copyOf(authenticateSelfWith);
        if (echoInterval.isNegative() || echoFailures < 1 || loopLimit < 1) {
            throw new IllegalArgumentException("echoInterval >= 0, echoFailures >= 1 and loopLimit >= 1 required");
        }
    }

    /**
     * A PPTP server: demands the given methods from the client, never authenticates itself,
     * keepalive every 20 s, dead after 3 unanswered echoes (accel-ppp's usual lcp-echo values), and
     * the path probed for MTU trouble once the session is up.
     */
    public static LcpSettings server(List<AuthMethod> authenticatePeerWith) {
        return new LcpSettings(PPTP_MRU, SESSION_MINIMUM_MRU, true, true, authenticatePeerWith, List.of(),
                Duration.ofSeconds(20), 3, 3, AutomatonSettings.DEFAULTS, PathProbeSettings.DEFAULT);
    }

    /** A PPTP client: authenticates itself with the given methods, demands nothing of the server. */
    public static LcpSettings client(List<AuthMethod> authenticateSelfWith) {
        return new LcpSettings(PPTP_MRU, SESSION_MINIMUM_MRU, true, true, List.of(), authenticateSelfWith,
                Duration.ofSeconds(20), 3, 3, AutomatonSettings.DEFAULTS, PathProbeSettings.OFF);
    }

    public LcpSettings withEcho(Duration interval, int failures) {
        return new LcpSettings(mru, minimumPeerMru, requestPfc, requestAcfc, authenticatePeerWith,
                authenticateSelfWith, interval, failures, loopLimit, automaton, pathProbe);
    }

    public LcpSettings withMru(int value) {
        return new LcpSettings(value, minimumPeerMru, requestPfc, requestAcfc, authenticatePeerWith,
                authenticateSelfWith, echoInterval, echoFailures, loopLimit, automaton, pathProbe);
    }

    public LcpSettings withCompression(boolean pfc, boolean acfc) {
        return new LcpSettings(mru, minimumPeerMru, pfc, acfc, authenticatePeerWith,
                authenticateSelfWith, echoInterval, echoFailures, loopLimit, automaton, pathProbe);
    }

    public LcpSettings withAutomaton(AutomatonSettings value) {
        return new LcpSettings(mru, minimumPeerMru, requestPfc, requestAcfc, authenticatePeerWith,
                authenticateSelfWith, echoInterval, echoFailures, loopLimit, value, pathProbe);
    }

    public LcpSettings withPathProbe(PathProbeSettings value) {
        return new LcpSettings(mru, minimumPeerMru, requestPfc, requestAcfc, authenticatePeerWith,
                authenticateSelfWith, echoInterval, echoFailures, loopLimit, automaton, value);
    }
}
