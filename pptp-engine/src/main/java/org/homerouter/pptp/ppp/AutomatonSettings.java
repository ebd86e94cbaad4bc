package org.homerouter.pptp.ppp;

import java.time.Duration;

/**
 * Tunables of the option negotiation automaton (RFC 1661 §4.6) and its two implementation options.
 *
 * @param restartTimeout Restart timer period; RFC 1661 §4.6 suggests 3 seconds
 * @param maxTerminate Terminate-Requests sent without a Terminate-Ack before giving up (default 2)
 * @param maxConfigure Configure-Requests sent without a valid reply before giving up (default 10)
 * @param maxFailure Configure-Naks sent without sending a Configure-Ack before further Naks are
 *     turned into Configure-Rejects, so that negotiation converges (default 5)
 * @param passive the passive option of §4.2 (Stopped): when the peer never answers our
 *     Configure-Requests, wait in Stopped for it instead of signalling This-Layer-Finished
 * @param restartOnOpen the restart option of §4.3 (Open event): an Open in Stopped, Closing,
 *     Stopping or Opened renegotiates the link by simulating Down then Up
 */
public record AutomatonSettings(Duration restartTimeout, int maxTerminate, int maxConfigure, int maxFailure,
                                boolean passive, boolean restartOnOpen) {
    /** RFC 1661 §4.6 defaults, neither option set. */
    public static final AutomatonSettings DEFAULTS = new AutomatonSettings(Duration.ofSeconds(3), 2, 10, 5, false, false);

    public AutomatonSettings {
        if (restartTimeout.isNegative() || restartTimeout.isZero()) {
            throw new IllegalArgumentException("restartTimeout must be positive");
        }
        if (maxTerminate < 1 || maxConfigure < 1 || maxFailure < 0) {
            throw new IllegalArgumentException("maxTerminate and maxConfigure must be at least 1, maxFailure at least 0");
        }
    }

    public AutomatonSettings withRestartTimeout(Duration d) {
        return new AutomatonSettings(d, maxTerminate, maxConfigure, maxFailure, passive, restartOnOpen);
    }

    public AutomatonSettings withMaxTerminate(int n) {
        return new AutomatonSettings(restartTimeout, n, maxConfigure, maxFailure, passive, restartOnOpen);
    }

    public AutomatonSettings withMaxConfigure(int n) {
        return new AutomatonSettings(restartTimeout, maxTerminate, n, maxFailure, passive, restartOnOpen);
    }

    public AutomatonSettings withMaxFailure(int n) {
        return new AutomatonSettings(restartTimeout, maxTerminate, maxConfigure, n, passive, restartOnOpen);
    }

    public AutomatonSettings withPassive(boolean on) {
        return new AutomatonSettings(restartTimeout, maxTerminate, maxConfigure, maxFailure, on, restartOnOpen);
    }

    public AutomatonSettings withRestartOnOpen(boolean on) {
        return new AutomatonSettings(restartTimeout, maxTerminate, maxConfigure, maxFailure, passive, on);
    }
}
