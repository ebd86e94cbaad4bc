package org.homerouter.appliance;

import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.Setting;
import org.homerouter.webui.api.VpnSettings;

/** Between the stored settings (text per key) and the VPN server page's record. */
final class VpnSettingsMapping {
    private VpnSettingsMapping() {
    }

    static VpnSettings from(Map<Setting, String> c) {
        LinkedHashSet<String> auth = new LinkedHashSet<>();
        for (String m : c.get(Setting.PPTP_AUTH_METHODS).split(",")) {
            if (!m.isBlank()) {
                auth.add(m.trim());
            }
        }
        return new VpnSettings(Boolean.parseBoolean(c.get(Setting.PPTP_ENABLED)), c.get(Setting.PPTP_LISTEN_ADDRESS),
                Integer.parseInt(c.get(Setting.PPTP_PORT)), c.get(Setting.PPTP_LOCAL_ADDRESS), c.get(Setting.PPTP_POOL_START),
                c.get(Setting.PPTP_POOL_END), c.get(Setting.PPTP_DNS_PRIMARY), c.get(Setting.PPTP_DNS_SECONDARY),
                c.get(Setting.PPTP_WINS_PRIMARY), c.get(Setting.PPTP_WINS_SECONDARY), auth, c.get(Setting.PPTP_MPPE),
                Integer.parseInt(c.get(Setting.PPTP_MAX_SESSIONS)), Integer.parseInt(c.get(Setting.PPTP_IDLE_TIMEOUT_MINUTES)));
    }

    static Map<Setting, String> to(VpnSettings s) {
        Map<Setting, String> m = new EnumMap<>(Setting.class);
        m.put(Setting.PPTP_ENABLED, String.valueOf(s.enabled()));
        m.put(Setting.PPTP_LISTEN_ADDRESS, s.listenAddress());
        m.put(Setting.PPTP_PORT, String.valueOf(s.port()));
        m.put(Setting.PPTP_LOCAL_ADDRESS, s.localAddress());
        m.put(Setting.PPTP_POOL_START, s.poolStart());
        m.put(Setting.PPTP_POOL_END, s.poolEnd());
        m.put(Setting.PPTP_DNS_PRIMARY, s.dnsPrimary());
        m.put(Setting.PPTP_DNS_SECONDARY, s.dnsSecondary());
        m.put(Setting.PPTP_WINS_PRIMARY, s.winsPrimary());
        m.put(Setting.PPTP_WINS_SECONDARY, s.winsSecondary());
        // Preferred first, as the engine offers them: MS-CHAPv2, then CHAP-MD5, then PAP.
        m.put(Setting.PPTP_AUTH_METHODS, String.join(",", List.of("mschapv2", "chap-md5", "pap").stream()
                .filter(s.authMethods()::contains).toList()));
        m.put(Setting.PPTP_MPPE, s.mppe());
        m.put(Setting.PPTP_MAX_SESSIONS, String.valueOf(s.maxSessions()));
        m.put(Setting.PPTP_IDLE_TIMEOUT_MINUTES, String.valueOf(s.idleTimeoutMinutes()));
        return m;
    }
}
