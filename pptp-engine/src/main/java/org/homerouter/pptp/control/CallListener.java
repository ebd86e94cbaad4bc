package org.homerouter.pptp.control;

/**
 * What the layers above PPTP control (PPP sessions, the session registry, the event log) hear
 * about calls. Called on the connection's event-loop thread: implementations must not block.
 */
public interface CallListener {
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
