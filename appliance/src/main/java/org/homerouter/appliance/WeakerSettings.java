package org.homerouter.appliance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;

/**
 * Which security settings a configuration import made weaker, and which VPN accounts it let in that
 * could not log in before, in words for the owner. An import restores whatever the file says, by
 * design; a tampered or very old backup can thereby switch off encryption, send the LAN's traffic
 * elsewhere, or bring back a former employee's deleted account or a leaked old password, and the
 * owner must hear of it, not only "applied". Only what got worse is named: an identical or stronger
 * import (the router's own export) says nothing.
 */
final class WeakerSettings {
    /** A listen address meaning every address of the router. */
    private static final String ANY = "0.0.0.0";

    private WeakerSettings() {
    }

    /**
     * @param before the settings in force before the import
     * @param after  the imported settings (a setting absent from either counts as its default)
     * @return one phrase per weakening, e.g. "PAP logins are now allowed"; empty when nothing got weaker
     */
    static List<String> between(Map<Setting, String> before, Map<Setting, String> after) {
        return between(before, after, java.util.Set.of());
    }

    /** As {@link #between(Map, Map)}, with {@code heldElsewhere} the networks branch accounts keep to their tunnels after it. */
    static List<String> between(Map<Setting, String> before, Map<Setting, String> after,
                                java.util.Set<String> heldElsewhere) {
        List<String> out = new ArrayList<>();
        String mppeBefore = get(before, Setting.PPTP_MPPE);
        String mppeAfter = get(after, Setting.PPTP_MPPE);
        if (strength(mppeAfter) < strength(mppeBefore)) {
            out.add("VPN encryption is now " + encryption(mppeAfter) + ", not " + encryption(mppeBefore) + " as before");
        }
        if (papOffered(after) && !papOffered(before)) {
            out.add("PAP logins are now allowed (the VPN password crosses the internet in clear)");
        }
        if (methods(after).contains("chap-md5") && !methods(before).contains("chap-md5")) {
            // Not only a weaker login: CHAP-MD5 needs the passwords themselves, which the router then keeps.
            out.add("CHAP-MD5 is now allowed (the router keeps the VPN passwords themselves, not just hashes)");
        }
        boolean serverOn = on(after, Setting.PPTP_ENABLED);
        if (serverOn && !on(before, Setting.PPTP_ENABLED)) {
            out.add("the VPN server is now on");
        }
        String listenBefore = get(before, Setting.PPTP_LISTEN_ADDRESS);
        if (serverOn && get(after, Setting.PPTP_LISTEN_ADDRESS).equals(ANY) && !listenBefore.equals(ANY)) {
            out.add("the VPN server now answers on every address of this router (was only " + listenBefore + ")");
        }
        String inbound = get(after, Setting.PASSTHROUGH_INBOUND_SERVER).trim();
        String inboundBefore = get(before, Setting.PASSTHROUGH_INBOUND_SERVER).trim();
        if (!inbound.isEmpty() && !inbound.equals(inboundBefore)) {
            out.add("TCP 1723 and GRE from the internet now go to " + inbound
                    + (inboundBefore.isEmpty() ? "" : " (was " + inboundBefore + ")"));
        }
        if (!on(after, Setting.UI_HTTPS) && on(before, Setting.UI_HTTPS)) {
            out.add("HTTPS for the router's web pages is now off");
        }
        String uiListenBefore = get(before, Setting.UI_LISTEN_ADDRESS);
        if (get(after, Setting.UI_LISTEN_ADDRESS).equals(ANY) && !uiListenBefore.equals(ANY)) {
            out.add("the router's web pages now answer on every address of this router (was only " + uiListenBefore + ")");
        }
        dialOut(before, after, heldElsewhere, out);
        return List.copyOf(out);
    }

    /**
     * {@link #between} the settings, then {@link #accounts}: one list, for one warning.
     *
     * @param routedBefore the branch accounts' routed subnets before the import, name to stored list
     */
    static List<String> of(Map<Setting, String> settingsBefore, List<VpnUser> usersBefore,
                           Map<String, String> routedBefore, ConfigDocument.Parsed after) {
        return of(settingsBefore, usersBefore, routedBefore, after, org.homerouter.bridge.route.BootHold.Held.NOTHING);
    }

