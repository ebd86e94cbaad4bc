package org.homerouter.appliance;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.auth.NtPasswordHash;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dialout}: configures the site-to-site dial-out without the UI (the running appliance
 * applies it at its next start; the UI applies it at once). The password is read from stdin or a
 * prompt and only its NT hash is stored: MS-CHAPv2's client side needs nothing more.
 */
@Command(name = "dialout", mixinStandardHelpOptions = true,
        description = "Configure the site-to-site dial-out: this router dials a PPTP server and routes the remote networks through it.")
final class DialOutCommand extends UserCommand.PasswordCommand {
    /**
     * This process changes the database only: a running service reads the dial-out's settings when
     * it starts or when a page applies them, never by itself. Printed so that "dial-out on" is not
     * read as "dialling now".
     */
    static final String RUNNING_SERVICE = "A running service applies this " + ConfigCommand.RESTARTS
            + " or when the Site-to-site or the VPN server page is saved (a VPN server save applies every stored"
            + " setting); until then it keeps the dial-out as it was.";

    @Option(names = "--server", description = "The remote PPTP server: an IPv4 address, or a DNS name looked up at each dial (a dynamic-DNS name works).")
    String server;

    @Option(names = "--user", description = "User name on the remote server.")
    String user;

    @Option(names = "--password", description = "Set the password (prompted, or one line of stdin with --password-stdin).")
    boolean setPassword;

    @Option(names = "--subnets", description = "Remote networks to route through the tunnel, comma-separated CIDR (\"\" for none).")
    String subnets;

    @Option(names = "--mppe", description = "require-128 | require-128-stateful | require-any | optional | none")
    String mppe;

    @Option(names = "--lcp-echo-interval", description = "Seconds between LCP echoes (a dead link is found after 3 unanswered).")
    Integer echoInterval;

    @Option(names = "--default-route", negatable = true,
            description = "Send everything else through the tunnel too (--no-default-route: only the listed networks).")
    Boolean defaultRoute;

    @Option(names = "--enable", negatable = true, description = "Switch the dial-out on (--no-enable: off).")
    Boolean enable;

    @Override
    boolean startsConfiguration() {
        return true;
    }

    @Override
    public Integer call() throws Exception {
        try (ApplianceStore store = open()) {
            // Asked before the settings are read: read before, they would be written back as they
            // were when the prompt appeared, undoing what the Site-to-site page saved meanwhile.
            String newHash = null;
            boolean beyondAscii = false;
            if (setPassword) {
                String name = user != null ? user.strip() : store.settings().get(Setting.DIALOUT_USER);
                // The remote server's password is whatever its administrator chose, as on the
                // Site-to-site page: not this router's 8 characters at least for its own accounts.
                String password = new String(readPassword(name.isEmpty() ? "the remote server" : name, 1));
                newHash = HexFormat.of().formatHex(NtPasswordHash.of(password));
                beyondAscii = NtPasswordHash.beyondAscii(password);
            }
            Map<Setting, String> cfg = store.settings();
            Map<Setting, String> changes = new EnumMap<>(Setting.class);
            // Bad input throws IllegalArgumentException: one "error:" line and exit 2, as in every
            // command (this one said "refused:").
            if (server != null) {
                if (!org.homerouter.webui.api.SiteToSite.validServer(server)) {
                    throw new IllegalArgumentException("the server must be an IPv4 address or a DNS name, such as"
                            + " 203.0.113.7 or office.example.com");
                }
                changes.put(Setting.DIALOUT_SERVER, server);
            }
            if (user != null) {
                if (!org.homerouter.webui.api.SiteToSite.REMOTE_USER.matcher(user.strip()).matches()) {
                    throw new IllegalArgumentException(org.homerouter.webui.api.SiteToSite.REMOTE_USER_RULE);
                }
                changes.put(Setting.DIALOUT_USER, user.strip());
            }
            if (mppe != null) {
                PptpService.mppePolicy(mppe);
                changes.put(Setting.DIALOUT_MPPE, mppe);
            }
            if (echoInterval != null) {
                if (echoInterval < 1 || echoInterval > 3600) {
                    throw new IllegalArgumentException("the LCP echo interval is 1 to 3600 seconds");
                }
                changes.put(Setting.DIALOUT_LCP_ECHO_INTERVAL, echoInterval.toString());
            }
            String effectiveServer = changes.getOrDefault(Setting.DIALOUT_SERVER, cfg.get(Setting.DIALOUT_SERVER));
            String effectiveSubnets = subnets != null ? subnets : cfg.get(Setting.DIALOUT_SUBNETS);
            String checkedSubnets = RoutedNetworks.checkForDialOut(store, effectiveServer, effectiveSubnets);
            if (subnets != null || server != null) { // stored only when asked for (or checked against a new server)
                changes.put(Setting.DIALOUT_SUBNETS, checkedSubnets);
            }
            if (newHash != null) {
                changes.put(Setting.DIALOUT_NT_HASH, newHash);
            }
            if (defaultRoute != null) {
                changes.put(Setting.DIALOUT_DEFAULT_ROUTE, defaultRoute.toString());
            }
            if (enable != null) {
                changes.put(Setting.DIALOUT_ENABLED, enable.toString());
            }
            Map<Setting, String> after = new EnumMap<>(cfg);
            after.putAll(changes);
            if (Boolean.parseBoolean(after.get(Setting.DIALOUT_ENABLED))) {
                DialOut.Config.from(after); // everything needed to dial is there
            }
            // As the Site-to-site page's line says it: what the tunnel does now, not only that it changed.
            store.putSettings(changes, "site-to-site dial-out configured from the command line: "
                    + (Boolean.parseBoolean(after.get(Setting.DIALOUT_ENABLED)) ? "on" : "off") + ", to "
                    + orNone(after.get(Setting.DIALOUT_SERVER)) + " as " + orNone(after.get(Setting.DIALOUT_USER))
                    + ", routing " + orNone(after.get(Setting.DIALOUT_SUBNETS))
                    + (Boolean.parseBoolean(after.get(Setting.DIALOUT_DEFAULT_ROUTE)) ? " and the default route" : "")
                    + ", MPPE " + after.get(Setting.DIALOUT_MPPE)
                    + (newHash != null ? "; password changed" : ""));
            Map<Setting, String> now = store.settings();
            System.out.printf("dial-out %s: server %s, user %s, password %s, MPPE %s, routes %s%s%n",
                    Boolean.parseBoolean(now.get(Setting.DIALOUT_ENABLED)) ? "on" : "off",
                    orNone(now.get(Setting.DIALOUT_SERVER)), orNone(now.get(Setting.DIALOUT_USER)),
                    now.get(Setting.DIALOUT_NT_HASH).isEmpty() ? "not set" : "set",
                    now.get(Setting.DIALOUT_MPPE), orNone(now.get(Setting.DIALOUT_SUBNETS)),
                    Boolean.parseBoolean(now.get(Setting.DIALOUT_DEFAULT_ROUTE)) ? " and the default route" : "");
            if (beyondAscii) {
                System.out.println("note: " + org.homerouter.webui.api.SiteToSite.BEYOND_ASCII_NOTE);
            }
            System.out.println(RUNNING_SERVICE);
        }
        return 0;
    }

    private static String orNone(String v) {
        return v.isEmpty() ? "(none)" : v;
    }
}
