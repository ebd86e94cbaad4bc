package org.homerouter.appliance.store;

/** The settings the appliance knows, each with the value a fresh router starts with. */
public enum Setting {
    PPTP_ENABLED("pptp.enabled", "true"),
    PPTP_LISTEN_ADDRESS("pptp.listen_address", "0.0.0.0"),
    PPTP_PORT("pptp.port", "1723"),
    // As many as the default pool below holds: a call beyond the pool is refused as busy anyway.
    PPTP_MAX_SESSIONS("pptp.max_sessions", "50"),
    PPTP_MAX_CONTROL_CONNECTIONS("pptp.max_control_connections", "256"),
    // Sessions still logging in at once (a login flood's cost is bounded; half of them per client
    // address, so one host cannot take them all), and sessions per user.
    PPTP_MAX_LOGGING_IN("pptp.max_logging_in", "16"),
    PPTP_MAX_SESSIONS_PER_USER("pptp.max_sessions_per_user", "8"),
    // Hang up a session that carried no IP traffic this long; 0: never.
    PPTP_IDLE_TIMEOUT_MINUTES("pptp.idle_timeout_minutes", "0"),
    // The router's end of every tunnel, and the range clients get (RFC 1332 via IPCP).
    PPTP_LOCAL_ADDRESS("pptp.local_address", "192.168.250.1"),
    PPTP_POOL_START("pptp.pool_start", "192.168.250.10"),
    PPTP_POOL_END("pptp.pool_end", "192.168.250.59"),
    PPTP_DNS_PRIMARY("pptp.dns_primary", ""),
    PPTP_DNS_SECONDARY("pptp.dns_secondary", ""),
    // NetBIOS name servers for old Windows clients (RFC 1877); empty: none offered.
    PPTP_WINS_PRIMARY("pptp.wins_primary", ""),
    PPTP_WINS_SECONDARY("pptp.wins_secondary", ""),
    // Comma-separated, preferred first: mschapv2, chap-md5, pap. Default: MS-CHAPv2 only.
    PPTP_AUTH_METHODS("pptp.auth_methods", "mschapv2"),
    // require-128 | require-128-stateful | require-any | optional | none. require-128 prefers stateless
    // and accepts stateful; require-128-stateful asks for stateful (clean links only): pppd clients
    // then need `mppe-stateful`, without it pppd ends the link ("Refusing MPPE stateful mode").
    PPTP_MPPE("pptp.mppe", "require-128"),
    // LCP keepalive (RFC 1661 §5.8): an Echo-Request every interval seconds (0 = off); the link is
    // declared dead after this many go unanswered. This is what notices a client that vanished.
    PPTP_LCP_ECHO_INTERVAL("pptp.lcp_echo_interval", "20"),
    PPTP_LCP_ECHO_FAILURES("pptp.lcp_echo_failures", "3"),
    // PPTP passthrough ALG for LAN clients dialing outside servers (needs root; P5).
    PASSTHROUGH_ENABLED("passthrough.enabled", "false"),
    // A PPTP server inside the LAN that TCP 1723 + GRE from outside are forwarded to; empty: none.
    PASSTHROUGH_INBOUND_SERVER("passthrough.inbound_server", ""),
    // Site-to-site dial-out (P9): this router dials a remote PPTP server and routes the listed
    // networks (comma-separated CIDR) through the tunnel, reconnecting with backoff when it drops.
    DIALOUT_ENABLED("dialout.enabled", "false"),
    DIALOUT_SERVER("dialout.server", ""),
    DIALOUT_USER("dialout.user", ""),
    // MS-CHAPv2's client side needs only the NT password hash (RFC 2759 §8.1, §8.7): 32 hex digits,
    // never the password.
    DIALOUT_NT_HASH("dialout.nt_hash", ""),
    // As pptp.mppe; require-* never lets the tunnel carry IP unencrypted.
    DIALOUT_MPPE("dialout.mppe", "require-128"),
    DIALOUT_SUBNETS("dialout.subnets", ""),
    // Send everything else through the tunnel too (a default route in a table of its own, so the
    // router's own default route is back by itself when the tunnel goes, and its VPN server still
    // answers remote workers by it); the server stays on the router's own routes (HostRoutePin).
    DIALOUT_DEFAULT_ROUTE("dialout.default_route", "false"),
    // LCP keepalive of the dial-out (RFC 1661 §5.8): a lost link is noticed after interval x failures
    // seconds, then redialed.
    DIALOUT_LCP_ECHO_INTERVAL("dialout.lcp_echo_interval", "10"),
    DIALOUT_LCP_ECHO_FAILURES("dialout.lcp_echo_failures", "3"),
    // The router's own LAN address, its network the /24 (the LAN page; the router image takes it at
    // its next start, before the network comes up).
    LAN_ADDRESS("lan.address", org.homerouter.webui.api.LanSettings.DEFAULT_ADDRESS),
    HOST_NAME("system.host_name", "homerouter"),
    // The UI listens on loopback until the LAN interface is configured (P4): never on the WAN by default.
    UI_LISTEN_ADDRESS("ui.listen_address", "127.0.0.1"),
    UI_PORT("ui.port", "8080"),
    // HTTPS with a self-signed certificate, switched on from the System page.
    UI_HTTPS("ui.https", "false"),
    UI_HTTPS_PORT("ui.https_port", "8443"),
    // Bearer token for /metrics; generated on first start (empty means not yet).
    METRICS_TOKEN("ui.metrics_token", ""),
    // The key (32 random bytes, hex) that signs the cookie by which the UI knows a browser that
    // logged in before; generated on first start and after a factory reset (empty means not yet).
    UI_KNOWN_DEVICE_KEY("ui.known_device_key", ""),
    // The token of the last reset of the admin password at the router that was applied (the
    // initramfs's note carries it): a note is applied once, however often the service restarts.
    ADMIN_RESET_APPLIED("admin.reset_applied", "");

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
