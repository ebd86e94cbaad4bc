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

    /** The allocator had no address for the peer; IPCP closes. */
    default void addressPoolExhausted() {
    }
}