    /**
     * As above, on a router whose settings were lost: {@code lostHeld} is what it kept to its
     * tunnels since (TunnelOnlyNetworks#settingsLost), which the import lifts where it does not
     * hold it again. (The settings before are the defaults it ran on, which hold nothing.)
     */
    static List<String> of(Map<Setting, String> settingsBefore, List<VpnUser> usersBefore,
                           Map<String, String> routedBefore, ConfigDocument.Parsed after,
                           org.homerouter.bridge.route.BootHold.Held lostHeld) {
        // A network that moved between the dial-out and an account, or between accounts, is still held.
        java.util.Set<String> byAccounts = new java.util.HashSet<>();
        after.routedSubnets().values().forEach(v -> byAccounts.addAll(subnets(v)));
        java.util.Set<String> byDialOut = new java.util.HashSet<>(on(after.settings(), Setting.DIALOUT_ENABLED)
                ? subnets(get(after.settings(), Setting.DIALOUT_SUBNETS)) : List.of());
        List<String> out = new ArrayList<>(between(settingsBefore, after.settings(), byAccounts));
        out.addAll(accounts(usersBefore, routedBefore, after.users(), after.routedSubnets(), byDialOut));
        java.util.Set<String> heldAfter = new java.util.HashSet<>(byAccounts);
        heldAfter.addAll(byDialOut);
        var tunnel = Appliance.tunnelNetwork(after.settings());
        if (on(after.settings(), Setting.PPTP_ENABLED) && tunnel != null) {
            heldAfter.add(org.homerouter.webui.api.RoutedSubnets.cidr(tunnel));
        }
        List<String> lifted = lostHeld.unreachable().stream().filter(n -> !heldAfter.contains(n)).toList();
        if (lostHeld.defaultRouteHeld() && !(on(after.settings(), Setting.DIALOUT_ENABLED)
                && on(after.settings(), Setting.DIALOUT_DEFAULT_ROUTE))) {
            out.add("the LAN's traffic and DNS, held since the settings were lost (they went through the site-to-site"
                    + " tunnel), now leave by this router's internet connection");
        }
        if (!lifted.isEmpty()) {
            out.add("LAN traffic to " + String.join(", ", lifted) + ", held since the settings were lost (reached only"
                    + " through a tunnel), now leaves by this router's internet connection");
        }
        return List.copyOf(out);
    }

    /**
     * Who can dial in after the import that could not before, in the Users page's words: accounts
     * added, enabled again, or given another password (the one in the file: an old backup's may be
     * one that leaked, and was changed here since), and networks newly routed into a branch account's tunnel
     * (the LAN's traffic to them then goes to whoever holds that account). A disabled account is
     * named for none of these: it cannot log in. Routed subnets as stored, "10.2.0.0/24,10.3.0.0/16".
     */
    static List<String> accounts(List<VpnUser> before, Map<String, String> routedBefore, List<VpnUser> after,
                                 Map<String, String> routedAfter) {
        return accounts(before, routedBefore, after, routedAfter, java.util.Set.of());
    }

