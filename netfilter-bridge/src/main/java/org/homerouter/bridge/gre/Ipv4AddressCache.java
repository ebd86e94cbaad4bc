package org.homerouter.bridge.gre;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns the source address of each received packet into an {@link InetAddress} without allocating
 * one per packet: a router's GRE comes from a handful of peers, so a small direct-mapped table keyed
 * by the address hits almost always. Used by one thread only (the receive loop).
 */
final class Ipv4AddressCache {
    private static final int SIZE = 256;
    private final int[] keys = new int[SIZE];
    private final Inet4Address[] values = new Inet4Address[SIZE];

    /** The address for the big-endian int {@code address}. */
    Inet4Address get(int address) {
        int slot = (address ^ address >>> 8 ^ address >>> 16 ^ address >>> 24) & (SIZE - 1);
        Inet4Address cached = values[slot];
        if (cached != null && keys[slot] == address) {
            return cached;
        }
        Inet4Address fresh = of(address);
        keys[slot] = address;
        values[slot] = fresh;
        return fresh;
    }

    static Inet4Address of(int address) {
        byte[] b = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("four octets are always an address", e);
        }
    }
}
