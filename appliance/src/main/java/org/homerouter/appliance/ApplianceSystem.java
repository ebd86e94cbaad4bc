package org.homerouter.appliance;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.webui.api.SystemAdmin;

/** The System page's whole-router operations. */
record ApplianceSystem(Appliance appliance, Path tlsKeyStore) implements SystemAdmin {
    @Override
    public String exportJson() {
        try {
            return ConfigDocument.export(appliance.store());
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public void importJson(String json, String event) {
        ConfigDocument.Parsed doc = ConfigDocument.parse(json);
        synchronized (appliance.changeLock()) {
            Map<Setting, String> oldSettings;
            List<VpnUser> oldUsers;
            Map<String, String> oldRoutedSubnets;
            try {
                oldSettings = appliance.store().settings();
                oldUsers = appliance.store().users();
                oldRoutedSubnets = appliance.store().allRoutedSubnets();
                appliance.store().replaceConfiguration(doc.settings(), doc.users(), doc.routedSubnets(), event);
            } catch (SQLException e) {
                throw new IllegalArgumentException("the database refused it: " + e.getMessage());
            }
            try {
                appliance.reconfigure();
                appliance.web().applyHttps();
            } catch (Exception e) {
                // E.g. its PPTP or HTTPS port is taken: all or nothing, so the previous configuration comes back.
                try {
                    appliance.store().replaceConfiguration(oldSettings, oldUsers, oldRoutedSubnets,
                            "configuration import undone: " + e.getMessage());
                    appliance.reconfigure();
                    appliance.web().applyHttps();
                } catch (Exception again) {
                    appliance.store().logEvent("service", "restoring the configuration after a failed import: " + again.getMessage());
                }
                throw new IllegalArgumentException("the router cannot run with it: " + e.getMessage());
            }
        }
    }

    @Override
    public void factoryReset() {
        synchronized (appliance.changeLock()) {
            try {
                appliance.store().factoryReset();
                Appliance.ensureMetricsToken(appliance.store());
                appliance.forgetTlsKey(tlsKeyStore);
                appliance.reconfigure();
            } catch (SQLException e) {
                throw new StoreFailure(e);
            } catch (IOException e) {
                throw new IllegalStateException("reset, but the PPTP server could not restart: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean httpsEnabled() {
        return Boolean.parseBoolean(setting(Setting.UI_HTTPS));
    }

    @Override
    public int httpsPort() {
        return Integer.parseInt(setting(Setting.UI_HTTPS_PORT));
    }

    @Override
    public void setHttps(boolean enabled, String event) {
        synchronized (appliance.changeLock()) {
            try {
                appliance.store().putSettings(Map.of(Setting.UI_HTTPS, String.valueOf(enabled)), event);
            } catch (SQLException e) {
                throw new StoreFailure(e);
            }
        }
    }

    @Override
    public String metricsToken() {
        return setting(Setting.METRICS_TOKEN);
    }

    private String setting(Setting s) {
        try {
            return appliance.store().settings().get(s);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }
}
