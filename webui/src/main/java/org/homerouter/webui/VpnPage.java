package org.homerouter.webui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.InboundForwardConflict;
import org.homerouter.webui.api.SettingRefused;
import org.homerouter.webui.api.VpnSettings;

/** The VPN server's settings. */
final class VpnPage {
    private final Backend b;
    private final WebServer web;

    VpnPage(Backend backend, WebServer web) {
        this.b = backend;
        this.web = web;
    }

    Reply vpnPage(Exchange x, Form invalid) {
        Map<String, Object> m = x.model("vpn");
        VpnSettings current = b.vpn().vpn();
        m.put("state", b.sessions().state());
        // The routed networks too: the save refuses a tunnel network on one of them (VpnForm.read).
        m.put("lans", java.util.stream.Stream.concat(
                b.vpn().lanNetworks().stream().map(org.homerouter.webui.api.Subnet::described),
                b.vpn().routedNetworks().stream().map(n -> org.homerouter.webui.api.RoutedSubnets.cidr(n)
                        + ", routed to " + n.interfaceName())).toList());
        m.put("hostDns", b.vpn().hostNameServers());
        m.put("hostDnsIpv6Only", b.vpn().hostNameServersIpv6Only());
        m.put("labels", VpnForm.LABELS);
        Map<String, ?> values;
        if (invalid == null) {
            values = VpnForm.values(current);
            m.put("auth", List.copyOf(current.authMethods()));
        } else {
            values = invalid.values();
            m.put("errors", invalid.errors);
            m.put("auth", invalid.all("auth"));
        }
        m.put("values", values);
        m.put("version", FormVersion.shown(invalid, FormVersion.vpn(current)));
        String note = VpnForm.sessionsBeyondPoolNote(String.valueOf(values.get("pool_start")),
                String.valueOf(values.get("pool_end")), String.valueOf(values.get("max_sessions")));
        if (note != null) {
            m.put("sessionsNote", note);
        }
        return new Reply.Page(invalid == null ? 200 : HttpStatus.BAD_REQUEST_400, "vpn.ftlh", m);
    }

    Reply saveVpn(Exchange x) {
        Form form = x.form();
        VpnSettings s = VpnForm.read(form, b.vpn().lanNetworks(), b.vpn().routedNetworks()); // read first: what it sends counts too
        if (FormVersion.stale(form, FormVersion.vpn(b.vpn().vpn()), s == null ? null : FormVersion.vpn(s))) {
            return FormVersion.conflict(vpnPage(x, null));
        }
        if (s != null && InboundForwardConflict.exists(s, b.vpn().inboundServer(), b.vpn().lanNetworks())) {
            form.error("listen_address", InboundForwardConflict.forServer(b.vpn().inboundServer()));
            s = null;
        }
        VpnSettings old = b.vpn().vpn();
        String uiPort = s == null ? null : webUiPortClash(s, old);
        if (uiPort != null) {
            form.error("port", uiPort);
            s = null;
        }
        if (s != null) {
            VpnForm.checkKeylessMethods(form, s);
            VpnForm.checkStaticAddresses(form, old, s, b.users().users());
            s = form.ok() ? s : null;
        }
        if (s == null) {
            return vpnPage(x, form);
        }
        List<String> connected = b.vpn().restartsServer(old, s) ? b.sessions().connected() : List.of();
        if (!connected.isEmpty() && !"yes".equals(form.get("disconnect"))) {
            // Asked first: the family on the VPN would otherwise be cut off by a save that only says "applied".
            Map<String, Object> m = ((Reply.Page) vpnPage(x, form)).model();
            m.put("disconnecting", connected);
            m.put("notSaved", true); // the title says so: the form looks as sent, as after a save
            return new Reply.Page(HttpStatus.CONFLICT_409, "vpn.ftlh", m);
        }
        int ended;
        try {
            ended = b.vpn().apply(s, "VPN server settings changed: " + describeChanges(old, s));
        } catch (SettingRefused e) {
            form.error(e.field(), e.getMessage() + "; nothing was changed");
            return vpnPage(x, form);
        } catch (IllegalArgumentException e) {
            form.error("port", e.getMessage() + "; nothing was changed");
            return vpnPage(x, form);
        }
        int pool = VpnForm.poolSmallerThanSessions(s.poolStart(), s.poolEnd(), String.valueOf(s.maxSessions()));
        // Said, not only logged: a tightening that cut clients off must not read as a plain save.
        String cut = ended == 0 ? "" : " " + ended + (ended == 1 ? " connected session that no longer met the"
                + " authentication or encryption settings was ended." : " connected sessions that no longer met the"
                + " authentication or encryption settings were ended.");
        x.session.flash(pool == 0 ? "Saved and applied." + cut : "Saved and applied." + cut + " Note: at most " + pool
                + (pool == 1 ? " client" : " clients") + " can be connected at once, as many as the pool holds (see "
                + VpnForm.LABELS.get("max_sessions") + ").");
        return new Reply.Redirect("/vpn");
    }

