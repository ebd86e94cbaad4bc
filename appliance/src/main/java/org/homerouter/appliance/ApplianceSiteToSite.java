package org.homerouter.appliance;

import java.io.IOException;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.webui.api.SiteToSite;

/** The Site-to-site page's view of the dial-out: its stored settings, and the live state. */
final class ApplianceSiteToSite implements SiteToSite {
    private final Appliance appliance;

    ApplianceSiteToSite(Appliance appliance) {
        this.appliance = appliance;
    }

    @Override
    public Settings settings() {
        Map<Setting, String> cfg = settingsOrFail();
        return new Settings(Boolean.parseBoolean(cfg.get(Setting.DIALOUT_ENABLED)), cfg.get(Setting.DIALOUT_SERVER),
                cfg.get(Setting.DIALOUT_USER), cfg.get(Setting.DIALOUT_MPPE), cfg.get(Setting.DIALOUT_SUBNETS),
                Boolean.parseBoolean(cfg.get(Setting.DIALOUT_DEFAULT_ROUTE)), !cfg.get(Setting.DIALOUT_NT_HASH).isEmpty());
    }

    @Override
    public Status status() {
        DialOut.State s = appliance.dialOutState();
        String summary = s.describe().substring("site-to-site: ".length());
        if (s.phase() != DialOut.Phase.UP && appliance.forwardedHeldForTunnel()) {
            summary += ". Until it is up, LAN hosts reach nothing beyond the networks this router is on: everything"
                    + " else goes through the tunnel or nowhere";
        }
        return new Status(s.phase().name().toLowerCase(java.util.Locale.ROOT).replace("disabled", "off"), summary,
                s.lastFailure());
    }

    @Override
    public String checkSubnets(String server, String subnets) {
        try {
            return RoutedNetworks.checkForDialOut(appliance.store(), server, subnets);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public void apply(Settings s, String password, String event) {
        Map<Setting, String> changes = new EnumMap<>(Setting.class);
        changes.put(Setting.DIALOUT_ENABLED, Boolean.toString(s.enabled()));
        changes.put(Setting.DIALOUT_SERVER, s.server());
        changes.put(Setting.DIALOUT_USER, s.user());
        changes.put(Setting.DIALOUT_MPPE, s.mppe());
        changes.put(Setting.DIALOUT_SUBNETS, s.subnets());
        changes.put(Setting.DIALOUT_DEFAULT_ROUTE, Boolean.toString(s.defaultRoute()));
        if (password != null) {
            // Only the NT hash: MS-CHAPv2's client side needs nothing more (RFC 2759 §8.1, §8.7).
            changes.put(Setting.DIALOUT_NT_HASH, HexFormat.of().formatHex(NtPasswordHash.of(password)));
        }
        synchronized (appliance.changeLock()) {
            try {
                appliance.store().putSettings(changes, event);
                appliance.reconfigureDialOut();
            } catch (SQLException e) {
                throw new StoreFailure(e);
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }

    private Map<Setting, String> settingsOrFail() {
        try {
            return appliance.store().settings();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }
}
