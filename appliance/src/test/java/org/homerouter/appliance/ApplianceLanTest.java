package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.homerouter.appliance.store.Setting;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.SettingRefused;
import org.homerouter.webui.api.Subnet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LAN page's side in the appliance, as on the router image (its LAN port lan0 here, the WAN
 * wan0): the address for the next start in the file the image reads, and the networks a new LAN
 * must stay out of, each refused in words that say what to do.
 */
class ApplianceLanTest {
    private static final DataPlane NO_DATA_PLANE = DataPlane.unavailable("test: no data plane");
    @TempDir
    Path dir;
    /** The machine's interfaces as the test sets them. */
    private final List<Subnet> interfaces = new CopyOnWriteArrayList<>(List.of(
            new Subnet("lan0", Ipv4.parse("192.168.1.1"), 24), new Subnet("wan0", Ipv4.parse("192.168.1.57"), 24)));

    private Appliance start() throws Exception {
        Appliance a = Appliance.start(dir.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE);
        a.lan(new ApplianceLan(a, dir, true, "lan0", () -> interfaces));
        a.lan().keep(a.store().settings().get(Setting.LAN_ADDRESS)); // as the start does on the image
        return a;
    }

    private String file() throws Exception {
        return Files.readString(dir.resolve(ApplianceLan.FILE_NAME));
    }

    @Test
    void aRouterBehindABoxOnItsLanNetworkMovesItsLanAtTheNextStartAndTheOtherPagesCountTheNewOneAlready()
            throws Exception {
        try (Appliance a = start()) {
            ApplianceLan lan = a.lan();
            assertTrue(lan.inEffect());
            // The provider's box gave the WAN 192.168.1.57/24: the LAN moves.
            lan.set("192.168.2.1", "192.168.1.100");
            assertEquals("192.168.2.1/24\n", file());
            assertEquals("192.168.2.1", a.store().settings().get(Setting.LAN_ADDRESS));
            assertFalse(lan.inEffect(), "until the restart, lan0 has 192.168.1.1");
            assertTrue(a.store().events(5, "config").stream().anyMatch(e -> e.message().equals("LAN address set to"
                    + " 192.168.2.1/24 from 192.168.1.100: the router takes it at its next restart")), "logged");
            // A VPN pool or routed network put in the new LAN now would clash after the restart.
            assertTrue(new ApplianceVpnConfig(a).lanNetworks().stream().anyMatch(n -> n.toString().equals(
                    "192.168.2.0/24 on the LAN set on the LAN page")), new ApplianceVpnConfig(a).lanNetworks().toString());

            // After the restart the image gave lan0 the address: in effect, nothing pending.
            interfaces.set(0, new Subnet("lan0", Ipv4.parse("192.168.2.1"), 24));
            assertTrue(lan.inEffect());
            assertEquals(interfaces, lan.withLanToBe(interfaces), "in effect: nothing added");
        }
    }

    /**
     * The file the image takes the LAN from at its next start cannot be written (a full
     * partition, on which SQLite still commits into pages it has): the page said "saved", and the
     * restart kept the old LAN. The change is refused, saying why, and nothing of it is kept.
     */
    @Test
    void aLanAddressTheNextStartCannotTakeIsRefusedAndNotSaved() throws Exception {
        try (Appliance a = start()) {
            // What stands where the new file is first written: the write fails as on a full disk.
            Files.createDirectories(dir.resolve(ApplianceLan.FILE_NAME + ".new").resolve("in the way"));
            org.homerouter.webui.api.StorageUnavailable e = assertThrows(
                    org.homerouter.webui.api.StorageUnavailable.class, () -> a.lan().set("192.168.2.1", "192.168.1.100"));
            assertTrue(e.getMessage().startsWith("the LAN address was not changed: the router's storage cannot be"
                    + " written"), e.getMessage());
            assertEquals("192.168.1.1", a.store().settings().get(Setting.LAN_ADDRESS));
            assertEquals("192.168.1.1/24\n", file());
        }
    }

