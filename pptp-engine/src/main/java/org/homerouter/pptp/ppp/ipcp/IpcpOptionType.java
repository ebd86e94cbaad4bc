package org.homerouter.pptp.ppp.ipcp;

/** IPCP Configuration Option types (RFC 1332 §3, RFC 1877 §1). */
public final class IpcpOptionType {
    private IpcpOptionType() {
    }

    /** IP-Addresses (RFC 1332 §3.1), deprecated; rejected. */
    public static final int IP_ADDRESSES = 1;
    /** IP-Compression-Protocol (RFC 1332 §3.2), Van Jacobson TCP/IP header compression; rejected. */
    public static final int IP_COMPRESSION_PROTOCOL = 2;
    /** IP-Address (RFC 1332 §3.3). */
    public static final int IP_ADDRESS = 3;
    /** Primary DNS Server Address (RFC 1877 §1.1). */
    public static final int PRIMARY_DNS = 129;
    /** Primary NBNS Server Address (RFC 1877 §1.2). */
    public static final int PRIMARY_NBNS = 130;
    /** Secondary DNS Server Address (RFC 1877 §1.3). */
    public static final int SECONDARY_DNS = 131;
    /** Secondary NBNS Server Address (RFC 1877 §1.4). */
    public static final int SECONDARY_NBNS = 132;
}