    /**
     * Why the VPN server cannot have the port chosen, when it is this web UI's own, or null: the
     * System page refuses it the other way round. Otherwise the listener fails and the page blames
     * "another program". Asked when the port changes or the server is switched on only: a save that
     * leaves a listener as it is must not be refused for it.
     */
    private String webUiPortClash(VpnSettings s, VpnSettings old) {
        if (s.port() == old.port() && (old.enabled() || !s.enabled())) {
            return null;
        }
        if (s.port() == web.httpPort()) {
            return "port " + s.port() + " serves this web UI over plain HTTP: choose another";
        }
        if (s.port() == web.httpsPort() || b.system().httpsEnabled() && s.port() == b.system().httpsPort()) {
            return "port " + s.port() + " serves this web UI over HTTPS (see the System page): choose another";
        }
        return null;
    }

    static String describeChanges(VpnSettings a, VpnSettings c) {
        List<String> out = new ArrayList<>();
        if (a.enabled() != c.enabled()) {
            out.add(c.enabled() ? "server enabled" : "server disabled");
        }
        if (!a.listenAddress().equals(c.listenAddress()) || a.port() != c.port()) {
            out.add("listen " + c.listenAddress() + ":" + c.port());
        }
        if (!a.localAddress().equals(c.localAddress()) || !a.poolStart().equals(c.poolStart()) || !a.poolEnd().equals(c.poolEnd())) {
            out.add("tunnel " + c.localAddress() + ", pool " + c.poolStart() + "–" + c.poolEnd());
        }
        if (!a.dnsPrimary().equals(c.dnsPrimary()) || !a.dnsSecondary().equals(c.dnsSecondary())) {
            out.add("DNS " + (c.dnsPrimary() + " " + c.dnsSecondary()).trim());
        }
        if (!a.winsPrimary().equals(c.winsPrimary()) || !a.winsSecondary().equals(c.winsSecondary())) {
            out.add("WINS " + (c.winsPrimary() + " " + c.winsSecondary()).trim());
        }
        if (!a.authMethods().equals(c.authMethods())) {
            out.add("allowed authentication: " + String.join(", ", c.authMethods().stream()
                    .map(m -> VpnForm.AUTH_SHOWN.getOrDefault(m, m)).toList()));
        }
        if (!a.mppe().equals(c.mppe())) {
            out.add("encryption: " + VpnForm.MPPE_SHOWN.getOrDefault(c.mppe(), c.mppe()));
        }
        if (a.maxSessions() != c.maxSessions()) {
            out.add("max sessions " + c.maxSessions());
        }
        int pool = VpnForm.poolSmallerThanSessions(c.poolStart(), c.poolEnd(), String.valueOf(c.maxSessions()));
        if (pool > 0 && (a.maxSessions() != c.maxSessions() || !a.poolStart().equals(c.poolStart())
                || !a.poolEnd().equals(c.poolEnd()))) {
            out.add("at most " + pool + " at once: the pool holds " + pool);
        }
        if (a.idleTimeoutMinutes() != c.idleTimeoutMinutes()) {
            out.add("idle timeout " + c.idleTimeoutMinutes() + " min");
        }
        return out.isEmpty() ? "nothing" : String.join("; ", out);
    }
}
