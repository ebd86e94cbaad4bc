package org.homerouter.pptp.ppp.lcp;

/** LCP Configuration Option types (RFC 1661 §6 and the IANA PPP LCP option registry). */
public final class LcpOptionType {
    private LcpOptionType() {
    }

    /** Maximum-Receive-Unit (RFC 1661 §6.1). */
    public static final int MRU = 1;
    /** Async-Control-Character-Map (RFC 1662 §7.1). */
    public static final int ACCM = 2;
    /** Authentication-Protocol (RFC 1661 §6.2). */
    public static final int AUTHENTICATION_PROTOCOL = 3;
    /** Quality-Protocol (RFC 1661 §6.3). */
    public static final int QUALITY_PROTOCOL = 4;
    /** Magic-Number (RFC 1661 §6.4). */
    public static final int MAGIC_NUMBER = 5;
    /** Protocol-Field-Compression (RFC 1661 §6.5). */
    public static final int PROTOCOL_FIELD_COMPRESSION = 7;
    /** Address-and-Control-Field-Compression (RFC 1661 §6.6). */
    public static final int ADDRESS_CONTROL_FIELD_COMPRESSION = 8;
    /** Callback (RFC 1570 §2.3); Windows asks for operation 6, Microsoft's CBCP. */
    public static final int CALLBACK = 13;
    /** Multilink Maximum-Received-Reconstructed-Unit (RFC 1990 §5.1.1). */
    public static final int MRRU = 17;
    /** Multilink Endpoint Discriminator (RFC 1990 §5.1.3). */
    public static final int ENDPOINT_DISCRIMINATOR = 19;
}
