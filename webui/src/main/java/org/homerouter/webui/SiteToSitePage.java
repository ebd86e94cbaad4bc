package org.homerouter.webui;

import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.SiteToSite;

/** The site-to-site tunnel: the router dialling out to a remote office's PPTP server. */
final class SiteToSitePage {
    private final Backend b;

    SiteToSitePage(Backend backend) {
        this.b = backend;
    }

    Reply siteToSitePage(Exchange x, Form invalid) {
        Map<String, Object> m = x.model("site-to-site");
        SiteToSite.Settings s = b.siteToSite().settings();
        m.put("status", b.siteToSite().status());
        m.put("passwordHint", s.passwordSet() ? "stored (only its hash); leave empty to keep it"
                : "the password of that account on the remote server");
        m.put("version", FormVersion.shown(invalid, FormVersion.siteToSite(s)));
        if (invalid != null) {
            m.put("values", invalid.values());
            m.put("errors", invalid.errors);
            return new Reply.Page(HttpStatus.BAD_REQUEST_400, "site-to-site.ftlh", m);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        if (s.enabled()) {
            v.put("enabled", "on");
        }
        v.put("server", s.server());
        v.put("user", s.user());
        v.put("mppe", s.mppe());
        v.put("subnets", s.subnets().replace(",", ", "));
        if (s.defaultRoute()) {
            v.put("default_route", "on");
        }
        m.put("values", v);
        return new Reply.Page(200, "site-to-site.ftlh", m);
    }

    Reply saveSiteToSite(Exchange x) {
        Form form = x.form();
        SiteToSite.Settings stored = b.siteToSite().settings();
        boolean on = form.checked("enabled");
        String server = form.get("server");
        String user = form.get("user");
        String password = form.raw("password");
        String mppe = form.get("mppe");
        if (!server.isEmpty() && !SiteToSite.validServer(server) || on && server.isEmpty()) {
            form.error("server", SiteToSite.SERVER_RULE);
        }
        if (!user.isEmpty() && !SiteToSite.REMOTE_USER.matcher(user).matches() || on && user.isEmpty()) {
            form.error("user", SiteToSite.REMOTE_USER_RULE);
        }
        // The remote server's password is whatever its administrator chose: only MS-CHAPv2's
        // limit of 256 characters (RFC 2759 §8.7) applies, not this router's rule for its own accounts.
        if (password.length() > 256) {
            form.error("password", "a password has at most 256 characters");
        } else if (password.isEmpty() && on && !stored.passwordSet()) {
            form.error("password", "enter the password the remote server expects");
        }
        if (!VpnForm.MPPE.contains(mppe)) {
            form.error("mppe", "choose one of the listed policies");
        }
        String subnets = "";
        try {
            subnets = b.siteToSite().checkSubnets(Ipv4.valid(server) ? server : "", form.get("subnets"));
        } catch (IllegalArgumentException e) {
            form.error("subnets", e.getMessage());
        }
        boolean defaultRoute = form.checked("default_route");
        // Checked once the form is read, to compare what it sends with what is stored (a password
        // typed is not among the values the page shows, so it does not make the form another).
        if (FormVersion.stale(form, FormVersion.siteToSite(stored), form.ok() ? FormVersion.siteToSite(
                new SiteToSite.Settings(on, server, user, mppe, subnets, defaultRoute, stored.passwordSet())) : null)) {
            return FormVersion.conflict(siteToSitePage(x, null));
        }
        if (!form.ok()) {
            if (!password.isEmpty()) {
                // A password is never sent back to the browser, and an empty box keeps the stored
                // one: without this, correcting the other field and saving would keep the old password.
                form.error("password", "not saved with the rest: type the new password again");
            }
            return siteToSitePage(x, form);
        }
        b.siteToSite().apply(new SiteToSite.Settings(on, server, user, mppe, subnets, defaultRoute, stored.passwordSet()),
                password.isEmpty() ? null : password, "site-to-site dial-out " + (on ? "on, to " + server : "off")
                        + (subnets.isEmpty() ? "" : ", routing " + subnets) + (defaultRoute ? " and the default route" : ""));
        SiteToSite.Status now = b.siteToSite().status();
        if (on && "off".equals(now.phase())) {
            x.session.warn("Saved, but the tunnel cannot start: " + now.lastFailure());
        } else if (NtPasswordHash.beyondAscii(password)) {
            x.session.warn((on ? "Saved. The router dials " + server + " now." : "Saved.") + " "
                    + SiteToSite.BEYOND_ASCII_NOTE);
        } else {
            x.session.flash(on ? "Saved. The router dials " + server + " now." : "Saved. The site-to-site tunnel is off.");
        }
        return new Reply.Redirect("/site-to-site");
    }
}
