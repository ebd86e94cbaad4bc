package org.homerouter.pptp.ppp.lcp;

import java.util.ArrayList;
import java.util.List;

/** Records what LCP tells its session, in order. */
final class RecordingLcpListener implements LcpListener {
    final List<String> events = new ArrayList<>();
    LinkConfiguration configuration;

    @Override
    public void linkUp(LinkConfiguration c) {
        configuration = c;
        events.add("up");
    }

    @Override
    public void linkDown() {
        events.add("down");
    }

    @Override
    public void lowerLayerNeeded() {
        events.add("needed");
    }

    @Override
    public void lowerLayerFinished() {
        events.add("finished");
    }

    @Override
    public void protocolRejected(int protocol) {
        events.add("rejected 0x" + Integer.toHexString(protocol));
    }

    @Override
    public void linkFailed(LinkFailure failure) {
        events.add("failed " + failure);
    }

    @Override
    public void largeFramesLost(java.util.OptionalInt largestDelivered, int tried) {
        events.add("large frames lost: " + tried + " tried, " + (largestDelivered.isPresent()
                ? largestDelivered.getAsInt() : "none") + " crossed");
    }
}
