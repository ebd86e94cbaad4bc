package org.homerouter.pptp.control;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The source a client is counted under by the limits per address: its IPv4 address, or the /64 of
 * its IPv6 one. One IPv6 host holds a whole /64 and may use any address in it (RFC 4291 §2.5.1,
 * RFC 8981), so a limit per /128 would limit nothing.
 */
public final class ClientSource {
    private ClientSource() {
    }

    public static InetAddress of(InetAddress peer) {
        if (!(peer instanceof Inet6Address v6)) {
            return peer;
        }
        byte[] prefix = Arrays.copyOf(v6.getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(prefix);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 octets are always an address", e);
        }
    }

    /** How the source is named in logs and lockouts: {@code 192.0.2.7}, or {@code 2001:db8:0:0:0:0:0:0/64}. */
    public static String label(InetAddress peer) {
        InetAddress source = of(peer);
        return source instanceof Inet6Address ? source.getHostAddress() + "/64" : source.getHostAddress();
    }
}
