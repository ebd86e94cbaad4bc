package org.homerouter.webui;

import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.LanSettings;
import org.homerouter.webui.api.SettingRefused;

/** The LAN's address, taken when the router restarts. */
final class LanPage {
    private final Backend b;

    LanPage(Backend backend) {
        this.b = backend;
    }

    Reply lanPage(Exchange x, Form invalid) {
        LanSettings lan = b.lan();
        Map<String, Object> m = x.model("lan");
        String address = lan.address();
        m.put("lanNotSettable", lan.notSettable().orElse(""));
        m.put("lanAddress", address);
        m.put("lanPending", !lan.inEffect());
        m.put("lanPool", lanPool(address));
        m.put("connected", b.sessions().connected());
        m.put("version", FormVersion.shown(invalid, FormVersion.lan(address)));
        if (invalid != null) {
            m.put("values", invalid.values());
            m.put("errors", invalid.errors);
            return new Reply.Page(HttpStatus.BAD_REQUEST_400, "lan.ftlh", m);
        }
        m.put("values", Map.of("address", address));
        return new Reply.Page(200, "lan.ftlh", m);
    }

    /** The addresses the router's DHCP server hands out in the /24 of {@code address}. */
    private static String lanPool(String address) {
        String net = address.substring(0, address.lastIndexOf('.') + 1);
        return net + LanSettings.POOL_FIRST + "–" + net + LanSettings.POOL_LAST;
    }

    Reply saveLan(Exchange x) {
        LanSettings lan = b.lan();
        Form form = x.form();
        String address = form.get("address").strip();
        if (FormVersion.stale(form, FormVersion.lan(lan.address()), FormVersion.lan(address))) {
            return FormVersion.conflict(lanPage(x, null));
        }
        java.util.Optional<String> not = lan.notSettable();
        if (not.isPresent()) {
            x.session.warn("Not saved. " + not.get());
            return new Reply.Redirect("/lan");
        }
        LanSettings.formProblem(address).ifPresent(p -> form.error("address", p));
        if (form.ok()) {
            try {
                lan.set(address, x.clientAddress);
            } catch (SettingRefused e) {
                form.error(e.field(), e.getMessage());
            }
        }
        if (!form.ok()) {
            return lanPage(x, form);
        }
        if (lan.inEffect()) {
            x.session.flash("Saved. The LAN keeps " + address + ": nothing to restart.");
        } else {
            x.session.flash("Saved. The router takes " + address + " when it restarts (the button below).");
        }
        return new Reply.Redirect("/lan");
    }
}