    @Test
    void aLanOnAnotherOfTheRoutersNetworksIsRefusedSayingWhichAndNothingIsWritten() throws Exception {
        try (Appliance a = start()) {
            a.store().putSettings(Map.of(Setting.DIALOUT_SUBNETS, "10.20.0.0/16"));
            a.store().addUser(new org.homerouter.appliance.store.VpnUser("branch", new byte[16],
                    java.util.Optional.empty(), true, java.util.Optional.empty()), "10.30.0.0/24", "test");
            a.store().putSettings(Map.of(Setting.PASSTHROUGH_INBOUND_SERVER, "192.168.1.20",
                    Setting.PPTP_LISTEN_ADDRESS, "192.168.1.1", Setting.PPTP_WINS_PRIMARY, "192.168.1.30"));
            String[][] cases = {
                {"192.168.1.200", "192.168.1.0/24 overlaps 192.168.1.57/24 on wan0 (the router in front of this one, if"
                        + " that is the WAN): choose one it does not use, such as 192.168.2.0/24."},
                {"192.168.250.1", "192.168.250.0/24 overlaps the VPN tunnel network 192.168.250.0/24: choose another, or"
                        + " move the tunnel on the VPN server page first."},
                {"10.20.5.1", "10.20.5.0/24 overlaps 10.20.0.0/16, a remote network of the site-to-site tunnel"},
                {"10.30.0.1", "10.30.0.0/24 overlaps 10.30.0.0/24, the network VPN user branch routes"},
                {"192.168.2.1", "Incoming PPTP is forwarded to 192.168.1.20, which would be outside 192.168.2.0/24:"
                        + " change or clear that forward on the PPTP passthrough page first."},
                {"192.168.2.150", "the router hands out .100–.199"},
            };
            for (String[] c : cases) {
                SettingRefused e = assertThrows(SettingRefused.class, () -> a.lan().set(c[0], "192.168.1.100"), c[0]);
                assertEquals("address", e.field());
                assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
            }
            assertEquals("192.168.1.1", a.store().settings().get(Setting.LAN_ADDRESS));
            assertEquals("192.168.1.1/24\n", file(), "the file says what the settings hold");
            // What names the LAN's hosts now, left behind by the move, each in turn.
            a.store().putSettings(Map.of(Setting.PASSTHROUGH_INBOUND_SERVER, "192.168.2.20"));
            SettingRefused listen = assertThrows(SettingRefused.class, () -> a.lan().set("192.168.2.1", "x"));
            assertTrue(listen.getMessage().startsWith("The VPN server listens on 192.168.1.1, in the LAN's network now:"
                    + " set it to listen on every address (0.0.0.0) on the VPN server page first."), listen.getMessage());
            a.store().putSettings(Map.of(Setting.PPTP_LISTEN_ADDRESS, "0.0.0.0"));
            SettingRefused wins = assertThrows(SettingRefused.class, () -> a.lan().set("192.168.2.1", "x"));
            assertTrue(wins.getMessage().startsWith("VPN clients are given WINS server 192.168.1.30, in the LAN's"
                    + " network now"), wins.getMessage());
            a.store().putSettings(Map.of(Setting.PPTP_WINS_PRIMARY, ""));
            a.lan().set("192.168.2.1", "192.168.1.100");
            assertEquals("192.168.2.1/24\n", file());
        }
    }

    @Test
    void anImportOrAFactoryResetIsFollowedByTheFileForTheNextStart() throws Exception {
        try (Appliance a = start()) {
            ApplianceSystem system = new ApplianceSystem(a, Appliance.tlsKeyStore(dir));
            // On the factory's LAN an export does not name it: an older firmware still imports it.
            String atFactory = system.exportJson("test export");
            assertFalse(atFactory.contains("lan.address"), atFactory);
            a.lan().set("10.0.5.1", "192.168.1.100");
            assertEquals("10.0.5.1/24\n", file());
            String moved = system.exportJson("test export");
            assertTrue(moved.contains("\"lan.address\": \"10.0.5.1\""), moved);
            // A backup that does not name the LAN (older than the LAN page) leaves it as it is: the
            // router moved off the network of the box in front of it does not go back onto it.
            system.importJson(atFactory, "test import");
            assertEquals("10.0.5.1", a.store().settings().get(Setting.LAN_ADDRESS));
            assertEquals("10.0.5.1/24\n", file());
            a.lan().set("172.16.9.1", "192.168.1.100");
            system.importJson(moved, "test import");
            assertEquals("10.0.5.1/24\n", file(), "the import's LAN at the next start");
            system.factoryReset();
            assertEquals("192.168.1.1/24\n", file(), "the factory LAN at the next start");
        }
    }

