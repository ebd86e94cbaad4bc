package org.homerouter.webui;

import static org.homerouter.webui.Pages.typeThePasswordsAgain;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.UserAccounts.UserRow;

/** The VPN users: the list, adding one, an account's page (its settings, password, networks behind it), deleting. */
final class UserPages {
    private final Backend b;

    UserPages(Backend backend) {
        this.b = backend;
    }

    Reply usersPage(Exchange x, Form invalid, int status) {
        Map<String, Object> m = x.model("users");
        List<UserRow> users = b.users().users();
        m.put("users", users);
        m.put("lockedOut", lockedOut(users));
        m.put("vpn", b.vpn().vpn());
        if (invalid != null) {
            m.put("values", invalid.values());
            m.put("errors", invalid.errors);
        } else {
            m.put("values", Map.of("enabled", "on"));
        }
        return new Reply.Page(status, "users.ftlh", m);
    }

    /**
     * The users whose name is locked out now (after wrong passwords: anywhere, or near an address
     * they logged in from), by name, the lockout ending last: said in their row, with its Unlock,
     * where the owner looks when a user cannot connect. Only the Lockouts page said it, and the row
     * read "enabled" while even the right password was refused.
     */
    private Map<String, org.homerouter.webui.api.VpnLockouts.Lockout> lockedOut(List<UserRow> users) {
        Map<String, org.homerouter.webui.api.VpnLockouts.Lockout> out = new LinkedHashMap<>();
        for (var l : b.vpnLockouts().current()) {
            if (!l.userName()) {
                continue;
            }
            for (UserRow u : users) {
                // "alice", or "alice from 198.51.100.0/24" (locked near a familiar address); any case.
                String subject = l.subject().toLowerCase(java.util.Locale.ROOT);
                String name = u.name().toLowerCase(java.util.Locale.ROOT);
                if (subject.equals(name) || subject.startsWith(name + " from ")) {
                    out.merge(u.name(), l, (a, c) -> a.remainingSeconds() >= c.remainingSeconds() ? a : c);
                }
            }
        }
        return out;
    }