    /** As above, with {@code heldElsewhere} the networks the dial-out keeps to its tunnel after the import. */
    static List<String> accounts(List<VpnUser> before, Map<String, String> routedBefore, List<VpnUser> after,
                                 Map<String, String> routedAfter, java.util.Set<String> heldElsewhere) {
        Map<String, VpnUser> old = new java.util.HashMap<>();
        before.forEach(u -> old.put(u.name(), u));
        List<String> added = new ArrayList<>();
        List<String> enabledAgain = new ArrayList<>();
        List<String> otherPassword = new ArrayList<>();
        List<String> rerouted = new ArrayList<>();
        for (VpnUser u : after) {
            if (!u.enabled()) {
                continue;
            }
            VpnUser was = old.get(u.name());
            if (was == null) {
                added.add(u.name());
            } else if (!was.enabled()) {
                enabledAgain.add(u.name());
            } else if (!java.util.Arrays.equals(was.ntHash(), u.ntHash()) || otherChapSecret(was, u)) {
                otherPassword.add(u.name());
            }
            // Whoever holds the account, added or not: the LAN's traffic to these networks goes to them.
            List<String> routed = new ArrayList<>(subnets(routedAfter.get(u.name())));
            routed.removeAll(subnets(routedBefore.get(u.name())));
            if (!routed.isEmpty()) {
                rerouted.add("LAN traffic to " + String.join(", ", routed)
                        + " now goes into the tunnel of VPN user " + u.name());
            }
        }
        List<String> out = new ArrayList<>();
        if (!added.isEmpty()) {
            out.add(users(added) + " added");
        }
        if (!enabledAgain.isEmpty()) {
            out.add(users(enabledAgain) + " enabled again");
        }
        if (otherPassword.size() == 1) {
            out.add("the password of VPN user " + otherPassword.getFirst() + " is now the one in the file, not the one set here");
        } else if (!otherPassword.isEmpty()) {
            out.add("the passwords of VPN users " + String.join(", ", otherPassword)
                    + " are now the ones in the file, not the ones set here");
        }
        out.addAll(rerouted);
        // Networks a branch account's tunnel held that nothing holds now: while that branch is
        // offline, the LAN's traffic to them left by the WAN in clear (TunnelOnlyNetworks).
        Map<String, Boolean> enabledAfter = new java.util.HashMap<>();
        after.forEach(u -> enabledAfter.put(u.name(), u.enabled()));
        java.util.Set<String> heldAfter = new java.util.HashSet<>(heldElsewhere);
        after.forEach(u -> heldAfter.addAll(subnets(routedAfter.get(u.name()))));
        for (var entry : new java.util.TreeMap<>(routedBefore).entrySet()) {
            List<String> dropped = new ArrayList<>(subnets(entry.getValue()));
            dropped.removeAll(heldAfter); // by this account, another or the dial-out
            if (!dropped.isEmpty()) {
                out.add("LAN traffic to " + String.join(", ", dropped) + " is no longer kept to the tunnel of VPN user "
                        + entry.getKey() + (enabledAfter.containsKey(entry.getKey()) ? "" : " (not in the file)")
                        + ": while no tunnel routes it, it leaves by this router's internet connection");
            }
        }
        return List.copyOf(out);
    }

    /**
     * A CHAP secret (the password itself, kept while CHAP-MD5 is allowed) the file brings that is
     * not the one stored: with CHAP-MD5 that password logs in, whatever the NT hash beside it.
     */
    private static boolean otherChapSecret(VpnUser was, VpnUser now) {
        return now.chapSecret().isPresent()
                && !(was.chapSecret().isPresent() && java.util.Arrays.equals(was.chapSecret().get(), now.chapSecret().get()));
    }

    /** "VPN user alice" or "VPN users alice, bob". */
    private static String users(List<String> names) {
        return (names.size() == 1 ? "VPN user " : "VPN users ") + String.join(", ", names);
    }

