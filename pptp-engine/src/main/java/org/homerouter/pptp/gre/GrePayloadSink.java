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
}
