package org.homerouter.pptp.ppp.lcp;

/** What LCP tells the PPP session. Called on the thread that drives the {@link Lcp}. */
public interface LcpListener {
    /** LCP reached Opened (This-Layer-Up): authentication may start. */
    void linkUp(LinkConfiguration configuration);

    /** LCP left Opened (This-Layer-Down): NCPs and authentication must stop. */
    void linkDown();

    /** LCP wants the lower layer, i.e. the PPTP call (This-Layer-Started). */
    void lowerLayerNeeded();

    /** LCP no longer needs the lower layer: hang up the call (This-Layer-Finished). */
    void lowerLayerFinished();

    /** The peer Protocol-Rejected a protocol other than LCP (RFC 1661 §5.7): stop sending it. */
    default void protocolRejected(int protocol) {
    }

    /**
     * The path probe found that frames of {@code tried} octets (the tunnel's MTU) are lost on the
     * way while small ones cross: the largest that crossed, if any above the floor, is given.
     */
    default void largeFramesLost(java.util.OptionalInt largestDelivered, int tried) {
    }

    /** LCP gave up on the link by itself, before the Down/Close it raises as a consequence. */
    default void linkFailed(LinkFailure failure) {
    }
}
