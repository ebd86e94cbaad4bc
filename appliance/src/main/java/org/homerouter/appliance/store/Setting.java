package org.homerouter.appliance.store;

/** The settings the appliance knows, each with the value a fresh router starts with. */
public enum Setting {
    PPTP_ENABLED("pptp.enabled", "true"),
    PPTP_LISTEN_ADDRESS("pptp.listen_address", "0.0.0.0"),
    PPTP_PORT("pptp.port", "1723"),
    PPTP_MAX_SESSIONS("pptp.max_sessions", "64"),
    PPTP_MAX_CONTROL_CONNECTIONS("pptp.max_control_connections", "256"),
    // The router's end of every tunnel, and the range clients get (RFC 1332 via IPCP).
    PPTP_LOCAL_ADDRESS("pptp.local_address", "192.168.250.1"),
    PPTP_POOL_START("pptp.pool_start", "192.168.250.10"),
    PPTP_POOL_END("pptp.pool_end", "192.168.250.59"),
    PPTP_DNS_PRIMARY("pptp.dns_primary", ""),
    PPTP_DNS_SECONDARY("pptp.dns_secondary", ""),
    // Comma-separated, preferred first: mschapv2, chap-md5, pap. Default: MS-CHAPv2 only.
    PPTP_AUTH_METHODS("pptp.auth_methods", "mschapv2"),
    // require-128 | require-128-stateful | require-any | optional | none
    PPTP_MPPE("pptp.mppe", "require-128"),
    HOST_NAME("system.host_name", "homerouter"),
    // The UI listens on loopback until the LAN interface is configured (P4): never on the WAN by default.
    UI_LISTEN_ADDRESS("ui.listen_address", "127.0.0.1"),
    UI_PORT("ui.port", "8080");

    private final String key;
    private final String defaultValue;

    Setting(String key, String defaultValue) {
        this.key = key;
        this.defaultValue = defaultValue;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }
}
