package org.homerouter.pptp.control;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A CallListener that remembers what it heard. */
public final class RecordingCalls implements CallListener {
    public final List<PptpCall> established = new CopyOnWriteArrayList<>();
    public final List<String> cleared = new CopyOnWriteArrayList<>();

    @Override
    public void callEstablished(PptpCall call) {
        established.add(call);
    }

    @Override
    public void callCleared(PptpCall call, String reason) {
        cleared.add(call.localCallId() + ": " + reason);
    }
}
