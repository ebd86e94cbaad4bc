package org.homerouter.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.homerouter.appliance.store.Setting;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.LanSettings;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.SettingRefused;
import org.homerouter.webui.api.StorageUnavailable;
import org.homerouter.webui.api.Subnet;

/**
 * The LAN page's side in the appliance. The address is a setting (exported, imported, reset with
 * the rest) and, for the router image, the file {@value #FILE_NAME} in the data directory, which
 * the image's {@code homerouter-lan} reads before systemd-networkd starts: the service itself
 * starts a minute after the network, and an address changed under a running networkd and its DHCP
 * server would leave the LAN's leases and DNS answers half old, half new. So a new address applies
 * at the next restart, which the page offers.
 */
final class ApplianceLan implements LanSettings {
    static final String FILE_NAME = "lan-address";
    /** The image's script that applies the file: where it is, this copy runs on the router image. */
    static final Path IMAGE_SCRIPT = Path.of("/usr/lib/homerouter/homerouter-lan");
    /** The image's LAN port (its 20-lan.network matches it; eth0 is the WAN). */
    static final String IMAGE_LAN_INTERFACE = "eth1";
    /** The image's WAN port, towards the provider's box (its 10-wan.network matches it). */
    static final String IMAGE_WAN_INTERFACE = "eth0";

    private final Appliance appliance;
    private final Path dataDir;
    private final boolean onImage;
    private final String lanInterface;
    /** Every IPv4 address of the machine's interfaces, up or not (a LAN without a cable keeps its address). */
    private final Supplier<List<Subnet>> interfaces;

    ApplianceLan(Appliance appliance, Path dataDir, boolean onImage, String lanInterface,
                 Supplier<List<Subnet>> interfaces) {
        this.appliance = appliance;
        this.dataDir = dataDir;
        this.onImage = onImage;
        this.lanInterface = lanInterface;
        this.interfaces = interfaces;
    }

    static ApplianceLan system(Appliance appliance, Path dataDir) {
        return new ApplianceLan(appliance, dataDir, onImage(), IMAGE_LAN_INTERFACE,
                () -> ApplianceVpnConfig.interfaceNetworks(false));
    }

    /** Whether this copy runs on the router image, where the LAN page's address applies. */
    static boolean onImage() {
        return Files.isExecutable(IMAGE_SCRIPT);
    }

    /** The machine's networks now, with the LAN the settings {@code cfg} hold as {@link #withLanToBe} adds it. */
    static List<Subnet> localNetworksWithLanToBe(Map<Setting, String> cfg) {
        return withLanToBe(ApplianceVpnConfig.localNetworks(), cfg.get(Setting.LAN_ADDRESS), onImage());
    }

    /**
     * {@code local} (the machine's networks now) with, on the router image, the LAN the settings
     * hold ({@code saved}) while no interface has it yet: what the router takes at its next
     * restart counts already, or a VPN pool, a branch office's or the site-to-site's networks, put
     * there now, would clash with the LAN after it.
     */
    static List<Subnet> withLanToBe(List<Subnet> local, String saved, boolean onImage) {
        if (!onImage || !Ipv4.valid(saved) || local.stream().anyMatch(n -> n.network() == Ipv4.parse(saved))) {
            return local;
        }
        List<Subnet> out = new ArrayList<>(local);
        out.add(new Subnet("the LAN set on the LAN page", Ipv4.parse(saved), PREFIX, Subnet.Side.LAN));
        return out;
    }

    /**
     * {@code networks} with the side each is on where the router image tells it (its LAN port is
     * {@value #IMAGE_LAN_INTERFACE}, its WAN port {@value #IMAGE_WAN_INTERFACE}), for the pages to
     * name them by: "the LAN 192.168.0.0/24 on eth0" was the provider's network. Off the image the
     * ports are the machine's own, whose roles nothing here knows: those stay unknown.
     */
    static List<Subnet> withSides(List<Subnet> networks, boolean onImage) {
        if (!onImage) {
            return networks;
        }
        return networks.stream().map(n -> switch (n.interfaceName()) {
            case IMAGE_LAN_INTERFACE -> n.withSide(Subnet.Side.LAN);
            case IMAGE_WAN_INTERFACE -> n.withSide(Subnet.Side.WAN);
            default -> n;
        }).toList();
    }

    @Override
    public Optional<String> notSettable() {
        return onImage ? Optional.empty() : Optional.of("The LAN address is set on this page on the HomeRouter router"
                + " image. This copy of the service runs outside it (started with 'make run' or from its jar): the"
                + " machine's own network settings give its addresses.");
    }

    @Override
    public String address() {
        return settings().get(Setting.LAN_ADDRESS);
    }