    /**
     * As a change on the LAN page: an import whose LAN the next start could not take (a full
     * partition) was imported and said so, while the restart kept the old LAN. Refused, saying why.
     */
    @Test
    void anImportWhoseLanTheNextStartCannotTakeIsRefusedWhole() throws Exception {
        try (Appliance a = start()) {
            ApplianceSystem system = new ApplianceSystem(a, Appliance.tlsKeyStore(dir));
            a.lan().set("10.0.5.1", "192.168.1.100");
            String moved = system.exportJson("test export").replace("\"system.host_name\": \"homerouter\"",
                    "\"system.host_name\": \"office\"");
            assertTrue(moved.contains("office"), moved);
            a.lan().set("192.168.1.1", "192.168.1.100");
            Files.createDirectories(dir.resolve(ApplianceLan.FILE_NAME + ".new").resolve("in the way"));
            org.homerouter.webui.api.StorageUnavailable e = assertThrows(
                    org.homerouter.webui.api.StorageUnavailable.class, () -> system.importJson(moved, "test import"));
            assertTrue(e.getMessage().startsWith("nothing imported: its LAN address 10.0.5.1 could not be kept for the"
                    + " router's next start, as the router's storage cannot be written"), e.getMessage());
            assertEquals("192.168.1.1", a.store().settings().get(Setting.LAN_ADDRESS));
            assertEquals("homerouter", a.store().settings().get(Setting.HOST_NAME), "nothing of it imported");
            assertEquals("192.168.1.1/24\n", file());
        }
    }

    @Test
    void anImportWhoseLanCannotBeThisRoutersIsRefusedWholeSayingWhy() throws Exception {
        try (Appliance a = start()) {
            ApplianceSystem system = new ApplianceSystem(a, Appliance.tlsKeyStore(dir));
            a.lan().set("192.168.7.1", "192.168.1.100");
            String other = system.exportJson("test export").replace("\"lan.address\": \"192.168.7.1\"",
                    "\"lan.address\": \"192.168.1.200\"");
            a.lan().set("192.168.1.1", "192.168.1.100");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> system.importJson(other, "test import"));
            assertTrue(e.getMessage().startsWith("its LAN address 192.168.1.200 cannot be this router's: 192.168.1.0/24"
                    + " overlaps 192.168.1.57/24 on wan0"), e.getMessage());
            assertEquals("192.168.1.1", a.store().settings().get(Setting.LAN_ADDRESS));
            assertEquals("192.168.1.1/24\n", file());
        }
    }

    /**
     * The VPN server page names a network by its side: on the image eth1 is the LAN and eth0 the
     * WAN (the provider's box's network, once called "the LAN ... on eth0"); off it nothing here
     * knows the machine's ports, and a network is only one of the router's.
     */
    @Test
    void theImagesPortsAreNamedByTheirSideAndOthersAsTheRoutersOwn() {
        List<Subnet> now = List.of(new Subnet("eth1", Ipv4.parse("192.168.1.1"), 24),
                new Subnet("eth0", Ipv4.parse("192.168.0.57"), 24), new Subnet("wg0", Ipv4.parse("10.7.0.1"), 24));
        assertEquals(List.of("this router's LAN (192.168.1.0/24)",
                "the network on this router's internet (WAN) side (192.168.0.0/24)",
                "a network of this router's (10.7.0.0/24 on wg0)"),
                ApplianceLan.withSides(now, true).stream().map(Subnet::described).toList());
        assertEquals(List.of("a network of this router's (192.168.1.0/24 on eth1)",
                "a network of this router's (192.168.0.0/24 on eth0)", "a network of this router's (10.7.0.0/24 on wg0)"),
                ApplianceLan.withSides(now, false).stream().map(Subnet::described).toList());
        assertEquals("this router's LAN (192.168.2.0/24)",
                ApplianceLan.withLanToBe(now, "192.168.2.1", true).getLast().described(), "the LAN to be is the LAN");
    }

    @Test
    void aLanToBeCountsForTheOtherChecksOnTheRouterImageOnly() {
        List<Subnet> now = List.of(new Subnet("eth1", Ipv4.parse("192.168.1.1"), 24));
        assertEquals("[192.168.1.0/24 on eth1, 192.168.2.0/24 on the LAN set on the LAN page]",
                ApplianceLan.withLanToBe(now, "192.168.2.1", true).toString());
        assertEquals(now, ApplianceLan.withLanToBe(now, "192.168.1.1", true), "in effect");
        assertEquals(now, ApplianceLan.withLanToBe(now, "192.168.2.1", false), "off the image the setting is nothing");
    }
}
