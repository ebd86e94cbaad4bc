package org.homerouter.webui;

import java.util.List;
import java.util.regex.Pattern;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.UserAccounts.UserRow;
import org.homerouter.webui.api.VpnSettings;

/** Checks for the Users page: names, passwords and static tunnel addresses. */
final class UserForm {
    /** Same rule as the command line: safe in every client's dialog and in the logs. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    static final int MIN_PASSWORD = 8;

    private UserForm() {
    }

    static void checkName(Form form, String name, List<UserRow> existing) {
        if (name.isEmpty()) {
            form.error("name", "enter a user name");
        } else if (name.length() > 64) {
            form.error("name", "a user name has at most 64 characters");
        } else if (!NAME.matcher(name).matches()) {
            form.error("name", "use only letters A-Z a-z, digits and . _ @ -");
        } else if (existing.stream().anyMatch(u -> u.name().equalsIgnoreCase(name))) {
            // Windows sends the name as typed; two names differing in case only would confuse everybody.
            form.error("name", taken(name, existing));
        }
    }

    /**
     * "alice already exists (names ignore capitals): choose another name, or change alice's
     * password on its Edit page." The stored name, not the one typed ("Alice"), which was echoed
     * as if it were the one that exists; and what to do, where the message stopped at the refusal
     * (an owner adding someone again usually means to give them a new password).
     */
    static String taken(String typed, List<UserRow> existing) {
        String stored = existing.stream().map(UserRow::name).filter(n -> n.equalsIgnoreCase(typed)).findFirst()
                .orElse(typed);
        return stored + " already exists" + (stored.equals(typed) ? "" : " (names ignore capitals)")
                + ": choose another name, or change " + stored + "'s password on its Edit page.";
    }

    static void checkPassword(Form form) {
        String pw = form.raw("password");
        if (pw.length() < MIN_PASSWORD || pw.length() > NtPasswordHash.MAX_PASSWORD_CHARS) {
            form.error("password", "a password has " + MIN_PASSWORD + " to " + NtPasswordHash.MAX_PASSWORD_CHARS
                    + " characters");
        } else if (!pw.equals(form.raw("password_again"))) {
            form.error("password_again", "the two passwords differ");
        }
    }

    /**
     * What keeps an address from being a user's static address under the VPN settings {@code vpn}.
     * The one rule: the Users page applies it to the address typed, the VPN page ({@link
     * VpnForm#checkStaticAddresses}) to the users' addresses when the tunnel network or the pool changes.
     */
    enum StaticAddressProblem {
        /** Routed nowhere: the tunnel network is the router's tunnel address's /24. */
        OUTSIDE_TUNNEL,
        ROUTERS_OWN,
        NETWORK_OR_BROADCAST,
        /** A client from the pool may hold it when its user logs in, who then gets a pool address instead. */
        IN_POOL
    }

    /** The problem with (valid) {@code address} as a static address under {@code vpn}, if any. */
    static java.util.Optional<StaticAddressProblem> staticAddressProblem(String address, VpnSettings vpn) {
        int a = Ipv4.parse(address);
        int local = Ipv4.parse(vpn.localAddress());
        Subnet tunnel = new Subnet("", local, VpnForm.TUNNEL_PREFIX);
        StaticAddressProblem p = null;
        if (!tunnel.contains(a)) {
            p = StaticAddressProblem.OUTSIDE_TUNNEL;
        } else if (a == local) {
            p = StaticAddressProblem.ROUTERS_OWN;
        } else if ((a & ~tunnel.mask()) == 0 || (a & ~tunnel.mask()) == ~tunnel.mask()) {
            p = StaticAddressProblem.NETWORK_OR_BROADCAST;
        } else if (Ipv4.valid(vpn.poolStart()) && Ipv4.valid(vpn.poolEnd())
                && Integer.compareUnsigned(a, Ipv4.parse(vpn.poolStart())) >= 0
                && Integer.compareUnsigned(a, Ipv4.parse(vpn.poolEnd())) <= 0) {
            p = StaticAddressProblem.IN_POOL;
        }
        return java.util.Optional.ofNullable(p);
    }

    /** The tunnel network of {@code vpn}, as the pages write it: "192.168.250.0/24". */
    static String tunnelNetwork(VpnSettings vpn) {
        int local = Ipv4.parse(vpn.localAddress());
        return Ipv4.format(local & new Subnet("", local, VpnForm.TUNNEL_PREFIX).mask()) + "/" + VpnForm.TUNNEL_PREFIX;
    }

    /** A static address must be a free address of the tunnel network, not the router's own. */
    static void checkStaticAddress(Form form, String address, String self, VpnSettings vpn, List<UserRow> users) {
        if (address.isEmpty()) {
            return;
        }
        if (!Ipv4.valid(address)) {
            form.error("static_address", "enter an IPv4 address such as 192.168.250.20, or leave it empty");
            return;
        }
        var problem = staticAddressProblem(address, vpn);
        if (problem.isPresent()) {
            form.error("static_address", switch (problem.get()) {
                case OUTSIDE_TUNNEL -> "must lie inside the tunnel network " + tunnelNetwork(vpn);
                case ROUTERS_OWN -> "that is the router's own tunnel address";
                case NETWORK_OR_BROADCAST -> "the network and broadcast addresses cannot be handed out";
                case IN_POOL -> "inside the address pool " + vpn.poolStart() + "–" + vpn.poolEnd()
                        + ", which other clients get: choose one outside it";
            });
        } else {
            users.stream().filter(u -> !u.name().equals(self) && address.equals(u.staticAddress())).findFirst()
                    .ifPresent(u -> form.error("static_address", "already the static address of " + u.name()));
        }
    }
}