    @Override
    public boolean inEffect() {
        return !onImage || now().map(a -> a.equals(address())).orElse(false);
    }

    /** The address the LAN port has now, if any. */
    private Optional<String> now() {
        return interfaces.get().stream().filter(n -> n.interfaceName().equals(lanInterface))
                .map(n -> Ipv4.format(n.network())).findFirst();
    }

    /** As {@link #withLanToBe} for this router's networks now. */
    List<Subnet> withLanToBe(List<Subnet> local) {
        return withLanToBe(withSides(local, onImage), address(), onImage);
    }

    @Override
    public void set(String address, String from) {
        String problem = LanSettings.formProblem(address).orElse(null);
        if (problem != null) {
            throw new SettingRefused("address", problem);
        }
        synchronized (appliance.changeLock()) {
            Map<Setting, String> cfg = settings();
            // The LAN as it is now (a move undone before the restart) makes nothing new clash.
            if (!now().map(address::equals).orElse(false)) {
                try {
                    check(address, cfg, appliance.store().allRoutedSubnets());
                } catch (SQLException e) {
                    throw new StoreFailure(e);
                }
            }
            String before = cfg.get(Setting.LAN_ADDRESS);
            if (!address.equals(before)) {
                // The file first: the image takes the LAN from it at the next start, before this
                // service runs. Written after the setting and failing (a full partition still lets
                // SQLite commit into pages it has), the page said "saved" and the restart kept the old LAN.
                forTheNextStart(address, "the LAN address was not changed: the router's storage cannot be written");
                try {
                    appliance.store().putSettings(Map.of(Setting.LAN_ADDRESS, address), "LAN address set to " + address
                            + "/" + PREFIX + " from " + from + (now().map(address::equals).orElse(false) ? ""
                            : ": the router takes it at its next restart"));
                } catch (SQLException e) {
                    keep(before); // the setting stays: so does the next start's LAN
                    throw new StoreFailure(e);
                }
            }
            keep(address);
        }
    }

    /**
     * {@code address}'s /24 against every other network of the router's in {@code cfg} and
     * {@code routed} (the branch offices' networks by user) and its interfaces but the LAN's, and
     * the settings that name a LAN host: the inbound forward's server, and the VPN server's listen
     * address and the DNS and WINS servers it gives clients where they are in the LAN's network now.
     *
     * @throws SettingRefused saying which and what to do
     */
    void check(String address, Map<Setting, String> cfg, Map<String, String> routed) {
        Subnet lan = LanSettings.network(address);
        String net = RoutedSubnets.cidr(lan);
        Subnet tunnel = Appliance.tunnelNetwork(cfg);
        if (tunnel != null && RoutedSubnets.overlap(lan, tunnel)) {
            throw refused(net + " overlaps the VPN tunnel network " + RoutedSubnets.cidr(tunnel)
                    + ": choose another, or move the tunnel on the VPN server page first.");
        }
        List<Subnet> others = new ArrayList<>();
        for (Subnet s : interfaces.get()) {
            if (!s.interfaceName().equals(lanInterface)) {
                others.add(s);
            }
        }
        for (Subnet s : others) {
            if (RoutedSubnets.overlap(lan, s)) {
                // A free one to name: none of the router's networks, its tunnel's or its routes'.
                List<Subnet> taken = new ArrayList<>(others);
                if (tunnel != null) {
                    taken.add(tunnel);
                }
                routed.values().forEach(v -> taken.addAll(RoutedSubnets.parse(v, "routed")));
                taken.addAll(RoutedSubnets.parse(cfg.get(Setting.DIALOUT_SUBNETS), "routed"));
                throw refused(net + " overlaps " + Ipv4.format(s.network()) + "/" + s.prefixLength() + " on "
                        + s.interfaceName() + " (the router in front of this one, if that is the WAN): choose one it"
                        + " does not use, such as " + RoutedSubnets.unused(taken) + ".");
            }
        }
        for (var branch : routed.entrySet()) {
            for (Subnet s : RoutedSubnets.parse(branch.getValue(), "routed")) {
                if (RoutedSubnets.overlap(lan, s)) {
                    throw refused(net + " overlaps " + RoutedSubnets.cidr(s) + ", the network VPN user "
                            + branch.getKey() + " routes (a branch office's LAN): choose another.");
                }
            }
        }
        for (Subnet s : RoutedSubnets.parse(cfg.get(Setting.DIALOUT_SUBNETS), "routed")) {
            if (RoutedSubnets.overlap(lan, s)) {
                throw refused(net + " overlaps " + RoutedSubnets.cidr(s)
                        + ", a remote network of the site-to-site tunnel: choose another.");
            }
        }
        String inbound = cfg.get(Setting.PASSTHROUGH_INBOUND_SERVER);
        if (Ipv4.valid(inbound) && !lan.contains(Ipv4.parse(inbound))) {
            throw refused("Incoming PPTP is forwarded to " + inbound + ", which would be outside " + net + ": change"
                    + " or clear that forward on the PPTP passthrough page first.");
        }
        // Addresses in the LAN's network now, which the move leaves behind: the router's own
        // (the server could not listen there after the restart, and clients' DNS would be gone).
        Optional<Subnet> old = now().map(LanSettings::network);
        if (old.isEmpty()) {
            return;
        }
        String listen = cfg.get(Setting.PPTP_LISTEN_ADDRESS);
        if (leftBehind(listen, old.get(), lan)) {
            throw refused("The VPN server listens on " + listen + ", in the LAN's network now: set it to listen on every"
                    + " address (0.0.0.0) on the VPN server page first.");
        }
        for (Setting s : List.of(Setting.PPTP_DNS_PRIMARY, Setting.PPTP_DNS_SECONDARY, Setting.PPTP_WINS_PRIMARY,
                Setting.PPTP_WINS_SECONDARY)) {
            String server = cfg.get(s);
            if (leftBehind(server, old.get(), lan)) {
                throw refused("VPN clients are given " + (s.key().contains("dns") ? "DNS" : "WINS") + " server " + server
                        + ", in the LAN's network now: change or clear it on the VPN server page first (with no DNS"
                        + " server set, clients get the router's own).");
            }
        }
    }

