package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.bridge.route.BootHold;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.Subnet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The networks that must only be reached through a tunnel, when a command of their holds times out
 * once (ip or nft on a busy board): the housekeeping puts the hold in as soon as it can, without the
 * owner saving a page (the networks, and with "everything" the LAN's traffic and DNS, could leave
 * by the WAN in clear until then), and the event log says so once when it fails and once when it
 * is done. No command reaches this machine's kernel: a board of the test's own answers them.
 */
class TunnelOnlyRetryTest {
    private static final List<Subnet> OFFICE = RoutedSubnets.parse("10.20.1.0/24", "test");
    private static final String ROUTE_ADD = "ip -4 route replace unreachable 10.20.1.0/24";
    private static final String HOLD_FORWARDED = "ip -4 rule add not iif lo unreachable";
    private static final String DNS_HELD = "LAN DNS held";

    @TempDir
    Path dir;
    private ApplianceStore store;
    private final Board board = new Board();
    private TunnelOnlyNetworks holds;

    /**
     * Answers every command as a router with the base firewall does, or times it out as a busy
     * board does when it has {@link #busyWith} in its words; remembers those it carried out.
     */
    private static final class Board extends AdminCommands {
        final List<String> done = new ArrayList<>();
        String busyWith;

        Board() {
            super(null);
        }

        @Override
        public String run(String stdin, String... command) throws IOException {
            String line = String.join(" ", command) + (stdin == null ? "" : " <<< " + stdin);
            if (busyWith != null && line.contains(busyWith)) {
                throw new IOException(String.join(" ", command) + " timed out after 10000 ms");
            }
            if (line.contains(" rule del ")) {
                throw new IOException("RTNETLINK answers: No such file or directory"); // none of ours there
            }
            done.add(line);
            // The office's DNS server is routed into the dial-out's device.
            return line.startsWith("ip -4 route get ") ? command[command.length - 1] + " dev ppp0 src 10.99.0.2" : "";
        }

        boolean did(String command) {
            return done.stream().anyMatch(l -> l.contains(command));
        }
    }

    @BeforeEach
    void router() throws Exception {
        store = ApplianceStore.open(dir.resolve("appliance.db"));
        // An earlier run's hold: this namespace is the router's, though the test has no Linux data plane.
        BootHold.write(dir, List.of(), false);
        holds = new TunnelOnlyNetworks(store, DataPlane.unavailable("test"), dir, cfg -> OptionalInt.empty(), board);
        holds.findLanDns();
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    /** The appliance's housekeeping every 30 s ({@link Appliance#retryKernelChanges}), with the owner's settings of now. */
    private void housekeeping(List<Subnet> dialOut, boolean everything) {
        if (holds.failing()) {
            holds.keep(dialOut, everything);
        }
    }

    private List<String> events() throws Exception {
        return store.events(1000, "service").stream().map(ApplianceStore.EventRow::message).toList().reversed();
    }

    @Test
    void aRouteThatTimedOutIsPutInByTheHousekeepingAndSaidOnceEachWay() throws Exception {
        board.busyWith = ROUTE_ADD;
        holds.keep(OFFICE, false);
        assertFalse(board.did(ROUTE_ADD));
        assertTrue(holds.failing());
        assertTrue(Files.readString(dir.resolve(BootHold.FILE_NAME)).contains("unreachable 10.20.1.0/24\n"),
                "the next boot holds it all the same");
        List<String> failed = events();
        assertEquals(1, failed.size(), failed.toString());
        assertTrue(failed.getFirst().startsWith("networks reached through tunnels could not all be kept unreachable"
                + " while their tunnel is down: " + ROUTE_ADD), failed.getFirst());
        assertTrue(failed.getFirst().endsWith("timed out after 10000 ms; trying again every 30 s"), failed.getFirst());

        housekeeping(OFFICE, false); // still busy
        assertEquals(failed, events(), "nothing more while it still fails");

        board.busyWith = null;
        housekeeping(OFFICE, false);
        assertTrue(board.did(ROUTE_ADD), board.done.toString());
        assertFalse(holds.failing());
        assertEquals(List.of(failed.getFirst(),
                "networks reached through tunnels are kept unreachable while their tunnel is down now"), events());

        int commands = board.done.size();
        housekeeping(OFFICE, false);
        assertEquals(commands, board.done.size(), "nothing tried once done");
    }

    @Test
    void everythingThroughTheTunnelIsHeldByTheHousekeepingOnceTheBoardAnswers() throws Exception {
        board.busyWith = " ";
        holds.keep(OFFICE, true);
        assertFalse(holds.forwardedHeldForTunnel());
        List<String> failed = events();
        assertEquals(3, failed.size(), "the routes, the forwarded traffic, the LAN's DNS, once each: " + failed);
        assertTrue(failed.get(1).startsWith("the site-to-site default route: forwarded traffic could not be kept off"
                + " the router's own default route: "), failed.get(1));
        assertTrue(failed.get(2).startsWith("the site-to-site default route: the LAN's DNS could not be held to the"
                + " tunnel: "), failed.get(2));

        housekeeping(OFFICE, true);
        assertEquals(failed, events(), "nothing more while it still fails");

        board.busyWith = null;
        housekeeping(OFFICE, true);
        assertTrue(board.did(ROUTE_ADD) && board.did(HOLD_FORWARDED) && board.did(DNS_HELD), board.done.toString());
        assertTrue(holds.forwardedHeldForTunnel());
        assertFalse(holds.failing());
        assertEquals(List.of("networks reached through tunnels are kept unreachable while their tunnel is down now",
                "the site-to-site default route: forwarded traffic is kept off the router's own default route now",
                "the site-to-site default route: the LAN's DNS is held to the tunnel now"),
                events().subList(3, events().size()));
    }

    @Test
    void theOfficesDnsThatTimedOutAsTheDialOutCameUpIsPutInByTheHousekeeping() throws Exception {
        holds.keep(OFFICE, true);
        assertFalse(holds.failing());
        int before = events().size();

        // The dial-out's tunnel is up; nft times out as the LAN's queries are to go to the office's
        // server. The dial-out logs that; the queries stay dropped until someone writes it again.
        board.busyWith = "LAN DNS through the tunnel";
        var office = (java.net.Inet4Address) java.net.InetAddress.getByName("10.20.1.53");
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> holds.lanDns().tunnelUp(List.of(office), "ppp0"));
        assertTrue(holds.failing(), "the housekeeping is to try it again");

        board.busyWith = null;
        housekeeping(OFFICE, true);
        assertTrue(board.did("dnat ip to 10.20.1.53"), "the LAN's names stayed unanswered: " + board.done);
        assertFalse(holds.failing());
        assertEquals(List.of("the site-to-site tunnel's DNS is in place now: the LAN's DNS queries to this router are"
                + " sent to the DNS server 10.20.1.53 through the tunnel"), events().subList(before, events().size()));
    }