    private static List<String> subnets(String stored) {
        return stored == null || stored.isBlank() ? List.of()
                : java.util.Arrays.stream(stored.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }

    /** The one line for the page and the event log, or empty when nothing got weaker. */
    static String sentence(List<String> weakened) {
        return weakened.isEmpty() ? "" : "This import weakened: " + String.join("; ", weakened) + ".";
    }

    /**
     * The site-to-site tunnel: only while it is on after the import (switched off, its settings
     * send nothing anywhere). A tunnel to a server it did not go to before, or one that now takes
     * all LAN traffic, is named with how little it is encrypted; otherwise a weaker encryption alone.
     */
    private static void dialOut(Map<Setting, String> before, Map<Setting, String> after,
                                java.util.Set<String> heldElsewhere, List<String> out) {
        if (on(before, Setting.DIALOUT_ENABLED) && !get(before, Setting.DIALOUT_MPPE).equals("none")) {
            // What the tunnel held goes out in clear by the WAN from now on: the owner chose it
            // for privacy, and an old backup (from before the tunnel was set up) takes it away unsaid.
            // (An unencrypted tunnel's traffic crossed the internet in clear anyway.)
            String serverBefore = get(before, Setting.DIALOUT_SERVER);
            boolean stillOn = on(after, Setting.DIALOUT_ENABLED);
            if (on(before, Setting.DIALOUT_DEFAULT_ROUTE) && !(stillOn && on(after, Setting.DIALOUT_DEFAULT_ROUTE))) {
                out.add("the LAN's traffic and DNS no longer go through the site-to-site tunnel to " + serverBefore
                        + ": they leave by this router's internet connection");
            }
            List<String> dropped = new ArrayList<>(subnets(get(before, Setting.DIALOUT_SUBNETS)));
            if (stillOn) {
                dropped.removeAll(subnets(get(after, Setting.DIALOUT_SUBNETS)));
            }
            dropped.removeAll(heldElsewhere); // a branch account's tunnel keeps it
            if (!dropped.isEmpty()) {
                out.add("LAN traffic to " + String.join(", ", dropped) + " is no longer kept to the site-to-site"
                        + " tunnel to " + serverBefore + (stillOn ? "" : " (now off)")
                        + ": it leaves by this router's internet connection");
            }
        }
        if (!on(after, Setting.DIALOUT_ENABLED)) {
            return;
        }
        String server = get(after, Setting.DIALOUT_SERVER);
        String serverBefore = get(before, Setting.DIALOUT_SERVER);
        boolean wasOn = on(before, Setting.DIALOUT_ENABLED);
        boolean newServer = !wasOn || !server.equals(serverBefore);
        boolean allTraffic = on(after, Setting.DIALOUT_DEFAULT_ROUTE);
        String mppe = get(after, Setting.DIALOUT_MPPE);
        String unencrypted = switch (mppe) {
            case "none" -> ", unencrypted";
            case "optional" -> ", possibly unencrypted";
            case "require-any" -> ", with weak 40- or 56-bit encryption allowed";
            default -> "";
        };
        if (allTraffic && (newServer || !on(before, Setting.DIALOUT_DEFAULT_ROUTE))) {
            out.add("all LAN traffic now goes through the site-to-site tunnel to " + server + unencrypted);
        } else if (newServer) {
            String subnets = get(after, Setting.DIALOUT_SUBNETS);
            out.add((wasOn ? "the site-to-site tunnel now goes to " + server + " (was " + serverBefore + ")"
                    : "the site-to-site tunnel to " + server + " is now on")
                    + (subnets.isEmpty() ? "" : ", for " + subnets) + unencrypted);
        } else if (strength(mppe) < strength(get(before, Setting.DIALOUT_MPPE))) {
            out.add("the site-to-site tunnel's encryption is now " + encryption(mppe) + ", not "
                    + encryption(get(before, Setting.DIALOUT_MPPE)) + " as before");
        }
    }

    /** Higher is stronger; the two 128-bit kinds are equally strong (stateful only resyncs worse). */
    private static int strength(String mppe) {
        return switch (mppe) {
            case "require-128", "require-128-stateful" -> 4;
            case "require-any" -> 3;
            case "optional" -> 2;
            case "none" -> 1;
            default -> 0;
        };
    }

    /** As the VPN page's choices name them, so the owner finds them there. */
    private static String encryption(String mppe) {
        return switch (mppe) {
            case "require-128" -> "Require 128-bit";
            case "require-128-stateful" -> "Require 128-bit, stateful";
            case "require-any" -> "Require, 40/56/128-bit (weak keys accepted)";
            case "optional" -> "Optional (clients may connect unencrypted)";
            case "none" -> "None (unencrypted)";
            default -> mppe;
        };
    }

    /**
     * Whether the server offers PAP ({@link PptpService#offered}: not while it requires encryption
     * beside MS-CHAPv2). A setting it cannot read counts as not offering it: the import refused it.
     */
    private static boolean papOffered(Map<Setting, String> s) {
        try {
            return PptpService.offered(PptpService.authMethods(get(s, Setting.PPTP_AUTH_METHODS)),
                    PptpService.mppePolicy(get(s, Setting.PPTP_MPPE))).contains(org.homerouter.pptp.auth.AuthMethod.PAP);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static List<String> methods(Map<Setting, String> s) {
        return List.of(get(s, Setting.PPTP_AUTH_METHODS).split(","));
    }

    private static boolean on(Map<Setting, String> s, Setting setting) {
        return Boolean.parseBoolean(get(s, setting));
    }

    private static String get(Map<Setting, String> s, Setting setting) {
        String v = s.get(setting);
        return v == null ? setting.defaultValue() : v;
    }
}
