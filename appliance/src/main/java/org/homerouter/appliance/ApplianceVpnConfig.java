package org.homerouter.appliance;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.Setting;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.SettingRefused;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.VpnConfig;
import org.homerouter.webui.api.VpnSettings;

/** The VPN server page's settings: stored in one transaction, then applied to the running server. */
record ApplianceVpnConfig(Appliance appliance) implements VpnConfig {
    @Override
    public VpnSettings vpn() {
        try {
            return VpnSettingsMapping.from(appliance.store().settings());
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public boolean restartsServer(VpnSettings from, VpnSettings to) {
        Map<Setting, String> running = appliance.appliedSettings();
        if (running == null) {
            return Appliance.restarts(VpnSettingsMapping.to(from), VpnSettingsMapping.to(to));
        }
        // What the save applies: every stored setting (a port or host name the command line stored
        // meanwhile among them), with the page's over them; against what runs.
        Map<Setting, String> next;
        try {
            next = new java.util.EnumMap<>(appliance.store().settings());
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        next.putAll(VpnSettingsMapping.to(to));
        return Appliance.restarts(running, next);
    }

    /**
     * Stores and applies; if the server cannot run with the new settings (the port is taken, say),
     * the old settings are put back and applied, and the error goes to the page: never half-applied.
     * Stored CHAP-MD5 secrets are deleted when CHAP-MD5 is turned off, but only once the server runs
     * with that: an undone change must not have cost every user their CHAP-MD5 login. Then the
     * connected sessions whose login method or encryption the new settings no longer allow are
     * ended: a tightening (encryption required, PAP turned off) otherwise left the weaker sessions
     * up for as long as their clients liked, under a page that said "Saved and applied."
     */
    @Override
    public int apply(VpnSettings settings, String event) {
        synchronized (appliance.changeLock()) {
            try {
                Map<Setting, String> before = VpnSettingsMapping.to(VpnSettingsMapping.from(appliance.store().settings()));
                appliance.store().putSettings(VpnSettingsMapping.to(settings), event);
                try {
                    appliance.reconfigure();
                } catch (IOException e) {
                    appliance.store().putSettings(before, "VPN server settings change undone: " + e.getMessage());
                    try {
                        appliance.reconfigure();
                    } catch (IOException again) {
                        appliance.store().logEvent("service", "PPTP server could not start: " + again.getMessage());
                    }
                    throw refusal(settings, e);
                }
                if (!settings.authMethods().contains("chap-md5") && appliance.store().dropChapSecrets() > 0) {
                    appliance.store().logEvent("config", "stored CHAP-MD5 secrets deleted: CHAP-MD5 is off");
                }
            } catch (SQLException e) {
                throw new StoreFailure(e);
            }
        }
        // Outside the change lock, as the Users page hangs up: hanging up takes each session's lock.
        PptpService pptp = appliance.pptp();
        return pptp == null ? 0 : pptp.endSessionsBelowPolicy().size();
    }

    /** Why the server cannot run with the settings, next to the field to change where that is clear. */
    static IllegalArgumentException refusal(VpnSettings settings, IOException e) {
        String m = String.valueOf(e.getMessage());
        if (addressNotHere(e)) {
            return new SettingRefused("listen_address", settings.listenAddress() + " is not an address of this router: "
                    + "enter one of its own addresses, or 0.0.0.0 for all of them");
        }
        if (e instanceof java.net.BindException && m.contains("Address already in use")) {
            return new SettingRefused("port", "another program on this router already uses TCP port " + settings.port()
                    + ": choose another port");
        }
        return new IllegalArgumentException("the server cannot run with these settings: " + m);
    }

    /** Whether the listener failed because this router does not have its address (EADDRNOTAVAIL), now at least. */
    static boolean addressNotHere(IOException e) {
        return e instanceof java.net.BindException && String.valueOf(e.getMessage()).contains("Cannot assign requested address");
    }

    /**
     * IPv4 networks on this machine's interfaces, except loopback and our own tunnel devices
     * (pptpN, whose /32 peers come from the pool anyway).
     */
    @Override
    public List<Subnet> lanNetworks() {
        ApplianceLan lan = appliance.lan();
        return lan == null ? ApplianceLan.withSides(localNetworks(), ApplianceLan.onImage())
                : lan.withLanToBe(localNetworks());
    }

    @Override
    public List<Subnet> routedNetworks() {
        try {
            return org.homerouter.webui.api.RoutedSubnets.routed(appliance.store().allRoutedSubnets(),
                    appliance.store().settings().get(Setting.DIALOUT_SUBNETS));
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public List<String> hostNameServers() {
        return PptpService.offeredToClients(appliance::everythingThroughTunnel, vpn().localAddress(),
                () -> PptpService.clientNameServers(appliance.dataPlane()).servers()).get().stream()
                .map(java.net.InetAddress::getHostAddress).toList();
    }

    @Override
    public boolean hostNameServersIpv6Only() {
        // Under "everything through the tunnel" clients ask this router, whose queries go to the office's.
        return !appliance.everythingThroughTunnel() && PptpService.clientNameServers(appliance.dataPlane()).wanIpv6Only();
    }

    /** As {@link #lanNetworks()}, for the command line and the dial-out. */
    static List<Subnet> localNetworks() {
        return interfaceNetworks(true);
    }

    /** As {@link #localNetworks()}, or with the interfaces that are down (no cable, say) unless {@code upOnly}. */
    static List<Subnet> interfaceNetworks(boolean upOnly) {
        List<Subnet> out = new ArrayList<>();
        try {
            for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
                if (nic.isLoopback() || nic.getName().startsWith("pptp") || upOnly && !nic.isUp()) {
                    continue;
                }
                for (InterfaceAddress a : nic.getInterfaceAddresses()) {
                    if (a.getAddress() instanceof Inet4Address v4 && a.getNetworkPrefixLength() < 32) {
                        out.add(new Subnet(nic.getName(), Ipv4.parse(v4.getHostAddress()), a.getNetworkPrefixLength()));
                    }
                }
            }
        } catch (SocketException e) {
            // Without the list the pool is checked against the tunnel network only.
        }
        return out;
    }

    @Override
    public boolean passthroughEnabled() {
        try {
            return Boolean.parseBoolean(appliance.store().settings().get(Setting.PASSTHROUGH_ENABLED));
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public String inboundServer() {
        try {
            return appliance.store().settings().get(Setting.PASSTHROUGH_INBOUND_SERVER);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public void setPassthrough(boolean enabled, String inboundServer, String event) {
        synchronized (appliance.changeLock()) {
            try {
                appliance.store().putSettings(Map.of(Setting.PASSTHROUGH_ENABLED, String.valueOf(enabled),
                        Setting.PASSTHROUGH_INBOUND_SERVER, inboundServer), event);
                appliance.applyPassthrough(appliance.store().settings(), false);
            } catch (SQLException e) {
                throw new StoreFailure(e);
            }
        }
    }
}
