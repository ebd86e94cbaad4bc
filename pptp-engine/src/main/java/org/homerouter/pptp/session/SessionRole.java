package org.homerouter.pptp.session;

/** Which end of the PPP link a session is. */
public enum SessionRole {
    /** Our VPN server: authenticates the peer, assigns its address, owns the pool. */
    SERVER,
    /** The engine's own client: authenticates itself, takes the address it is given. */
    CLIENT
}
