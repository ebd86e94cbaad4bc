package org.homerouter.webui;

import java.util.List;

/**
 * What the UI may read about the running appliance. The appliance implements it from its store
 * and its live registries; the UI never reaches into the engine or the kernel itself.
 */
public interface StatusSource {
    Status status();

    /** One snapshot of the appliance for the dashboard. */
    record Status(String version, boolean pptpEnabled, String pptpListen, int maxSessions,
                  List<ControlConnectionRow> connections, List<String> recentEvents) {
    }

    /** A PPTP control connection and its calls. */
    record ControlConnectionRow(String peer, String phase, List<CallRow> calls) {
    }

    /** One call: our and the peer's call ID, and its state. */
    record CallRow(int localCallId, int peerCallId, String state) {
    }
}
