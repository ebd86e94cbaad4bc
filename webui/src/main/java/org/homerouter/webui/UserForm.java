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
            form.error("name", "a VPN user named " + name + " already exists");
        }
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

    /** A static address must be a free address of the tunnel network, not the router's own. */
    static void checkStaticAddress(Form form, String address, String self, VpnSettings vpn, List<UserRow> users) {
        if (address.isEmpty()) {
            return;
        }
        if (!Ipv4.valid(address)) {
            form.error("static_address", "enter an IPv4 address such as 192.168.250.20, or leave it empty");
            return;
        }
        int a = Ipv4.parse(address);
        int local = Ipv4.parse(vpn.localAddress());
        Subnet tunnel = new Subnet("", local, VpnForm.TUNNEL_PREFIX);
        String net = Ipv4.format(local & tunnel.mask()) + "/" + VpnForm.TUNNEL_PREFIX;
        if (!tunnel.contains(a)) {
            form.error("static_address", "must lie inside the tunnel network " + net);
        } else if (a == local) {
            form.error("static_address", "that is the router's own tunnel address");
        } else if ((a & ~tunnel.mask()) == 0 || (a & ~tunnel.mask()) == ~tunnel.mask()) {
            form.error("static_address", "the network and broadcast addresses cannot be handed out");
        } else if (Ipv4.valid(vpn.poolStart()) && Ipv4.valid(vpn.poolEnd())
                && Integer.compareUnsigned(a, Ipv4.parse(vpn.poolStart())) >= 0
                && Integer.compareUnsigned(a, Ipv4.parse(vpn.poolEnd())) <= 0) {
            // A client from the pool may hold it when this user logs in, who would then get a
            // pool address instead, with nothing said but a line in the log.
            form.error("static_address", "inside the address pool " + vpn.poolStart() + "–" + vpn.poolEnd()
                    + ", which other clients get: choose one outside it");
        } else {
            users.stream().filter(u -> !u.name().equals(self) && address.equals(u.staticAddress())).findFirst()
                    .ifPresent(u -> form.error("static_address", "already the static address of " + u.name()));
        }
    }
}
