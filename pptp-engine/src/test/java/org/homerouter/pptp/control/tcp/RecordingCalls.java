package org.homerouter.pptp.control.tcp;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.PptpCall;

/** A CallListener that remembers what it heard. */
final class RecordingCalls implements CallListener {
    final List<PptpCall> established = new CopyOnWriteArrayList<>();
    final List<String> cleared = new CopyOnWriteArrayList<>();

    @Override
    public void callEstablished(PptpCall call) {
        established.add(call);
    }

    @Override
    public void callCleared(PptpCall call, String reason) {
        cleared.add(call.localCallId() + ": " + reason);
    }
}