    /** Whether {@code address} is in the LAN's network now and not in the one it moves to. */
    private static boolean leftBehind(String address, Subnet old, Subnet lan) {
        return Ipv4.valid(address) && old.contains(Ipv4.parse(address)) && !lan.contains(Ipv4.parse(address));
    }

    private static SettingRefused refused(String message) {
        return new SettingRefused("address", message);
    }

    /**
     * Writes the file the image reads at its next start when it does not say {@code address}
     * already: at every start, and after each change of the settings (this page, an import, a
     * factory reset), so that the restart after them takes the address the settings hold.
     */
    void keep(String address) {
        if (!onImage) {
            return;
        }
        try {
            write(dataDir, address);
        } catch (IOException e) {
            // The setting is kept; the next start or change writes it. Until then the router keeps its LAN.
            appliance.store().logEvent("config", "the LAN address " + address + " could not be written for the next"
                    + " restart: " + e.getMessage());
        }
    }

    /** As {@link #keep}, but a file that cannot be written refuses the change with {@code refusal} and why. */
    void forTheNextStart(String address, String refusal) {
        if (!onImage) {
            return;
        }
        try {
            write(dataDir, address);
        } catch (IOException e) {
            throw new StorageUnavailable(refusal + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The LAN address an imported document moves the router to at its next start, or null: none
     * where it names none or the one the router has ({@code before}), or where the LAN is not set
     * here ({@code settable}: on the image only). The System page's import and the command line's.
     */
    static String importMovesTo(ConfigDocument.Parsed doc, Map<Setting, String> before, boolean settable) {
        String to = doc.settings().get(Setting.LAN_ADDRESS);
        return to == null || to.equals(before.get(Setting.LAN_ADDRESS)) || !settable ? null : to;
    }

    /** Why an import moving the LAN to {@code to} was refused when the file for the next start could not be written. */
    static String importNotKept(String to) {
        return "nothing imported: its LAN address " + to + " could not be kept for the router's next start, as the"
                + " router's storage cannot be written";
    }

    /**
     * The address the file gives (as homerouter-lan takes it at boot: "A.B.C.D/24", a private one
     * the LAN page would take), if any: where the LAN is now on the image.
     */
    static Optional<String> read(Path dataDir) {
        try {
            String text = WholeFile.head(dataDir.resolve(FILE_NAME), 64).strip();
            String address = text.endsWith("/" + PREFIX) ? text.substring(0, text.length() - ("/" + PREFIX).length()) : "";
            return Ipv4.valid(address) && LanSettings.formProblem(address).isEmpty() ? Optional.of(address)
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The file for the image's next start, unless it says {@code address} already. */
    static void write(Path dataDir, String address) throws IOException {
        byte[] text = (address + "/" + PREFIX + "\n").getBytes(StandardCharsets.US_ASCII);
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), text)) {
            return;
        }
        WholeFile.replace(dataDir.resolve(FILE_NAME + ".new"), file, ByteBuffer.wrap(text));
    }

    private Map<Setting, String> settings() {
        try {
            return appliance.store().settings();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }
}
