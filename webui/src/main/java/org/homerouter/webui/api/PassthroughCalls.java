package org.homerouter.webui.api;

import java.util.List;

/** Calls the PPTP passthrough ALG tracks (LAN client to outside server). Filled by the ALG (P5). */
public interface PassthroughCalls {
    List<TrackedCall> calls();

    record TrackedCall(String lanClient, String server, int clientCallId, int serverCallId, long sinceMs) {
    }

    PassthroughCalls NONE = List::of;
}
