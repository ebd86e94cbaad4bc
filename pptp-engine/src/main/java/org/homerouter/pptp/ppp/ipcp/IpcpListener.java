package org.homerouter.pptp.ppp.ipcp;

/** What IPCP tells the PPP session. */
public interface IpcpListener {
    /** IPCP reached Opened: IPv4 may flow (This-Layer-Up). */
    void ipUp(IpcpConfiguration configuration);

    /** IPCP left Opened: stop IPv4 (This-Layer-Down). */
    void ipDown();

    /** IPCP no longer needs the link (This-Layer-Finished); its peer address was released. */
    default void finished() {
    }

    /**
     * No address to be had: the allocator had none for the peer, or (accepting an assignment) the
     * peer Nak'd our request for one with 0.0.0.0, having none for us. IPCP closes.
     */
    default void addressPoolExhausted() {
    }
}