    Reply addUser(Exchange x) {
        Form form = x.form();
        List<UserRow> users = b.users().users();
        String name = form.get("name");
        UserForm.checkName(form, name, users);
        UserForm.checkPassword(form);
        UserForm.checkStaticAddress(form, form.get("static_address"), name, b.vpn().vpn(), users);
        if (!form.ok()) {
            typeThePasswordsAgain(form, "password");
            return usersPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        if (!b.users().add(name, form.raw("password"), form.checked("enabled"), form.get("static_address"),
                "user " + name + " added")) {
            form.error("name", UserForm.taken(name, b.users().users())); // added meanwhile (another tab)
            return usersPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        // The next step, which an owner adding the first user has not found yet: it sits folded on the Dashboard.
        savedWithPassword(x, "VPN user " + name + " added. How to set up their device: \"Setting up a client\" on the"
                + " Dashboard.", form.raw("password"));
        return new Reply.Redirect("/users");
    }

    Reply editUserPage(Exchange x, Form invalid, int status) {
        String name = invalid == null ? x.param("name") : invalid.get("name");
        var user = b.users().user(name);
        if (user.isEmpty()) {
            x.session.warn("No VPN user " + name + ".");
            return new Reply.Redirect("/users");
        }
        Map<String, Object> m = x.model("users");
        m.put("user", user.get());
        m.put("vpn", b.vpn().vpn());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("static_address", user.get().staticAddress());
        v.put("routed_subnets", b.users().routedSubnets(name).replace(",", ", "));
        if (user.get().enabled()) {
            v.put("enabled", "on");
        }
        if (invalid != null) {
            // The page has two forms: the refused one shows what was typed, the other what is stored.
            if (invalid.values().containsKey("static_address")) {
                v.remove("enabled"); // the account form: an unchecked box sends nothing
            }
            v.putAll(invalid.values());
            m.put("errors", invalid.errors);
        }
        m.put("values", v);
        m.put("version", FormVersion.shown(invalid != null && invalid.values().containsKey("static_address") ? invalid
                : null, FormVersion.user(user.get())));
        m.put("subnetsVersion", FormVersion.shown(invalid != null && invalid.values().containsKey("routed_subnets")
                ? invalid : null, FormVersion.routedSubnets(user.get().name(), b.users().routedSubnets(name))));
        return new Reply.Page(status, "user.ftlh", m);
    }

    Reply editUser(Exchange x) {
        Form form = x.form();
        String name = form.get("name");
        var row = b.users().user(name);
        if (row.isPresent() && FormVersion.stale(form, FormVersion.user(row.get()),
                FormVersion.user(name, form.checked("enabled"), form.get("static_address")))) {
            return FormVersion.conflict(editUserPage(x, null, HttpStatus.CONFLICT_409));
        }
        String stored = row.map(UserRow::staticAddress).orElse("");
        if (!form.get("static_address").equals(stored)) {
            // Only a new address is checked: one stored before the tunnel network or the pool
            // moved would otherwise keep the account from being saved at all, even to disable it.
            UserForm.checkStaticAddress(form, form.get("static_address"), name, b.vpn().vpn(), b.users().users());
        }
        if (!form.ok()) {
            return editUserPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        boolean enabled = form.checked("enabled");
        if (!b.users().update(name, enabled, form.get("static_address"), "user " + name + " changed: "
                + (enabled ? "enabled" : "disabled") + ", static address " + (form.get("static_address").isEmpty()
                ? "none" : form.get("static_address")))) {
            x.session.warn("No VPN user " + name + ".");
            return new Reply.Redirect("/users");
        }
        x.session.flash("VPN user " + name + " saved." + (!enabled ? " " + name
                + " is disabled: any connected session of theirs was ended."
                : !form.get("static_address").equals(stored) ? " If " + name + " was connected, the session was ended"
                + " so that it connects again with the new address." : ""));
        return new Reply.Redirect("/users");
    }

    /** A branch office: the networks behind the account, routed into its tunnel from its next session. */
    Reply userSubnets(Exchange x) {
        Form form = x.form();
        String name = form.get("name");
        String subnets = "";
        try {
            subnets = b.users().checkRoutedSubnets(name, form.get("routed_subnets"));
        } catch (IllegalArgumentException e) {
            form.error("routed_subnets", e.getMessage());
        }
        // A page opened before another tab changed the networks would put its own list back.
        var row = b.users().user(name);
        if (row.isPresent() && FormVersion.stale(form, FormVersion.routedSubnets(row.get().name(),
                b.users().routedSubnets(name)), form.ok() ? FormVersion.routedSubnets(row.get().name(), subnets) : null)) {
            return FormVersion.conflict(editUserPage(x, null, HttpStatus.CONFLICT_409));
        }
        if (!form.ok()) {
            return editUserPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        boolean changed = row.isPresent() && !b.users().routedSubnets(name).equals(subnets);
        if (!b.users().setRoutedSubnets(name, subnets, "user " + name + " routes "
                + (subnets.isEmpty() ? "no networks" : subnets))) {
            x.session.warn("No VPN user " + name + ".");
            return new Reply.Redirect("/users");
        }
        x.session.flash((subnets.isEmpty() ? "No networks behind " + name + ": none are routed into its tunnel."
                : "Networks behind " + name + ": " + subnets + ", routed into its tunnel from its next session.")
                + (changed ? " If it was connected, its session was ended so that it connects again with them." : ""));
        return new Reply.Redirect("/users/edit?name=" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8));
    }

    Reply userPassword(Exchange x) {
        Form form = x.form();
        String name = form.get("name");
        UserForm.checkPassword(form);
        if (!form.ok()) {
            return editUserPage(x, form, HttpStatus.BAD_REQUEST_400);
        }
        if (!b.users().setPassword(name, form.raw("password"), "password of user " + name + " changed")) {
            x.session.warn("No VPN user " + name + ".");
            return new Reply.Redirect("/users");
        }
        savedWithPassword(x, "Password of " + name + " changed. Sessions logged in with the old password were ended: "
                + name + " connects again with the new one.", form.raw("password"));
        return new Reply.Redirect("/users");
    }

    /** {@code saved}, as a warning with what it means when {@code password} is too long for pppd-based clients. */
    private static void savedWithPassword(Exchange x, String saved, String password) {
        if (NtPasswordHash.tooLongForPppd(password)) {
            x.session.warn(saved + " " + NtPasswordHash.TOO_LONG_FOR_PPPD_NOTE);
        } else {
            x.session.flash(saved);
        }
    }

    Reply deleteUser(Exchange x) {
        String name = x.param("name");
        if (!"yes".equals(x.param("confirm"))) {
            // One click from the list only asks: the account goes for good and its sessions hang up.
            Map<String, Object> m = x.model("users");
            m.put("name", name);
            // Exactly this name's sessions, the ones deleting hangs up: a session carries its account's
            // own name (whatever case the client typed), and an older database may hold "Alice" beside "alice".
            m.put("connected", b.sessions().active().stream().filter(s -> s.user().equals(name)).count());
            return new Reply.Page(200, "delete-user.ftlh", m);
        }
        if (b.users().delete(name, "user " + name + " deleted")) {
            x.session.flash("VPN user " + name + " deleted.");
        } else {
            x.session.warn("No VPN user " + name + ".");
        }
        return new Reply.Redirect("/users");
    }
}