    /**
     * The command line's {@code user subnets} writes the database only: the branch's next session
     * routed the new network, and whenever its tunnel was down the LAN's traffic to it left by the
     * WAN in clear, until the service's next save or restart. The housekeeping sees the change.
     */
    @Test
    void aBranchNetworkAddedFromTheCommandLineIsHeldByTheHousekeeping() throws Exception {
        store.addUser(new org.homerouter.appliance.store.VpnUser("branch",
                org.homerouter.pptp.auth.NtPasswordHash.of("branch password"), java.util.Optional.empty(), true,
                java.util.Optional.empty()));
        holds.keep(OFFICE, false);
        assertFalse(holds.changedOutside(), "nothing changed since");
        assertFalse(board.did("unreachable 10.30.0.0/24"));

        store.setRoutedSubnets("branch", "10.30.0.0/24", "user branch routes 10.30.0.0/24"); // as `user subnets` does
        assertTrue(holds.changedOutside());
        if (holds.failing() || holds.changedOutside()) { // the housekeeping, as Appliance#retryKernelChanges
            holds.keep(OFFICE, false);
        }
        assertTrue(board.did("ip -4 route replace unreachable 10.30.0.0/24"), board.done.toString());
        assertFalse(holds.changedOutside(), "held: nothing more to do");
    }

    @Test
    void theHousekeepingPutsInWhatTheOwnerWantsNowNotWhatFailed() throws Exception {
        board.busyWith = " ";
        holds.keep(OFFICE, true);
        // The owner switches the dial-out off while the board is still busy: no new failure is said.
        holds.keep(List.of(), false);
        assertEquals(3, events().stream().filter(l -> l.contains(" could not ")).count(), events().toString());

        board.busyWith = null;
        housekeeping(List.of(), false);
        assertFalse(board.did(ROUTE_ADD) || board.did(HOLD_FORWARDED) || board.did(DNS_HELD),
                "the office's holds put in after the owner took them away: " + board.done);
        assertFalse(holds.forwardedHeldForTunnel());
        assertFalse(holds.failing());
        List<String> lines = events();
        assertEquals(6, lines.size(), "one failure and one done line each: " + lines);
        assertTrue(lines.containsAll(List.of(
                "networks reached through tunnels are kept unreachable while their tunnel is down now",
                "the site-to-site default route: forwarded traffic may take the router's own default route again",
                "the site-to-site default route: the LAN's DNS is given back to this router's resolver now")),
                "each done line says what is done now: " + lines);
    }
}
