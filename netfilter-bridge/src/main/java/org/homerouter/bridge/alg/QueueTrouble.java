package org.homerouter.bridge.alg;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says what the kernel did to queued segments that the ALG never saw (its queue overflowed) or
 * could not let go (a verdict refused): the only sign of it, as the LAN clients' control
 * connections just stall (fail-closed: such a segment goes nowhere) until TCP sends it again.
 * To the event log ({@link AlgProblems}) each under a kind of its own, so that a stream of one
 * (overflows, while the ALG falls behind) does not keep the other out of it for the quiet
 * period; and to the service log, within a budget. Reader thread only.
 */
final class QueueTrouble {
    private static final Logger LOG = LoggerFactory.getLogger(PassthroughAlg.class);
    /** Can come with every packet of a burst the ALG is too slow for. */
    private static final org.homerouter.pptp.LogLimit LOGGED = new org.homerouter.pptp.LogLimit();
    static final String OVERFLOW = "queue overflow";
    static final String REFUSED = "verdict refused";

    private final AlgProblems problems;
    /** The socket's counts already reported. */
    private long overrunsReported;
    private long refusalsReported;

    QueueTrouble(AlgProblems problems) {
        this.problems = problems;
    }

    /**
     * The socket's counts now (since start), and why the last verdict was refused: what is new
     * since the last call is reported.
     */
    void seen(long overruns, long refusals, String lastRefusal) {
        if (overruns != overrunsReported) {
            String what = "the kernel dropped PPTP control packets queued for the ALG (its queue overflowed " + overruns
                    + " time(s) since start, each losing one packet or more): the ALG fell behind, and LAN clients'"
                    + " PPTP control connections stall until TCP resends those packets";
            overrunsReported = overruns;
            report(OVERFLOW, what);
        }
        if (refusals != refusalsReported) {
            String what = "the kernel refused " + (refusals - refusalsReported) + " verdict(s) on queued PPTP control"
                    + " packets (" + refusals + " since start; the last: " + lastRefusal + "): those packets"
                    + " went nowhere, and LAN clients' PPTP control connections stall until TCP resends them";
            refusalsReported = refusals;
            report(REFUSED, what);
        }
    }

    private void report(String kind, String what) {
        problems.add(kind, what);
        String note = LOGGED.admit();
        if (note != null) {
            LOG.warn("alg: {}{}", what, note);
        }
    }
}
