package org.homerouter.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The router's global IPv6 addresses on the interfaces an IPv6 default route leaves by, for the
 * Dashboard's WAN card only: this router routes IPv4 alone (its NAT, its VPN: IPCP), so a WAN with
 * IPv6 and no IPv4 (DS-Lite or 464XLAT, the provider's box in bridge mode) gives the LAN and the VPN
 * clients no internet. Judged by IPv4 alone, the card said "no internet connection, check the
 * cable" about a cable that was fine.
 */
final class Ipv6Wan {
    /** The main table's IPv6 routes and the interfaces' IPv6 addresses, in the thread's namespace. */
    private static final Path ROUTES = Path.of("/proc/thread-self/net/ipv6_route");
    private static final Path ADDRESSES = Path.of("/proc/thread-self/net/if_inet6");
    private static final int RTF_UP = 0x1;
    private static final int RTF_REJECT = 0x200;
    /** IFA_F_TENTATIVE, IFA_F_DADFAILED: not usable (yet). */
    private static final int NOT_USABLE = 0x40 | 0x08;

    private Ipv6Wan() {
    }

    /** "2001:db8::5 on eth0" for each such address now; empty off Linux or without IPv6. */
    static List<String> now() {
        try {
            return addresses(Files.readString(ROUTES), Files.readString(ADDRESSES));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * @param ipv6Route the text of /proc/net/ipv6_route (destination, its prefix length, source, its
     *                  prefix length, next hop, metric, references, use, flags, device; hex)
     * @param ifInet6   the text of /proc/net/if_inet6 (address, index, prefix length, scope, flags, device)
     */
    static List<String> addresses(String ipv6Route, String ifInet6) {
        Set<String> devices = new LinkedHashSet<>();
        for (String line : ipv6Route.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 10 || !f[0].equals("0".repeat(32)) || !f[1].equals("00")
                    || f[9].equals("lo") || f[9].startsWith("ppp") || f[9].startsWith("pptp")) {
                continue;
            }
            int flags = (int) Long.parseLong(f[8], 16);
            if ((flags & RTF_UP) != 0 && (flags & RTF_REJECT) == 0) {
                devices.add(f[9]);
            }
        }
        List<String> out = new ArrayList<>();
        for (String line : ifInet6.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || f[0].length() != 32 || !devices.contains(f[5])
                    || !f[3].equals("00") || (Integer.parseInt(f[4], 16) & NOT_USABLE) != 0) {
                continue; // scope 00 is global; link-local and host are not reached from the internet
            }
            byte[] raw = HexFormat.of().parseHex(f[0]);
            if ((raw[0] & 0xfe) == 0xfc) {
                continue; // unique local (fc00::/7, RFC 4193): global in scope, never on the internet
            }
            out.add(formatted(raw) + " on " + f[5]);
        }
        return List.copyOf(out);
    }

    /** As RFC 5952 section 4 writes it, as the owner sees it elsewhere: the longest run of two or more zero groups as "::". */
    static String formatted(byte[] raw) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((raw[2 * i] & 0xff) << 8) | (raw[2 * i + 1] & 0xff);
        }
        int bestAt = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) { // the first of equal runs (section 4.2.3)
                bestAt = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }
}
