package org.homerouter.pptp.ppp;

/**
 * Which PPP header compressions to apply when sending: Address-and-Control-Field-Compression
 * (RFC 1661 §6.6) and Protocol-Field-Compression (§6.5). Each is allowed only after the peer has
 * acknowledged our request for it, i.e. the peer has declared it can receive compressed headers.
 *
 * @param addressControl omit the 0xFF 0x03 Address and Control octets
 * @param protocol send Protocol values below 0x100 as a single octet
 */
public record HeaderCompression(boolean addressControl, boolean protocol) {
    /** Full headers: the only legal form before LCP has negotiated otherwise. */
    public static final HeaderCompression NONE = new HeaderCompression(false, false);
}
