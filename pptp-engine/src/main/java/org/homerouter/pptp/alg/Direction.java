package org.homerouter.pptp.alg;

/** Which way a control segment travels, named for the endpoint it goes to. */
public enum Direction {
    /** LAN client (PNS) to outside server (PAC): the kernel's "outbound" ({@code pptp_outbound_pkt}). */
    TO_SERVER,
    /** Outside server (PAC) to LAN client (PNS): the kernel's "inbound" ({@code pptp_inbound_pkt}). */
    TO_CLIENT;

    Direction reverse() {
        return this == TO_SERVER ? TO_CLIENT : TO_SERVER;
    }
}
