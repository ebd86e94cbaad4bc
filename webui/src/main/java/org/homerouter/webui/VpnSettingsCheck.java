package org.homerouter.webui;

import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.Fields;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.UserAccounts;
import org.homerouter.webui.api.VpnSettings;

/**
 * The VPN server page's checks for settings that did not come through the page (a configuration
 * import): the same rules, so that an imported file cannot set what the page would refuse (a pool
 * on the LAN, outside the tunnel network or holding the router's own tunnel address, more
 * sessions than the box allows).
 */
public final class VpnSettingsCheck {
    private VpnSettingsCheck() {
    }

    /** What the page would say about these settings, "Label: message" each; empty when it would save them. */
    public static List<String> problems(VpnSettings settings, List<Subnet> lans) {
        Fields fields = new Fields();
        for (Map.Entry<String, Object> e : VpnForm.values(settings).entrySet()) {
            fields.add(e.getKey(), String.valueOf(e.getValue()));
        }
        for (String method : settings.authMethods()) {
            fields.add("auth", method);
        }
        Form form = new Form(fields);
        VpnForm.read(form, lans);
        return form.errors.entrySet().stream().map(e -> "\"" + VpnForm.LABELS.getOrDefault(e.getKey(), e.getKey()) + "\": "
                + e.getValue()).toList();
    }

    /**
     * What the Users page would say about each account's static address under {@code settings}
     * ({@code addresses}: user name to address, in the file's order), "user NAME: static address
     * A: message" each; empty when it would save them all. An address outside the tunnel network is
     * routed nowhere, one in the pool may be held by another client when its user logs in, and one
     * given twice belongs to whichever of the two logs in first.
     */
    public static List<String> staticAddressProblems(VpnSettings settings, Map<String, String> addresses) {
        List<String> out = new java.util.ArrayList<>();
        List<UserAccounts.UserRow> before = new java.util.ArrayList<>();
        for (Map.Entry<String, String> a : addresses.entrySet()) {
            Form form = new Form(new Fields());
            UserForm.checkStaticAddress(form, a.getValue(), a.getKey(), settings, before);
            String problem = form.errors.get("static_address");
            if (problem != null) {
                out.add("user " + a.getKey() + ": static address " + a.getValue() + ": " + problem);
            }
            before.add(new UserAccounts.UserRow(a.getKey(), true, a.getValue(), false, null));
        }
        return out;
    }
}
