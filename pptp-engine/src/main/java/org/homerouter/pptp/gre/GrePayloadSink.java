package org.homerouter.pptp.gre;

import java.nio.ByteBuffer;

/** Where a {@link GreChannel} delivers PPP frames, in sequence order. */
@FunctionalInterface
public interface GrePayloadSink {

    /**
     * One PPP frame between {@code payload}'s position and limit. The buffer is reused after this
     * call returns: copy what must outlive it.
     */
    void onPayload(ByteBuffer payload);

    /**
     * A PPP frame whose sequence number lay outside the receive window, which jumped to it (a
     * burst loss longer than the window) or restarted at it (see {@code ReorderBuffer}): its
     * number vouches for nothing, as the GRE header is in clear and anyone who knows the call ID
     * and the peer's address can send one numbered 2^31 ahead. A sink that can tell a frame
     * nobody else could have made (an MPPE datagram) keeps only those; this one takes it as any
     * other frame. The buffer is reused after this call returns.
     */
    default void onPayloadOutsideWindow(ByteBuffer payload) {
        onPayload(payload);
    }
}
