package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.junit.jupiter.api.Test;

/** What an import made weaker, compared with the settings before it, as the owner is told. */
class WeakerSettingsTest {
    private static Map<Setting, String> defaults() {
        Map<Setting, String> m = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            m.put(s, s.defaultValue());
        }
        return m;
    }

    private static Map<Setting, String> with(Map<Setting, String> base, Object... pairs) {
        Map<Setting, String> m = new EnumMap<>(base);
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((Setting) pairs[i], (String) pairs[i + 1]);
        }
        return m;
    }

    private static List<String> weakened(Map<Setting, String> before, Object... after) {
        return WeakerSettings.between(before, with(before, after));
    }

    @Test
    void anIdenticalImportSaysNothing() {
        assertEquals(List.of(), WeakerSettings.between(defaults(), defaults()));
        assertEquals("", WeakerSettings.sentence(List.of()));
    }

    @Test
    void aStrongerImportSaysNothing() {
        Map<Setting, String> weak = with(defaults(), Setting.PPTP_MPPE, "none", Setting.PPTP_AUTH_METHODS, "mschapv2,pap",
                Setting.PASSTHROUGH_INBOUND_SERVER, "192.168.1.20", Setting.UI_HTTPS, "false",
                Setting.DIALOUT_ENABLED, "true", Setting.DIALOUT_SERVER, "203.0.113.7", Setting.DIALOUT_MPPE, "none",
                Setting.DIALOUT_DEFAULT_ROUTE, "true");
        assertEquals(List.of(), WeakerSettings.between(weak, with(defaults(), Setting.UI_HTTPS, "true")));
        // The two 128-bit kinds are equally strong either way.
        assertEquals(List.of(), weakened(defaults(), Setting.PPTP_MPPE, "require-128-stateful"));
        assertEquals(List.of(), weakened(with(defaults(), Setting.PPTP_MPPE, "require-128-stateful"),
                Setting.PPTP_MPPE, "require-128"));
    }

    @Test
    void vpnEncryptionEachStepDown() {
        assertEquals(List.of("VPN encryption is now Optional (clients may connect unencrypted), not Require 128-bit as before"),
                weakened(defaults(), Setting.PPTP_MPPE, "optional"));
        assertEquals(List.of("VPN encryption is now None (unencrypted), not Require 128-bit as before"),
                weakened(defaults(), Setting.PPTP_MPPE, "none"));
        assertEquals(List.of("VPN encryption is now Require, 40/56/128-bit (weak keys accepted), not Require"
                + " 128-bit, stateful as before"), weakened(with(defaults(), Setting.PPTP_MPPE, "require-128-stateful"),
                Setting.PPTP_MPPE, "require-any"));
        assertEquals(List.of("VPN encryption is now None (unencrypted), not Optional (clients may connect"
                + " unencrypted) as before"),
                weakened(with(defaults(), Setting.PPTP_MPPE, "optional"), Setting.PPTP_MPPE, "none"));
    }

    @Test
    void papAndChapMd5() {
        // Beside required encryption the server offers MS-CHAPv2 alone (PptpService.offered): PAP is not offered.
        assertEquals(List.of(), weakened(defaults(), Setting.PPTP_AUTH_METHODS, "mschapv2,pap"));
        assertEquals(List.of("VPN encryption is now Optional (clients may connect unencrypted), not Require 128-bit as before",
                "PAP logins are now allowed (the VPN password crosses the internet in clear)"),
                weakened(defaults(), Setting.PPTP_AUTH_METHODS, "mschapv2,pap", Setting.PPTP_MPPE, "optional"));
        assertEquals(List.of("PAP logins are now allowed (the VPN password crosses the internet in clear)"),
                weakened(defaults(), Setting.PPTP_AUTH_METHODS, "pap"));
        // CHAP-MD5 has the router keep the passwords themselves, offered or not.
        assertEquals(List.of("CHAP-MD5 is now allowed (the router keeps the VPN passwords themselves, not just"
                + " hashes)"), weakened(defaults(), Setting.PPTP_AUTH_METHODS, "mschapv2,chap-md5"));
    }

    @Test
    void theServerOnAndListeningEverywhere() {
        Map<Setting, String> off = with(defaults(), Setting.PPTP_ENABLED, "false");
        assertEquals(List.of("the VPN server is now on"), weakened(off, Setting.PPTP_ENABLED, "true"));
        Map<Setting, String> one = with(defaults(), Setting.PPTP_LISTEN_ADDRESS, "198.51.100.4");
        assertEquals(List.of("the VPN server now answers on every address of this router (was only 198.51.100.4)"),
                weakened(one, Setting.PPTP_LISTEN_ADDRESS, "0.0.0.0"));
        assertEquals(List.of(), weakened(with(one, Setting.PPTP_ENABLED, "false"), Setting.PPTP_LISTEN_ADDRESS, "0.0.0.0"),
                "a server left off listens nowhere");
    }

    @Test
    void anInboundForwardHttpsAndTheUiAddress() {
        assertEquals(List.of("TCP 1723 and GRE from the internet now go to 192.168.1.20"),
                weakened(defaults(), Setting.PASSTHROUGH_INBOUND_SERVER, "192.168.1.20"));
        assertEquals(List.of("TCP 1723 and GRE from the internet now go to 192.168.1.20 (was 192.168.1.5)"),
                weakened(with(defaults(), Setting.PASSTHROUGH_INBOUND_SERVER, "192.168.1.5"),
                        Setting.PASSTHROUGH_INBOUND_SERVER, "192.168.1.20"));
        assertEquals(List.of(), weakened(with(defaults(), Setting.PASSTHROUGH_INBOUND_SERVER, "192.168.1.5"),
                Setting.PASSTHROUGH_INBOUND_SERVER, ""), "a forward removed is no weakening");
        assertEquals(List.of("HTTPS for the router's web pages is now off"),
                weakened(with(defaults(), Setting.UI_HTTPS, "true"), Setting.UI_HTTPS, "false"));
        assertEquals(List.of("the router's web pages now answer on every address of this router (was only 192.168.1.1)"),
                weakened(with(defaults(), Setting.UI_LISTEN_ADDRESS, "192.168.1.1"), Setting.UI_LISTEN_ADDRESS, "0.0.0.0"));
    }

    @Test
    void theSiteToSiteTunnel() {
        assertEquals(List.of("all LAN traffic now goes through the site-to-site tunnel to 203.0.113.7, unencrypted"),
                weakened(defaults(), Setting.DIALOUT_ENABLED, "true", Setting.DIALOUT_SERVER, "203.0.113.7",
                        Setting.DIALOUT_DEFAULT_ROUTE, "true", Setting.DIALOUT_MPPE, "none"));
        assertEquals(List.of("the site-to-site tunnel to 203.0.113.7 is now on, for 10.1.0.0/16"),
                weakened(defaults(), Setting.DIALOUT_ENABLED, "true", Setting.DIALOUT_SERVER, "203.0.113.7",
                        Setting.DIALOUT_SUBNETS, "10.1.0.0/16"));
        Map<Setting, String> tunnel = with(defaults(), Setting.DIALOUT_ENABLED, "true", Setting.DIALOUT_SERVER,
                "198.51.100.9", Setting.DIALOUT_SUBNETS, "10.1.0.0/16");
        assertEquals(List.of("the site-to-site tunnel now goes to 203.0.113.7 (was 198.51.100.9), for 10.1.0.0/16,"
                + " possibly unencrypted"), weakened(tunnel, Setting.DIALOUT_SERVER, "203.0.113.7",
                Setting.DIALOUT_MPPE, "optional"));
        assertEquals(List.of("all LAN traffic now goes through the site-to-site tunnel to 198.51.100.9"),
                weakened(tunnel, Setting.DIALOUT_DEFAULT_ROUTE, "true"));
        assertEquals(List.of("the site-to-site tunnel's encryption is now None (unencrypted), not Require 128-bit as"
                + " before"),
                weakened(tunnel, Setting.DIALOUT_MPPE, "none"));
        assertEquals(List.of(), weakened(defaults(), Setting.DIALOUT_SERVER, "203.0.113.7",
                Setting.DIALOUT_DEFAULT_ROUTE, "true", Setting.DIALOUT_MPPE, "none"), "a tunnel left off sends nothing");
        // A backup from before the tunnel: what it kept off the internet now leaves by the WAN in clear.
        assertEquals(List.of("LAN traffic to 10.1.0.0/16 is no longer kept to the site-to-site tunnel to 198.51.100.9"
                + " (now off): it leaves by this router's internet connection"),
                weakened(tunnel, Setting.DIALOUT_ENABLED, "false"));
        Map<Setting, String> everything = with(tunnel, Setting.DIALOUT_DEFAULT_ROUTE, "true",
                Setting.DIALOUT_SUBNETS, "10.1.0.0/16, 10.2.0.0/16");
        assertEquals(List.of("the LAN's traffic and DNS no longer go through the site-to-site tunnel to 198.51.100.9:"
                + " they leave by this router's internet connection", "LAN traffic to 10.2.0.0/16 is no longer kept to"
                + " the site-to-site tunnel to 198.51.100.9: it leaves by this router's internet connection"),
                weakened(everything, Setting.DIALOUT_DEFAULT_ROUTE, "false", Setting.DIALOUT_SUBNETS, "10.1.0.0/16"));
        assertEquals(List.of(), weakened(with(tunnel, Setting.DIALOUT_MPPE, "none"), Setting.DIALOUT_ENABLED, "false"),
                "an unencrypted tunnel's traffic crossed the internet in clear anyway");
    }

    /** A network that moves between the dial-out and a branch account, or between accounts, is still held: unsaid. */
    @Test
    void aNetworkThatMovesToAnotherTunnelIsNotSaidToLeave() {
        Map<Setting, String> tunnel = with(defaults(), Setting.DIALOUT_ENABLED, "true", Setting.DIALOUT_SERVER,
                "198.51.100.9", Setting.DIALOUT_SUBNETS, "10.1.0.0/16, 10.2.0.0/16");
        var east = List.of(user("east", "east", true), user("west", "west", true));
        var after = new ConfigDocument.Parsed(with(tunnel, Setting.DIALOUT_SUBNETS, "10.1.0.0/16, 10.3.0.0/16"), east,
                Map.of("east", "10.2.0.0/16", "west", "10.4.0.0/16"));
        assertEquals(List.of("LAN traffic to 10.2.0.0/16 now goes into the tunnel of VPN user east"),
                WeakerSettings.of(tunnel, east, Map.of("east", "10.3.0.0/16", "west", "10.4.0.0/16"), after),
                "10.2 went to east (said: whoever holds east gets it), 10.3 to the dial-out: neither leaves by the WAN");
    }

    /**
     * Settings lost at a start and held since (the boot-hold's copy): an import from before the
     * tunnel lifts what was held, and says so; the settings before (the defaults) held nothing.
     */
    @Test
    void whatWasHeldForLostSettingsAndIsNoLongerIsNamed() {
        var lost = new org.homerouter.bridge.route.BootHold.Held(List.of("10.1.0.0/16", "10.9.0.0/16"), true);
        var oldBackup = new ConfigDocument.Parsed(with(defaults(), Setting.DIALOUT_ENABLED, "true",
                Setting.DIALOUT_SERVER, "198.51.100.9", Setting.DIALOUT_SUBNETS, "10.1.0.0/16"), List.of(), Map.of());
        assertEquals(List.of("the site-to-site tunnel to 198.51.100.9 is now on, for 10.1.0.0/16",
                "the LAN's traffic and DNS, held since the settings were lost (they went through the"
                + " site-to-site tunnel), now leave by this router's internet connection", "LAN traffic to 10.9.0.0/16,"
                + " held since the settings were lost (reached only through a tunnel), now leaves by this router's"
                + " internet connection"),
                WeakerSettings.of(defaults(), List.of(), Map.of(), oldBackup, lost));
        var sameAsLost = new ConfigDocument.Parsed(with(oldBackup.settings(), Setting.DIALOUT_DEFAULT_ROUTE, "true",
                Setting.DIALOUT_SUBNETS, "10.1.0.0/16, 10.9.0.0/16"), List.of(), Map.of());
        assertEquals(List.of("all LAN traffic now goes through the site-to-site tunnel to 198.51.100.9"),
                WeakerSettings.of(defaults(), List.of(), Map.of(), sameAsLost, lost),
                "the last export holds it all again: only what the defaults did not");
    }

    /** A branch account's networks the file no longer routes (or the account it drops) are held by nothing. */
    @Test
    void networksNoLongerHeldForABranchAreNamed() {
        var here = List.of(user("east", "east", true), user("west", "west", false));
        assertEquals(List.of("LAN traffic to 10.3.0.0/16 is no longer kept to the tunnel of VPN user east: while no"
                + " tunnel routes it, it leaves by this router's internet connection", "LAN traffic to 10.5.0.0/16 is no"
                + " longer kept to the tunnel of VPN user west (not in the file): while no tunnel routes it, it leaves by"
                + " this router's internet connection"),
                WeakerSettings.accounts(here, Map.of("east", "10.2.0.0/24,10.3.0.0/16", "west", "10.5.0.0/16"),
                        List.of(user("east", "east", true)), Map.of("east", "10.2.0.0/24")));
    }

    private static org.homerouter.appliance.store.VpnUser user(String name, String password, boolean enabled) {
        return new org.homerouter.appliance.store.VpnUser(name, org.homerouter.pptp.auth.NtPasswordHash.of(password),
                java.util.Optional.empty(), enabled, java.util.Optional.empty());
    }

    /**
     * An old backup brings back what was deleted, disabled or changed since: who can dial in then,
     * and could not before, is named as the Users page names it; the same accounts say nothing.
     */
    @Test
    void accountsThatCanDialInAgainAreNamed() {
        var here = List.of(user("alice", "alice now", true), user("bob", "bob", false), user("carol", "carol", true),
                user("dave", "dave", true));
        var backup = List.of(user("alice", "alice before", true), user("bob", "bob", true), user("carol", "carol", true),
                user("dave", "dave", true), user("erin", "erin", true), user("frank", "frank", true),
                user("gone", "gone", false));
        assertEquals(List.of("VPN users erin, frank added", "VPN user bob enabled again",
                "the password of VPN user alice is now the one in the file, not the one set here",
                "LAN traffic to 10.3.0.0/16 now goes into the tunnel of VPN user dave"),
                WeakerSettings.accounts(here, Map.of("dave", "10.2.0.0/24"), backup,
                        Map.of("dave", "10.2.0.0/24,10.3.0.0/16", "carol", "")));
        assertEquals(List.of(), WeakerSettings.accounts(here, Map.of("dave", "10.2.0.0/24"), here,
                Map.of("dave", "10.2.0.0/24")), "the router's own export");
        assertEquals(List.of(), WeakerSettings.accounts(backup, Map.of(), List.of(user("alice", "alice before", true),
                user("bob", "bob", false)), Map.of()), "accounts removed or disabled: fewer can dial in");
    }

    /**
     * With CHAP-MD5 allowed the CHAP secret is the password itself: a file with the same NT hash but
     * another secret lets that password in. And a branch account the file adds routes LAN traffic
     * to it as much as one that was there.
     */
    @Test
    void anotherChapSecretAndTheRoutesOfAnAddedAccountAreNamed() {
        VpnUser here = new VpnUser("alice", NtPasswordHash.of("alice"), Optional.of("alice".getBytes()), true, Optional.empty());
        VpnUser leaked = new VpnUser("alice", NtPasswordHash.of("alice"), Optional.of("old leaked".getBytes()), true,
                Optional.empty());
        assertEquals(List.of("the password of VPN user alice is now the one in the file, not the one set here"),
                WeakerSettings.accounts(List.of(here), Map.of(), List.of(leaked), Map.of()));
        assertEquals(List.of(), WeakerSettings.accounts(List.of(here), Map.of(), List.of(here), Map.of()));
        assertEquals(List.of("VPN user branch added", "LAN traffic to 10.9.0.0/16 now goes into the tunnel of VPN user branch"),
                WeakerSettings.accounts(List.of(), Map.of(), List.of(user("branch", "branch", true)),
                        Map.of("branch", "10.9.0.0/16")));
    }

    @Test
    void theSentenceNamesThemAll() {
        assertEquals("This import weakened: PAP logins are now allowed; the VPN server is now on.",
                WeakerSettings.sentence(List.of("PAP logins are now allowed", "the VPN server is now on")));
    }
}
