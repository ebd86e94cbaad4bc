package org.homerouter.webui.api;

import java.util.List;

/** Calls the PPTP passthrough ALG tracks (LAN client to outside server), for the Passthrough page. */
public interface PassthroughCalls {
    List<TrackedCall> calls();

    /** Why no calls can be tracked now (ALG switched off, not running, not in this build); "" while it runs. */
    default String unavailableReason() {
        return "";
    }

    /** Why incoming PPTP is not forwarded to the LAN server set on the page; "" when it is, or none is set. */
    default String inboundFailure() {
        return "";
    }

    /**
     * One tracked call.
     *
     * @param serverCallId -1 until the server has answered
     */
    record TrackedCall(String lanClient, String server, int clientCallId, int natCallId, int serverCallId, String state,
                       long bytesToClient, long bytesToServer, long ageSeconds) {
    }

    /** No ALG in this build. */
    PassthroughCalls NONE = new PassthroughCalls() {
        @Override
        public List<TrackedCall> calls() {
            return List.of();
        }

        @Override
        public String unavailableReason() {
            return "the passthrough ALG is not part of this build";
        }
    };
}
