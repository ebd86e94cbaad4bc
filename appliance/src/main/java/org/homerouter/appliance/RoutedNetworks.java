package org.homerouter.appliance;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.Subnet;

/**
 * Every network this router sends into a tunnel, checked as a whole before one more is stored: a
 * branch office's networks (server side) and the remote site's (dial-out) must stay clear of the
 * router's LANs, of the VPN tunnel network, and of each other, since two tunnels cannot both own
 * one network.
 */
final class RoutedNetworks {
    private RoutedNetworks() {
    }

    /**
     * The canonical form of a branch-office account's networks.
     *
     * @throws IllegalArgumentException saying what overlaps what
     */
    static String checkForUser(ApplianceStore store, String user, String csv) throws SQLException {
        List<Subnet> subnets = RoutedSubnets.parse(csv, user);
        check(store, subnets, "user:" + user);
        return RoutedSubnets.format(subnets);
    }

    /**
     * The canonical form of the dial-out's remote networks.
     *
     * @throws IllegalArgumentException saying what overlaps what, or that the server would loop
     */
    static String checkForDialOut(ApplianceStore store, String server, String csv) throws SQLException {
        List<Subnet> subnets = RoutedSubnets.parse(csv, "the remote site");
        if (Ipv4.valid(server)) {
            RoutedSubnets.checkServerOutside(subnets, Ipv4.parse(server));
        }
        check(store, subnets, "dialout");
        return RoutedSubnets.format(subnets);
    }

    private static void check(ApplianceStore store, List<Subnet> subnets, String owner) throws SQLException {
        Map<Setting, String> cfg = store.settings();
        RouterNetworks.now(cfg).checkRouted(subnets, Appliance.tunnelNetwork(cfg));
        Map<String, String> others = new LinkedHashMap<>();
        store.allRoutedSubnets().forEach((user, list) -> others.put("user:" + user, list));
        others.put("dialout", cfg.get(Setting.DIALOUT_SUBNETS));
        for (var other : others.entrySet()) {
            if (other.getKey().equals(owner)) {
                continue;
            }
            String whose = other.getKey().equals("dialout") ? "the site-to-site dial-out"
                    : "the account " + other.getKey().substring("user:".length());
            RoutedSubnets.checkApart(subnets, RoutedSubnets.parse(other.getValue(), other.getKey()),
                    ", already routed to " + whose);
        }
    }
}
