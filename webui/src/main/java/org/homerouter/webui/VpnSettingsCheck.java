package org.homerouter.webui;

import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.Fields;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.VpnSettings;

/**
 * The VPN server page's checks for settings that did not come through the page (a configuration
 * import): the same rules, so that an imported file cannot set what the page would refuse (a pool
 * on the LAN, outside the tunnel network or holding the router's own tunnel address, more sessions
 * than the box allows). The address rules that came later (a public tunnel network, a loopback DNS
 * server) are not among them: a backup from before them restores, and {@link #addressProblems}
 * names what they find.
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
        // An import: the newer address rules are warned of, not refused; its routed networks are the
        // importing router's to judge at its next start, as ConfigDocument leaves them.
        VpnForm.read(form, lans, List.of(), false);
        return form.errors.entrySet().stream().map(e -> "\"" + VpnForm.LABELS.getOrDefault(e.getKey(), e.getKey()) + "\": "
                + e.getValue()).toList();
    }

    /**
     * The page's address rules alone ({@link org.homerouter.webui.api.VpnAddresses}), for settings
     * already stored (an older database, an import from before the rules): the router's tunnel
     * address and the DNS and WINS servers offered to clients, "Label: message" each, the same
     * words as the page's; empty when they pass. Values that are not IPv4 addresses pass here:
     * the server's own start says what it cannot read.
     */
    public static List<String> addressProblems(String localAddress, String dnsPrimary, String dnsSecondary,
                                               String winsPrimary, String winsSecondary) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("local_address", localAddress);
        fields.put("dns_primary", dnsPrimary);
        fields.put("dns_secondary", dnsSecondary);
        fields.put("wins_primary", winsPrimary);
        fields.put("wins_secondary", winsSecondary);
        return fields.entrySet().stream().flatMap(e -> VpnForm.addressProblem(e.getKey(), e.getValue()).stream()
                .map(p -> "\"" + VpnForm.LABELS.get(e.getKey()) + "\": " + p)).toList();
    }
}
