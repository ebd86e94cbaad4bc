package org.homerouter.webui;

import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.InboundForwardConflict;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.LanSettings;

/** PPTP passthrough: LAN clients' calls out through the router, and incoming PPTP forwarded to a LAN server. */
final class PassthroughPage {
    private final Backend b;

    PassthroughPage(Backend backend) {
        this.b = backend;
    }

    Reply passthrough(Exchange x) {
        return passthroughPage(x, null);
    }

    private Reply passthroughPage(Exchange x, Form invalid) {
        Map<String, Object> m = x.model("passthrough");
        m.put("calls", b.passthrough().calls());
        m.put("reason", b.passthrough().unavailableReason());
        m.put("version", FormVersion.shown(invalid, FormVersion.passthrough(b.vpn().passthroughEnabled(),
                b.vpn().inboundServer())));
        if (invalid != null) {
            m.put("values", invalid.values());
            m.put("errors", invalid.errors);
            return new Reply.Page(HttpStatus.BAD_REQUEST_400, "passthrough.ftlh", m);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        if (b.vpn().passthroughEnabled()) {
            v.put("enabled", "on");
        }
        v.put("inbound_server", b.vpn().inboundServer());
        m.put("values", v);
        return new Reply.Page(200, "passthrough.ftlh", m);
    }

    /**
     * "192.168.0.10 is not on your LAN (192.168.1.0/24): enter the address of the PPTP server on
     * your LAN, e.g. 192.168.1.20." The example is a host of the LAN outside its DHCP pool, not the
     * router's own {@code lanAddress}.
     */
    static String notOnLan(String inbound, String lanAddress) {
        int router = Ipv4.parse(lanAddress);
        int net = router & LanSettings.network(lanAddress).mask();
        String example = Ipv4.format(net | ((router & 0xFF) == 20 ? 21 : 20));
        return inbound + " is not on your LAN (" + Ipv4.format(net) + "/" + LanSettings.PREFIX + "): enter the address"
                + " of the PPTP server on your LAN, e.g. " + example + ".";
    }

    Reply savePassthrough(Exchange x) {
        Form form = x.form();
        if (FormVersion.stale(form, FormVersion.passthrough(b.vpn().passthroughEnabled(), b.vpn().inboundServer()),
                FormVersion.passthrough(form.checked("enabled"), form.get("inbound_server")))) {
            return FormVersion.conflict(passthroughPage(x, null));
        }
        boolean on = form.checked("enabled");
        String inbound = form.get("inbound_server");
        if (!inbound.isEmpty()) {
            // Where the LAN page sets the LAN (the router image), the server must be in its /24, as the
            // LAN page keeps it there (ApplianceLan.check): a private address alone let 192.168.0.10,
            // on the provider box's side, be saved as "Incoming PPTP goes to 192.168.0.10".
            // Elsewhere the machine's own settings give its LAN, which this page does not know.
            boolean lanKnown = b.lan().notSettable().isEmpty();
            if (!Ipv4.valid(inbound)) {
                form.error("inbound_server", "Not an IPv4 address such as 192.168.1.10.");
            } else if (!b.lan().inEffect() && !LanSettings.network(b.lan().address()).contains(Ipv4.parse(inbound))) {
                form.error("inbound_server", "The LAN moves to " + b.lan().address() + "/" + LanSettings.PREFIX
                        + " when the router restarts (the LAN page): the server must be inside it.");
            } else if (lanKnown && !LanSettings.network(b.lan().address()).contains(Ipv4.parse(inbound))) {
                form.error("inbound_server", notOnLan(inbound, b.lan().address()));
            } else if (!lanKnown && !Ipv4.rfc1918(Ipv4.parse(inbound))) { // the only place a LAN server can be
                form.error("inbound_server", "The server must be inside the LAN: a private address "
                        + "(10.x.x.x, 172.16–31.x.x or 192.168.x.x).");
            } else if (InboundForwardConflict.exists(b.vpn().vpn(), inbound, b.vpn().lanNetworks())) {
                form.error("inbound_server", InboundForwardConflict.forForward());
            }
        }
        if (!form.ok()) {
            return passthroughPage(x, form);
        }
        b.vpn().setPassthrough(on, inbound, "PPTP passthrough " + (on ? "enabled" : "disabled")
                + (inbound.isEmpty() ? ", no inbound forward" : ", inbound PPTP forwarded to " + inbound));
        String reason = b.passthrough().unavailableReason();
        String inboundFailure = b.passthrough().inboundFailure();
        String notice = (on ? reason.isEmpty() ? "Saved. Passthrough is on." : "Saved, but " + reason + "."
                : "Saved. Passthrough is off.") + (inbound.isEmpty() ? ""
                : inboundFailure.isEmpty() ? " Incoming PPTP goes to " + inbound + "."
                : " Incoming PPTP is not forwarded to " + inbound + ": " + inboundFailure + ".");
        if (on && !reason.isEmpty() || !inbound.isEmpty() && !inboundFailure.isEmpty()) {
            x.session.warn(notice);
        } else {
            x.session.flash(notice);
        }
        return new Reply.Redirect("/passthrough");
    }
}
