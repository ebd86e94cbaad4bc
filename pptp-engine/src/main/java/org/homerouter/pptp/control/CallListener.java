package org.homerouter.pptp.control;

/**
 * What the layers above PPTP control (PPP sessions, the session registry, the event log) hear
 * about calls. Called on the connection's event-loop thread: implementations must not block.
 */
public interface CallListener {
    /**
     * The PAC is about to send the reply that connects the call (Outgoing-Call-Reply): be ready
     * to receive its GRE when this returns. A PNS such as pptp-linux starts pppd the moment it
     * reads the reply, and pppd's first LCP Configure-Request may arrive before
     * {@link #callEstablished} runs; it would be lost, costing a restart period. Nothing may be
     * sent for the call yet: the peer does not know its call ID.
     */
    default void callAccepted(PptpCall call) {
    }

    /** The call is up: GRE may flow with these call IDs. */
    void callEstablished(PptpCall call);

    /** The call is gone (cleared by either side, or its control connection closed). */
    void callCleared(PptpCall call, String reason);

    CallListener NONE = new CallListener() {
        @Override
        public void callEstablished(PptpCall call) {
        }

        @Override
        public void callCleared(PptpCall call, String reason) {
        }
    };
}
