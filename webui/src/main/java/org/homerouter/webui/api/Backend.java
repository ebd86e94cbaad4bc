package org.homerouter.webui.api;

/** Everything the UI reads and changes, implemented by the appliance (the UI holds no database). */
public record Backend(AdminAccount admin, VpnConfig vpn, UserAccounts users, LiveSessions sessions, EventLog events,
                      SystemAdmin system, PassthroughCalls passthrough, VpnLockouts vpnLockouts, SiteToSite siteToSite,
                      Firmware firmware, LanSettings lan) {
    /** Without VPN lockouts to show or a site-to-site dial-out (a backend that runs no VPN server). */
    public Backend(AdminAccount admin, VpnConfig vpn, UserAccounts users, LiveSessions sessions, EventLog events,
                   SystemAdmin system, PassthroughCalls passthrough) {
        this(admin, vpn, users, sessions, events, system, passthrough, VpnLockouts.NONE, SiteToSite.NONE, Firmware.NONE,
                LanSettings.NONE);
    }
}
