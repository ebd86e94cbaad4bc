package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.VpnUser;
import java.util.EnumSet;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.appliance.store.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings changed in the UI take effect at once, and leave the sessions they do not concern up. */
class LiveApplyTest {
    @TempDir
    Path dir;

    /** The appliance with these users, on loopback and the in-memory data plane, its PPTP port chosen by the OS. */
    private Appliance start(InMemoryDialIn net, String... users) throws Exception {
        return Appliance.start(InMemoryDialIn.databaseWithUsers(dir, users), new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane());
    }

    private static InMemoryDialIn.Client aliceOnTheFirstAddress(InMemoryDialIn net, Appliance a) throws Exception {
        InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
        assertEquals("192.168.250.10", alice.tunnelAddress());
        return alice;
    }

    /** The stored listener stays as it was (0.0.0.0:1723), so the command line's 127.0.0.1:0 stays in force. */
    private static String[] vpnForm(boolean enabled, String poolStart, String poolEnd, String dns) {
        return new String[] {"enabled", enabled ? "on" : "", "listen_address", "0.0.0.0", "port", "1723",
                "local_address", "192.168.250.1", "pool_start", poolStart, "pool_end", poolEnd, "dns_primary", dns,
                "auth", "mschapv2", "mppe", "require-128", "max_sessions", "64", "idle_timeout", "0"};
    }

    /** The VPN form as posted, without the "enabled" box when off (as a browser sends it). */
    private static String[] form(boolean enabled, String poolStart, String poolEnd, String dns, int port) {
        String[] f = vpnForm(enabled, poolStart, poolEnd, dns);
        if (!enabled) {
            String[] g = new String[f.length - 2];
            System.arraycopy(f, 2, g, 0, g.length);
            return g;
        }
        return f;
    }

    /** The form, with the owner's yes to disconnecting the sessions up now. */
    private static String[] withDisconnect(String[] form) {
        String[] f = java.util.Arrays.copyOf(form, form.length + 2);
        f[form.length] = "disconnect";
        f[form.length + 1] = "yes";
        return f;
    }

    @Test
    void poolAndDnsChangesApplyToNewSessionsWhileConnectedOnesStayUp() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            int port = a.pptpAddress().getPort();
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);

            UiClient ui = UiClient.setUp(a.uiPort());
            var r = ui.post("/vpn", form(true, "192.168.250.100", "192.168.250.110", "192.168.250.1", port));
            assertEquals(303, r.statusCode(), r.body());

            assertEquals(port, a.pptpAddress().getPort(), "same listener: no restart");
            assertFalse(alice.ended.isDone(), "alice's session is not concerned and stays up");
            assertEquals(1, a.sessions().size());
            InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "bob", "bob password");
            assertEquals("192.168.250.100", bob.tunnelAddress(), "a new session gets the new pool");
            assertEquals("192.168.250.1", bob.up.get().ipConfiguration().orElseThrow().primaryDns().orElseThrow().getHostAddress(),
                    "and the new DNS server");
            assertEquals(2, a.sessions().size());
            assertFalse(alice.ended.isDone());
            assertTrue(a.store().recentEvents(20).stream().anyMatch(e -> e.contains("pool 192.168.250.100–192.168.250.110")),
                    a.store().recentEvents(20).toString());
        }
    }

    /**
     * Moving the VPN's tunnel network strands the connected clients' addresses outside it (the
     * firewall's set of VPN clients and the fail-closed routes follow the new network): the page
     * asks first, like a port change, and the owner's yes disconnects them to dial in again. A new
     * router address within the same network needs neither.
     */
    @Test
    void movingTheTunnelNetworkAsksFirstThenDisconnectsTheConnected() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());

            String[] sameNetwork = form(true, "192.168.250.10", "192.168.250.59", "", 0);
            sameNetwork[java.util.Arrays.asList(sameNetwork).indexOf("local_address") + 1] = "192.168.250.2";
            var r = ui.post("/vpn", sameNetwork);
            assertEquals(303, r.statusCode(), "nothing to ask within the same network. " + r.body());
            assertFalse(alice.ended.isDone(), "alice stays up");

            String[] moved = form(true, "10.9.0.10", "10.9.0.20", "", 0);
            moved[java.util.Arrays.asList(moved).indexOf("local_address") + 1] = "10.9.0.1";
            var asked = ui.post("/vpn", moved);
            assertEquals(409, asked.statusCode(), asked.body());
            assertTrue(asked.body().contains("Nothing was saved yet.") && asked.body().contains("session(s): alice"),
                    asked.body());
            assertFalse(alice.ended.isDone(), "nothing is done before the owner says yes");

            assertEquals(303, ui.post("/vpn", withDisconnect(moved)).statusCode());
            alice.ended.get(10, TimeUnit.SECONDS);
            InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "bob", "bob password");
            assertEquals("10.9.0.10", bob.tunnelAddress(), "a new session is in the new network");
        }
    }

    /**
     * A tunnel network stored by other means (`config import` on the command line) takes effect
     * at the next save of the VPN page, with its restart: that save, which only changed the DNS
     * server, asks first too. It used to compare the page with the stored settings only, and cut
     * the connected clients off with a plain "Saved and applied".
     */
    @Test
    void aSaveThatAppliesAChangeStoredFromTheCommandLineAsksBeforeDisconnecting() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            a.store().putSettings(java.util.Map.of(Setting.PPTP_LOCAL_ADDRESS, "10.9.0.1", Setting.PPTP_POOL_START,
                    "10.9.0.10", Setting.PPTP_POOL_END, "10.9.0.20"), "configuration imported (command line)");
            UiClient ui = UiClient.setUp(a.uiPort());
            String[] dnsOnly = form(true, "10.9.0.10", "10.9.0.20", "10.9.0.1", 0);
            dnsOnly[java.util.Arrays.asList(dnsOnly).indexOf("local_address") + 1] = "10.9.0.1";
            var asked = ui.post("/vpn", dnsOnly);
            assertEquals(409, asked.statusCode(), asked.body());
            assertTrue(asked.body().contains("session(s): alice"), asked.body());
            assertFalse(alice.ended.isDone(), "nothing is done before the owner says yes");
        }
    }

    /** A new session limit needs no restart: nobody is cut off, and the next client meets the new limit. */
    @Test
    void aLowerSessionLimitAppliesAtOnceWithoutDroppingTheConnected() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            int port = a.pptpAddress().getPort();
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());
            String[] oneSession = form(true, "192.168.250.10", "192.168.250.59", "", port);
            oneSession[java.util.Arrays.asList(oneSession).indexOf("max_sessions") + 1] = "1";
            var r = ui.post("/vpn", oneSession);
            assertEquals(303, r.statusCode(), "nothing to ask: nobody is disconnected. " + r.body());
            assertEquals(port, a.pptpAddress().getPort(), "same listener: no restart");
            assertFalse(alice.ended.isDone(), "alice stays up");

            // bob is refused: the one session allowed is alice's.
            net.dialRefusedBusy(a.pptpAddress(), "bob", "bob password");
            assertFalse(alice.ended.isDone());
            assertEquals(1, a.sessions().size());
        }
    }

    /**
     * The VPN server switched off and on again (a restart ends every session at once, and their
     * clients redial within seconds): the address alice gave back a moment before is not bob's, as
     * the new pool knew nothing of it and handed out its first address to whoever came first, while
     * the LAN still sent to alice there.
     */
    @Test
    void anAddressGivenBackBeforeTheServerRestartsStaysItsAccountsAfterIt() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            int port = a.pptpAddress().getPort();
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            a.sessions().getFirst().close("hung up by the test");
            alice.ended.get(10, TimeUnit.SECONDS);
            alice.hangUp();
            UiClient ui = UiClient.setUp(a.uiPort());
            assertEquals(303, ui.post("/vpn", form(false, "192.168.250.10", "192.168.250.59", "", port)).statusCode());
            assertEquals(303, ui.post("/vpn", form(true, "192.168.250.10", "192.168.250.59", "", port)).statusCode());
            InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "bob", "bob password");
            assertEquals("192.168.250.11", bob.tunnelAddress(), "not alice's, given back a moment before");
            bob.hangUp();
        }
    }

    @Test
    void anAddressInUseWhenThePoolChangesIsKeptFromNewClientsThenFreedWhenItsSessionEnds() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            int port = a.pptpAddress().getPort();
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());
            // The new pool is alice's address alone.
            assertEquals(303, ui.post("/vpn", form(true, "192.168.250.10", "192.168.250.10", "", port)).statusCode());

            // bob is refused while alice holds the only address: as busy, at his call, before any login.
            net.dialRefusedBusy(a.pptpAddress(), "bob", "bob password");
            assertFalse(alice.ended.isDone());
            assertEquals(1, a.sessions().size(), "no session for bob's call");

            a.sessions().getFirst().close("hung up by the test");
            alice.ended.get(10, TimeUnit.SECONDS);
            // Alice's end comes with the server's Call-Disconnect-Notify, before the server releases
            // her call: the reply to her Stop comes after that release, so bob's call finds it gone.
            alice.hangUp();
            InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "bob", "bob password");
            assertEquals("192.168.250.10", bob.tunnelAddress(), "alice's address came back to the new pool");
        }
    }

    @Test
    void savingSettingsDoesNotWaitForASessionThatIsBusy() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice")) {
            int port = a.pptpAddress().getPort();
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());
            // A session holds its own lock while it ends (closing its tunnel device, then telling the
            // service). Saving the settings used to wait for that lock while holding the service's,
            // which the ending session needed next: both stuck, and with them the VPN and the UI.
            var session = a.sessions().getFirst();
            var held = new java.util.concurrent.CountDownLatch(1);
            var release = new java.util.concurrent.CompletableFuture<Void>();
            Thread busy = Thread.ofPlatform().start(() -> {
                synchronized (session) {
                    held.countDown();
                    release.completeOnTimeout(null, 20, TimeUnit.SECONDS).join();
                }
            });
            try {
                held.await();
                var saved = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        // (The form's port differs from the stored 1723, so the page would ask first.)
                        return ui.post("/vpn", withDisconnect(form(true, "192.168.250.100", "192.168.250.110", "",
                                port))).statusCode();
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                assertEquals(303, saved.get(10, TimeUnit.SECONDS), "saved while the session was busy");
            } finally {
                release.complete(null);
                busy.join();
            }
            InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "alice", "alice password");
            assertEquals("192.168.250.100", bob.tunnelAddress());
        }
    }

    @Test
    void disablingStopsTheServerAndEnablingStartsItWithoutARestart() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice")) {
            UiClient ui = UiClient.setUp(a.uiPort());
            int port = a.pptpAddress().getPort();
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);

            // Switching it off disconnects alice: the page asks first, naming her.
            var asked = ui.post("/vpn", form(false, "192.168.250.10", "192.168.250.59", "", port));
            assertEquals(409, asked.statusCode());
            assertTrue(asked.body().contains("disconnects the 1 connected session(s): alice (127.0.0."), asked.body());
            assertNotNull(a.pptpAddress(), "nothing done yet");
            assertEquals(303, ui.post("/vpn", withDisconnect(form(false, "192.168.250.10", "192.168.250.59", "", port)))
                    .statusCode());
            assertNull(a.pptpAddress(), "stopped");
            alice.ended.get(10, TimeUnit.SECONDS);
            assertThrows(java.io.IOException.class, () -> new Socket("127.0.0.1", port).close(), "nothing listens");
            assertTrue(ui.get("/").body().contains("Disabled."));

            // The command line's 127.0.0.1:0 still holds (the stored listener was not changed): a fresh port.
            assertEquals(303, ui.post("/vpn", form(true, "192.168.250.10", "192.168.250.59", "", 0)).statusCode());
            assertNotNull(a.pptpAddress(), "listening again");
            new Socket("127.0.0.1", a.pptpAddress().getPort()).close();
            InMemoryDialIn.Client again = net.dial(a.pptpAddress(), "alice", "alice password");
            assertEquals("192.168.250.10", again.tunnelAddress());
        }
    }

    @Test
    void sessionsAreAccountedAndFailuresDiagnosedOnDashboardAndLogs() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice")) {
            UiClient ui = UiClient.setUp(a.uiPort());
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);
            // 3 IPv4 packets of 100 bytes from the client into the tunnel.
            byte[] packet = new byte[100];
            packet[0] = 0x45;
            for (int i = 0; i < 3; i++) {
                alice.devices.getFirst().inject(packet);
            }
            Eventually.until("alice's 300 bytes counted at the server",
                    () -> a.sessions().getFirst().dataPath().orElseThrow().bytesIn(), n -> n >= 300);
            String dash = ui.get("/").body();
            assertTrue(dash.contains("<td>alice</td><td>127.0.0.5</td><td>192.168.250.10</td><td>connected</td>"), dash);
            assertTrue(dash.contains("300 B"), dash);
            assertTrue(ui.get("/api/throughput").body().contains("\"in\":300"));

            String callId = dash.replaceAll("(?s).*name=\"call_id\" value=\"(\\d+)\".*", "$1");
            assertEquals(303, ui.post("/sessions/disconnect", "call_id", callId).statusCode());
            alice.ended.get(10, TimeUnit.SECONDS);

            InMemoryDialIn.Client mallory = net.dial(a.pptpAddress(), "alice", "wrong password");
            assertEquals(SessionEnd.AUTH_FAILED, mallory.ended.get(15, TimeUnit.SECONDS));
            // The failed login's row may wait 5 s to be written with others (BackgroundWrites): a
            // wait of 5 s for it failed now and then.
            Eventually.until("the failed login's history row", () -> a.store().sessionHistory(10, false),
                    h -> h.size() >= 2);
            var history = a.store().sessionHistory(10, false);
            assertEquals(2, history.size(), history.toString());
            var done = history.get(1);
            assertEquals("alice", done.user());
            assertEquals("127.0.0.5", done.client());
            assertEquals("192.168.250.10", done.tunnelAddress());
            assertEquals(300, done.bytesIn());
            assertEquals("HUNG_UP", done.endReason());
            assertEquals("disconnected by the administrator", done.endDetail());
            assertEquals("AUTH_FAILED", history.getFirst().endReason());

            String page = ui.get("/").body();
            assertTrue(page.contains("authentication failed (Windows error 691)"), "diagnosis on the dashboard");
            assertTrue(page.contains("Check the user name and password"), "and what to do");
            String logs = ui.get("/logs").body();
            assertTrue(logs.contains("authentication failed (Windows error 691)"));
            assertTrue(logs.contains("admin disconnected alice (127.0.0.5)"), logs);
            assertTrue(ui.get("/metrics").body().contains("homerouter_pptp_auth_failures_total 1"));
        }
    }

    @Test
    void aNewPasswordDisablingOrDeletingHangsUpTheUsersSessionsAtOnce() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            UiClient ui = UiClient.setUp(a.uiPort());
            InMemoryDialIn.Client alice = up(net.dial(a.pptpAddress(), "alice", "alice password"));
            InMemoryDialIn.Client bob = up(net.dial(a.pptpAddress(), "bob", "bob password"));
            // A password changed because it leaked: whoever logged in with the old one is out.
            assertEquals(303, ui.post("/users/password", "name", "alice", "password", "a new secret 1",
                    "password_again", "a new secret 1").statusCode());
            alice.ended.get(10, TimeUnit.SECONDS);
            assertTrue(ui.get("/users").body().contains("Sessions logged in with the old password were ended"));
            InMemoryDialIn.Client again = net.dial(a.pptpAddress(), "alice", "a new secret 1");
            again.up.get(10, TimeUnit.SECONDS);
            assertEquals(303, ui.post("/users/edit", "name", "alice", "static_address", "").statusCode());
            again.ended.get(10, TimeUnit.SECONDS);
            assertFalse(bob.ended.isDone(), "bob is not concerned");
            assertEquals(303, ui.post("/users/delete", "name", "bob", "confirm", "yes").statusCode());
            bob.ended.get(10, TimeUnit.SECONDS);
            List<String> expected = List.of("alice: the password was changed", "alice: the account was disabled",
                    "bob: the account was deleted");
            assertSessionsEnded(a, expected);
        }
    }

    /** {@code client}, once its session is up. */
    private static InMemoryDialIn.Client up(InMemoryDialIn.Client client) throws Exception {
        client.up.get(10, TimeUnit.SECONDS);
        return client;
    }

    /** The session history holds these ends ("alice: the account was disabled"), once written. */
    private static void assertSessionsEnded(Appliance a, List<String> expected) throws Exception {
        var details = endDetails(a, expected);
        assertTrue(details.containsAll(expected), details.toString());
    }

    /** The VPN form with this encryption and these login methods. */
    private static String[] vpnForm(String mppe, String... auth) {
        String[] f = vpnForm(true, "192.168.250.10", "192.168.250.59", "");
        assertEquals("auth", f[14]);
        assertEquals("mppe", f[16]);
        assertEquals("max_sessions", f[18]);
        f[15] = auth[0];
        f[17] = mppe;
        f[19] = "50"; // as many as the pool holds: the flash has no note about it
        for (int i = 1; i < auth.length; i++) {
            f = with(f, "auth", auth[i]);
        }
        return f;
    }

    /** A client that logs in with MS-CHAPv2 and rejects CCP: it connects only where encryption is optional. */
    private static InMemoryDialIn.Client unencrypted(InMemoryDialIn net, Appliance a, String user) throws Exception {
        return net.dialWith(a.pptpAddress(), user, user + " password", List.of(AuthMethod.MSCHAP_V2), Optional.empty());
    }

    /** The server's session of {@code user}. */
    private static PppSession sessionOf(Appliance a, String user) {
        return a.sessions().stream().filter(s -> s.userName().equals(Optional.of(user))).findFirst().orElseThrow();
    }

    /** The session history's ends ("alice: the account was disabled"), once these are among them. */
    private static List<String> endDetails(Appliance a, List<String> expected) throws Exception {
        return Eventually.value(
                () -> a.store().sessionHistory(10, false).stream().map(r -> r.user() + ": " + r.endDetail()).toList(),
                d -> d.containsAll(expected));
    }

    /**
     * Encryption made stricter on the VPN page ends the connected sessions that fall short of it,
     * each saying why (to its client too), and the page says how many; the stronger ones stay up,
     * and a loosening ends nothing. They kept what they had negotiated: an unencrypted or 40-bit
     * session stayed up for as long as its client liked, under "Saved and applied."
     */
    @Test
    void stricterEncryptionEndsTheSessionsBelowItWithWordsAndALooserOneNone() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob", "carol")) {
            UiClient ui = UiClient.setUp(a.uiPort());
            assertEquals(303, ui.post("/vpn", vpnForm("optional", "mschapv2")).statusCode());
            InMemoryDialIn.Client alice = unencrypted(net, a, "alice");
            InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "bob", "bob password");
            InMemoryDialIn.Client carol = net.dialWith(a.pptpAddress(), "carol", "carol password",
                    List.of(AuthMethod.MSCHAP_V2), Optional.of(new MppePolicy(EnumSet.of(MppeStrength.BITS_40), true, true)));
            alice.up.get(10, TimeUnit.SECONDS);
            bob.up.get(10, TimeUnit.SECONDS);
            carol.up.get(10, TimeUnit.SECONDS);
            assertTrue(sessionOf(a, "alice").encryption().isEmpty(), "alice is in clear");
            assertEquals(MppeStrength.BITS_128, sessionOf(a, "bob").encryption().orElseThrow().strength());
            assertEquals(MppeStrength.BITS_40, sessionOf(a, "carol").encryption().orElseThrow().strength());

            assertEquals(303, ui.post("/vpn", vpnForm("none", "mschapv2")).statusCode());
            String page = ui.get("/vpn").body();
            assertTrue(page.contains(">Saved and applied.</p>"), "a loosening ends nothing: " + page);
            Thread.sleep(300);
            assertFalse(alice.ended.isDone() || bob.ended.isDone() || carol.ended.isDone(), "nobody is cut off");

            assertEquals(303, ui.post("/vpn", vpnForm("require-any", "mschapv2")).statusCode());
            alice.ended.get(10, TimeUnit.SECONDS);
            assertTrue(ui.get("/vpn").body().contains("Saved and applied. 1 connected session that no longer met the"
                    + " authentication or encryption settings was ended."));
            assertTrue(alice.endDetail.get().contains("encryption is now required"), "alice's client is told why: "
                    + alice.endDetail.get());
            assertEquals(303, ui.post("/vpn", vpnForm("require-128", "mschapv2")).statusCode());
            carol.ended.get(10, TimeUnit.SECONDS);
            Thread.sleep(300);
            assertFalse(bob.ended.isDone(), "bob's 128-bit session meets every policy");

            var details = endDetails(a, List.of("alice: encryption is now required",
                    "carol: 40-bit encryption is no longer allowed"));
            assertTrue(details.containsAll(List.of("alice: encryption is now required",
                    "carol: 40-bit encryption is no longer allowed")), details.toString());
            List<String> events = a.store().recentEvents(20);
            assertTrue(events.stream().anyMatch(e -> e.matches("admin: disconnected 1 session that no longer met the VPN"
                    + " server's settings: alice \\(127\\.0\\.0\\.[0-9]+\\): encryption is now required")), events.toString());
        }
    }

    /** A login method unticked on the VPN page ends the sessions logged in with it; another one ticked ends none. */
    @Test
    void aLoginMethodTurnedOffEndsTheSessionsLoggedInWithIt() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            UiClient ui = UiClient.setUp(a.uiPort());
            // PAP gives no MPPE keys: it logs in only where encryption is optional.
            assertEquals(303, ui.post("/vpn", vpnForm("optional", "mschapv2", "pap")).statusCode());
            InMemoryDialIn.Client alice = net.dialWith(a.pptpAddress(), "alice", "alice password",
                    List.of(AuthMethod.PAP), Optional.empty());
            InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "bob", "bob password");
            alice.up.get(10, TimeUnit.SECONDS);
            bob.up.get(10, TimeUnit.SECONDS);
            assertEquals(Optional.of(AuthMethod.PAP), sessionOf(a, "alice").authMethod());

            assertEquals(303, ui.post("/vpn", vpnForm("optional", "mschapv2", "chap-md5", "pap")).statusCode());
            Thread.sleep(300);
            assertFalse(alice.ended.isDone(), "another method allowed ends nothing");

            assertEquals(303, ui.post("/vpn", vpnForm("optional", "mschapv2")).statusCode());
            alice.ended.get(10, TimeUnit.SECONDS);
            assertTrue(ui.get("/vpn").body().contains("1 connected session that no longer met"));
            Thread.sleep(300);
            assertFalse(bob.ended.isDone(), "bob logged in with MS-CHAPv2");
            var details = endDetails(a, List.of("alice: PAP logins are no longer allowed"));
            assertTrue(details.contains("alice: PAP logins are no longer allowed"), details.toString());
        }
    }

    /** As the VPN page's save: an imported configuration that requires encryption ends the unencrypted sessions. */
    @Test
    void anImportThatRequiresEncryptionEndsTheUnencryptedSessions() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            var system = new ApplianceSystem(a, dir.resolve("tls.p12"));
            UiClient ui = UiClient.setUp(a.uiPort());
            assertEquals(303, ui.post("/vpn", vpnForm("optional", "mschapv2")).statusCode());
            InMemoryDialIn.Client alice = unencrypted(net, a, "alice");
            InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "bob", "bob password");
            alice.up.get(10, TimeUnit.SECONDS);
            bob.up.get(10, TimeUnit.SECONDS);

            String exported = system.exportJson("export");
            String required = exported.replace("\"pptp.mppe\": \"optional\"", "\"pptp.mppe\": \"require-128\"");
            assertFalse(required.equals(exported), exported);
            var imported = system.importJson(required, "import requiring encryption");
            alice.ended.get(10, TimeUnit.SECONDS);
            assertEquals(1, imported.hungUp().size(), imported.toString());
            assertTrue(imported.hungUp().getFirst().matches("alice \\([0-9.]+\\): encryption is now required"),
                    "named for the page's notice: " + imported);
            Thread.sleep(300);
            assertFalse(bob.ended.isDone(), "bob's session is encrypted");
        }
    }

    /**
     * A session still logging in under the old settings when encryption became required is not
     * judged then (its encryption is not settled), but when its IP comes up, unencrypted: ended too.
     */
    @Test
    void aSessionLoggingInWhileEncryptionBecomesRequiredEndsWhenItComesUpInClear() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice")) {
            UiClient ui = UiClient.setUp(a.uiPort());
            assertEquals(303, ui.post("/vpn", vpnForm("optional", "mschapv2")).statusCode());
            net.blockGre(); // the call is placed, its link held up
            InMemoryDialIn.Client alice = unencrypted(net, a, "alice");
            Eventually.until("the server's session for alice's call", () -> a.sessions().size(), n -> n == 1);
            assertEquals(1, a.sessions().size(), "the server's session begins with the old settings");

            assertEquals(303, ui.post("/vpn", vpnForm("require-128", "mschapv2")).statusCode());
            String page = ui.get("/vpn").body();
            assertTrue(page.contains(">Saved and applied.</p>"), "nothing was up to end: " + page);
            net.passGre();
            alice.ended.get(15, TimeUnit.SECONDS);
            var details = endDetails(a, List.of("alice: encryption is now required"));
            assertTrue(details.contains("alice: encryption is now required"), details.toString());
            assertTrue(a.store().recentEvents(20).stream().anyMatch(e -> e.matches(
                    "admin: disconnected alice \\([0-9.]+\\): encryption is now required")),
                    a.store().recentEvents(20).toString());
        }
    }

    /**
     * A connected user's static address, or the networks routed into its tunnel, changed: the
     * session kept the old address (which the owner may now give another user) or the old routes
     * (a network taken away still routed into that tunnel, and sent from) until it happened to
     * redial. It ends now, saying why, and connects again with the new ones; a save that changes
     * nothing ends nothing.
     */
    @Test
    void aNewStaticAddressOrNewRoutedNetworksEndTheUsersSessionWithWords() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            UiClient ui = UiClient.setUp(a.uiPort());
            InMemoryDialIn.Client alice = up(net.dial(a.pptpAddress(), "alice", "alice password"));
            InMemoryDialIn.Client bob = up(net.dial(a.pptpAddress(), "bob", "bob password"));
            assertEquals(303, ui.post("/users/edit", "name", "alice", "enabled", "on", "static_address",
                    "192.168.250.77").statusCode());
            alice.ended.get(10, TimeUnit.SECONDS);
            assertTrue(ui.get("/users").body().contains("If alice was connected, the session was ended so that it"
                    + " connects again with the new address."));
            assertEquals("192.168.250.77", net.dial(a.pptpAddress(), "alice", "alice password").tunnelAddress());
            assertFalse(bob.ended.isDone(), "bob is not concerned");

            assertEquals(303, ui.post("/users/subnets", "name", "bob", "routed_subnets", "10.2.0.0/24").statusCode());
            bob.ended.get(10, TimeUnit.SECONDS);
            assertTrue(ui.get("/users/edit?name=bob").body().contains("If it was connected, its session was ended"));
            InMemoryDialIn.Client again = net.dial(a.pptpAddress(), "bob", "bob password");
            again.up.get(10, TimeUnit.SECONDS);
            assertEquals(303, ui.post("/users/subnets", "name", "bob", "routed_subnets", "10.2.0.0/24").statusCode());
            Thread.sleep(300);
            assertFalse(again.ended.isDone(), "the same networks saved again end nothing");

            List<String> expected = List.of(
                    "alice: its static address changed: it gets the new one when it connects again",
                    "bob: its routed networks changed: it connects again with the new ones");
            assertSessionsEnded(a, expected);
        }
    }

    /**
     * The pages' forms carry which stored settings they were made from, read here from the real
     * store: a form saved from the page just opened is stored; the same page saved again after that
     * change (as a second tab left open would be) is refused, and what the first save stored stays.
     */
    @Test
    void aFormFromAPageOpenedBeforeANewerSaveIsRefused() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            UiClient ui = UiClient.setUp(a.uiPort());
            String vpnPage = formVersion(ui.get("/vpn").body());
            assertEquals(303, ui.post("/vpn", with(vpnForm(true, "192.168.250.10", "192.168.250.59", "192.168.1.53"),
                    "version", vpnPage)).statusCode());
            var stale = ui.post("/vpn", with(vpnForm(true, "192.168.250.10", "192.168.250.59", ""), "version", vpnPage));
            assertEquals(409, stale.statusCode(), stale.body());
            assertEquals("192.168.1.53", a.store().settings().get(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY));

            String bobPage = formVersion(ui.get("/users/edit?name=bob").body());
            assertEquals(303, ui.post("/users/edit", "name", "bob", "static_address", "", "version", bobPage).statusCode());
            assertEquals(409, ui.post("/users/edit", "name", "bob", "enabled", "on", "static_address", "192.168.250.70",
                    "version", bobPage).statusCode());
            VpnUser bob = a.store().user("bob").orElseThrow();
            assertFalse(bob.enabled(), "bob stays disabled");
            assertTrue(bob.staticAddress().isEmpty(), bob.staticAddress().toString());
        }
    }

    /** The hidden field of the page's settings form that says which stored values it shows. */
    private static String formVersion(String page) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"version\" value=\"([0-9a-f]+)\"").matcher(page);
        assertTrue(m.find(), page);
        return m.group(1);
    }

    private static String[] with(String[] form, String... more) {
        String[] f = java.util.Arrays.copyOf(form, form.length + more.length);
        System.arraycopy(more, 0, f, form.length, more.length);
        return f;
    }

    /** {@code form} with CHAP-MD5 allowed too, and encryption optional: without MS-CHAPv2 there is none. */
    private static String[] withChapMd5(String[] form) {
        String[] f = with(form, "auth", "chap-md5");
        assertEquals("mppe", f[16]);
        f[17] = "optional";
        return f;
    }

    @Test
    void chapSecretsAreStoredOnlyWhileChapMd5IsAllowed() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net)) {
            UiClient ui = UiClient.setUp(a.uiPort());
            String[] chap = vpnForm(true, "192.168.250.10", "192.168.250.59", "");
            String[] withChap = withChapMd5(chap);
            assertEquals(303, ui.post("/vpn", withChap).statusCode());
            assertTrue(ui.get("/vpn").body().contains("plaintext-equivalent"));
            assertEquals(303, ui.post("/users/add", "name", "carol", "password", "carol password", "password_again",
                    "carol password", "enabled", "on", "static_address", "").statusCode());
            assertTrue(a.store().user("carol").orElseThrow().chapSecret().isPresent(), "CHAP-MD5 needs the secret");
            assertTrue(ui.get("/users").body().contains("scrambled, and a copy as good as the password itself (CHAP-MD5"
                    + " is allowed on the VPN server page)"));
            assertEquals(303, ui.post("/vpn", chap).statusCode());
            assertTrue(a.store().user("carol").orElseThrow().chapSecret().isEmpty(), "deleted with CHAP-MD5 off");
            assertTrue(a.store().recentEvents(5).stream().anyMatch(e -> e.contains("stored CHAP-MD5 secrets deleted")));
        }
    }

    @Test
    void aServerThatCannotStartLeavesTheUiUpToFixIt() throws Exception {
        // An address the router no longer has after a reboot, or a port taken: exiting would
        // leave no way in, restarted by systemd for ever.
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            try (ApplianceStore store = ApplianceStore.open(db)) {
                store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_LISTEN_ADDRESS, "127.0.0.1",
                        org.homerouter.appliance.store.Setting.PPTP_PORT, Integer.toString(taken.getLocalPort())));
            }
            try (InMemoryDialIn net = new InMemoryDialIn();
                 Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
                assertEquals(null, a.pptpAddress(), "not listening");
                UiClient ui = UiClient.setUp(a.uiPort());
                String dashboard = ui.get("/").body();
                assertTrue(dashboard.contains("The VPN server could not start"), dashboard);
                assertTrue(ui.get("/vpn").body().contains("Change its listen address or port"));
                assertTrue(a.store().recentEvents(5).stream().anyMatch(e -> e.contains("PPTP server could not start")));
                // The site-to-site page saves all the same: it changes nothing of the server's.
                var s2s = ui.post("/site-to-site", "server", "203.0.113.7", "user", "branch", "mppe", "require-128",
                        "subnets", "10.2.0.0/24");
                assertEquals(303, s2s.statusCode(), s2s.body());

                int free = freeLoopbackPort();
                String[] fixed = vpnForm(true, "192.168.250.10", "192.168.250.59", "");
                fixed[3] = "127.0.0.1";
                fixed[5] = Integer.toString(free);
                var r = ui.post("/vpn", fixed);
                assertEquals(303, r.statusCode(), r.body());
                assertEquals(free, a.pptpAddress().getPort());
                assertFalse(ui.get("/").body().contains("could not start"), "the problem is gone");
                assertEquals("192.168.250.10", net.dial(a.pptpAddress(), "alice", "alice password").tunnelAddress());
            }
        }
    }

    /** Stores in {@code db} a VPN server listening on 127.0.0.1 at a port free now; returns the port. */
    private static int listenOnAFreeLoopbackPort(Path db) throws Exception {
        int port = freeLoopbackPort();
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_LISTEN_ADDRESS, "127.0.0.1",
                    org.homerouter.appliance.store.Setting.PPTP_PORT, Integer.toString(port)));
        }
        return port;
    }

    /**
     * Switched off, then on again while its port was taken (refused, and undone: "port in use"):
     * that start had handed the old server's address pool over already, and every later switch-on
     * was refused with it ("this pool was already handed over"), the port long free, until the
     * service restarted.
     */
    @Test
    void aSwitchOnRefusedWhileThePortWasTakenDoesNotRefuseTheNext() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        int port = listenOnAFreeLoopbackPort(db);
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            assertEquals(port, a.pptpAddress().getPort());
            UiClient ui = UiClient.setUp(a.uiPort());
            String[] on = vpnForm(true, "192.168.250.10", "192.168.250.59", "");
            on[3] = "127.0.0.1";
            on[5] = Integer.toString(port);
            String[] off = java.util.Arrays.copyOfRange(on, 2, on.length);
            assertEquals(303, ui.post("/vpn", off).statusCode());
            assertEquals(null, a.pptpAddress(), "switched off");
            try (java.net.ServerSocket taken = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                assertNotEquals(303, ui.post("/vpn", on).statusCode(), "refused while its port is taken");
            }
            var r = ui.post("/vpn", on);
            assertEquals(303, r.statusCode(), "the port is free again: " + r.body());
            assertEquals(port, a.pptpAddress().getPort());
            assertEquals("192.168.250.10", net.dial(a.pptpAddress(), "alice", "alice password").tunnelAddress());
        }
    }

    @Test
    void aServerThatCouldNotStartStartsByItselfOnceItsPortComesFree() throws Exception {
        // At boot the listen address the owner chose (the WAN's, from DHCP) may come after the
        // service, or a port be held by a program about to exit: the VPN must not stay down until
        // someone saves the VPN page or reboots.
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        int port = taken.getLocalPort();
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_LISTEN_ADDRESS, "127.0.0.1",
                    org.homerouter.appliance.store.Setting.PPTP_PORT, Integer.toString(port)));
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            assertEquals(null, a.pptpAddress(), "not listening");
            UiClient ui = UiClient.setUp(a.uiPort());
            assertTrue(ui.get("/").body().contains("It tries again, every 30 s at most"), "the dashboard says it keeps trying");
            Thread.sleep(3000); // a retry or two while the port is still held
            assertEquals(null, a.pptpAddress());
            taken.close();
            // Its retries come 30 s apart at most, and the last was before the port came free.
            Eventually.until("the VPN server listening by itself once its port " + port + " came free",
                    java.time.Duration.ofSeconds(40), a::pptpAddress, java.util.Objects::nonNull);
            assertEquals(port, a.pptpAddress().getPort(), "listening on the port the settings name");
            assertFalse(ui.get("/").body().contains("could not start"), "the problem is gone");
            assertTrue(a.store().recentEvents(5).stream().anyMatch(e -> e.contains("PPTP server listening on")));
            assertEquals("192.168.250.10", net.dial(a.pptpAddress(), "alice", "alice password").tunnelAddress());
        } finally {
            taken.close();
        }
    }

    @Test
    void aConfigurationLockHeldForEverStopsTheWatchdogsPings() throws Exception {
        // A deadlock on the configuration's lock leaves a process that looks up and changes nothing:
        // systemd must hear nothing from it, and restart it. (The lock's probe alone: the others'
        // timing is not this test's; each probe task runs on a fresh virtual thread, given 2 s.)
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice")) {
            List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
            ServiceWatchdog w = new ServiceWatchdog(state -> { }, () -> a.watchdogProbes().stream()
                    .filter(p -> p.name().equals("configuration lock")).toList(), problems::add);
            assertTrue(w.check(0));
            Thread.sleep(2000);
            assertTrue(w.check(30_000_000_000L), "it answers");
            Thread.sleep(2000);
            synchronized (a.changeLock()) {
                assertTrue(w.check(60_000_000_000L), "the last task ran; a new one is handed out");
                Thread.sleep(2000);
                assertFalse(w.check(90_000_000_000L), "its task waits for the lock: no ping");
                assertFalse(w.check(120_000_000_000L));
            }
            assertEquals(List.of("configuration lock has not run a task for 30 s: if it stays so, systemd restarts the"
                    + " service"), problems);
            Thread.sleep(2000);
            assertTrue(w.check(150_000_000_000L), "released: it answers again");
        }
    }

    @Test
    void anImportOrAResetHangsUpTheSessionsOfTheAccountsItRemoves() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            var system = new ApplianceSystem(a, dir.resolve("tls.p12"));
            InMemoryDialIn.Client alice = up(net.dial(a.pptpAddress(), "alice", "alice password"));
            InMemoryDialIn.Client bob = up(net.dial(a.pptpAddress(), "bob", "bob password"));

            String withoutBob = system.exportJson("export").replaceFirst(",?\\s*\\{\"name\": \"bob\"[^}]*}", "");
            assertFalse(withoutBob.contains("bob"), withoutBob);
            var imported = system.importJson(withoutBob, "import without bob");
            bob.ended.get(10, TimeUnit.SECONDS);
            assertEquals(1, imported.hungUp().size(), imported.toString());
            assertTrue(imported.hungUp().getFirst().matches("bob \\([0-9.]+\\): removed or disabled by the import"),
                    "named for the page's notice: " + imported);
            assertFalse(alice.ended.isDone(), "alice's account is still there");

            system.factoryReset();
            alice.ended.get(10, TimeUnit.SECONDS);
            assertTrue(a.sessions().isEmpty(), a.sessions().toString());
        }
    }

    /** The next owner finds nothing of the old one's people: no session's end, no stranger's lockout. */
    @Test
    void aResetWithASessionUpLeavesNothingOfItInTheFreshLogOrTheLockouts() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice")) {
            var system = new ApplianceSystem(a, dir.resolve("tls.p12"));
            InMemoryDialIn.Client alice = up(net.dial(a.pptpAddress(), "alice", "alice password"));
            for (int i = 0; i < 8; i++) {
                a.vpnLockout().failed("mallory", java.net.InetAddress.getByName("203.0.113.9"));
            }
            assertFalse(a.vpnLockout().current().isEmpty());

            system.factoryReset();
            alice.ended.get(10, TimeUnit.SECONDS);
            a.accounting().flush();
            var events = a.store().recentEvents(100);
            assertTrue(events.stream().noneMatch(e -> e.contains("alice") || e.contains("disconnect")), events.toString());
            assertEquals(List.of(), a.store().sessionHistory(100, false), "no session of before in the history");
            assertEquals(List.of(), a.vpnLockout().current(), "no stranger's name or address on the Lockouts page");
        }
    }

    /** A restart for the imported settings drops every session: the page's notice names them all. */
    @Test
    void anImportThatRestartsTheServerNamesEveryoneItCutOff() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice")) {
            var system = new ApplianceSystem(a, dir.resolve("tls.p12"));
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);

            String exported = system.exportJson("export");
            String renamed = exported.replace("\"system.host_name\": \"homerouter\"", "\"system.host_name\": \"office\"");
            assertFalse(renamed.equals(exported), exported);
            var imported = system.importJson(renamed, "import with another host name");
            alice.ended.get(10, TimeUnit.SECONDS);
            assertEquals(1, imported.hungUp().size(), imported.toString());
            assertTrue(imported.hungUp().getFirst().matches("alice \\([0-9.]+\\): the VPN server restarted for the"
                    + " imported settings"), imported.toString());
            assertTrue(imported.serverWaits().isEmpty(), imported.toString());
        }
    }

    /** As a password changed on the Users page: a session of the old password does not outlive the import. */
    @Test
    void anImportThatChangesAnAccountsPasswordHangsUpItsSessions() throws Exception {
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = start(net, "alice", "bob")) {
            var system = new ApplianceSystem(a, dir.resolve("tls.p12"));
            InMemoryDialIn.Client alice = up(net.dial(a.pptpAddress(), "alice", "alice password"));
            InMemoryDialIn.Client bob = up(net.dial(a.pptpAddress(), "bob", "bob password"));

            java.util.HexFormat hex = java.util.HexFormat.of();
            String exported = system.exportJson("export");
            String newPassword = exported.replace(hex.formatHex(NtPasswordHash.of("alice password")),
                    hex.formatHex(NtPasswordHash.of("a new alice password")));
            assertFalse(newPassword.equals(exported), exported);
            var imported = system.importJson(newPassword, "import with alice's new password");
            alice.ended.get(10, TimeUnit.SECONDS);
            assertEquals(1, imported.hungUp().size(), imported.toString());
            assertTrue(imported.hungUp().getFirst().matches("alice \\([0-9.]+\\): given another password by the import"),
                    "named for the page's notice: " + imported);
            assertFalse(bob.ended.isDone(), "bob's password is as it was");
            assertTrue(a.store().recentEvents(10).contains("admin: disconnected alice: its password was changed by a"
                    + " configuration import"), a.store().recentEvents(10).toString());
        }
    }

    @Test
    void aVpnSaveTheServerCannotRunWithKeepsTheChapSecrets() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir);
        int port = listenOnAFreeLoopbackPort(db);
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            UiClient ui = UiClient.setUp(a.uiPort());
            String[] chap = vpnForm(true, "192.168.250.10", "192.168.250.59", "");
            chap[3] = "127.0.0.1";
            chap[5] = Integer.toString(port);
            String[] withChap = withChapMd5(chap);
            var saved = ui.post("/vpn", withChap);
            assertEquals(303, saved.statusCode(), saved.body());
            assertEquals(303, ui.post("/users/add", "name", "carol", "password", "carol password", "password_again",
                    "carol password", "enabled", "on", "static_address", "").statusCode());
            assertTrue(a.store().user("carol").orElseThrow().chapSecret().isPresent());

            chap[5] = Integer.toString(taken.getLocalPort()); // CHAP-MD5 off, on a port that is taken
            var r = ui.post("/vpn", chap);
            assertEquals(400, r.statusCode());
            assertTrue(r.body().contains("another program on this router already uses TCP port " + taken.getLocalPort()
                    + ": choose another port; nothing was changed"), r.body());
            assertTrue(r.body().indexOf("port-error") > r.body().indexOf("id=\"port\""), "next to the port");
            assertTrue(a.store().user("carol").orElseThrow().chapSecret().isPresent(),
                    "the undone change kept carol's CHAP-MD5 login");
            assertTrue(ui.get("/vpn").body().contains("value=\"chap-md5\" checked"), "CHAP-MD5 still on");

            chap[3] = "192.0.2.55"; // an address this router does not have
            chap[5] = Integer.toString(port);
            var foreign = ui.post("/vpn", chap);
            assertEquals(400, foreign.statusCode());
            assertTrue(foreign.body().contains("192.0.2.55 is not an address of this router"), foreign.body());
            assertTrue(foreign.body().indexOf("listen_address-error") > 0, "next to the listen address");
        }
    }

    /**
     * The owner moves the server to a port another program holds and agrees to disconnect the
     * connected: the save is refused ("nothing was changed") and it is true, nobody was cut off.
     * Before, the old listener was closed first, ending every session, and only then was the new
     * port found taken.
     */
    @Test
    void aVpnPortThatIsTakenIsRefusedWithoutDisconnectingAnyone() throws Exception {
        int port = freeLoopbackPort();
        Path db = aliceAndBobListeningOn(port);
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());
            String[] moved = vpnForm(true, "192.168.250.10", "192.168.250.59", "");
            moved[3] = "127.0.0.1";
            moved[5] = Integer.toString(taken.getLocalPort());
            assertEquals(409, ui.post("/vpn", moved).statusCode(), "asked first: alice is connected");

            var r = ui.post("/vpn", withDisconnect(moved));
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("another program on this router already uses TCP port " + taken.getLocalPort()
                    + ": choose another port; nothing was changed"), r.body());
            assertStillUp(alice, a);
            assertEquals(port, a.pptpAddress().getPort(), "listening where it was");
            assertEquals(Integer.toString(port), a.store().settings().get(org.homerouter.appliance.store.Setting.PPTP_PORT));
            assertEquals("192.168.250.11", net.dial(a.pptpAddress(), "bob", "bob password").tunnelAddress(),
                    "a new client still dials in");
        }
    }

    /**
     * The same port on all addresses instead of one: the running listener holds it itself, which
     * must not count as taken; another program holding it on another address does.
     */
    @Test
    void theSamePortOnAllAddressesIsRefusedOnlyWhenAnotherProgramHoldsItSomewhere() throws Exception {
        int port = freeLoopbackPort();
        Path db = aliceAndBobListeningOn(port);
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());
            String[] everywhere = vpnForm(true, "192.168.250.10", "192.168.250.59", "");
            everywhere[5] = Integer.toString(port);
            try (java.net.ServerSocket other = new java.net.ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.2"))) {
                var r = ui.post("/vpn", withDisconnect(everywhere));
                assertEquals(400, r.statusCode(), r.body());
                assertTrue(r.body().contains("already uses TCP port " + port), r.body());
                assertStillUp(alice, a);
                assertEquals(java.net.InetAddress.getByName("127.0.0.1"), a.pptpAddress().getAddress());
                assertEquals("192.168.250.11", net.dial(a.pptpAddress(), "bob", "bob password").tunnelAddress(),
                        "the listener accepts again after the check");
            }
            var r = ui.post("/vpn", withDisconnect(everywhere));
            assertEquals(303, r.statusCode(), r.body());
            alice.ended.get(10, TimeUnit.SECONDS);
            assertTrue(a.pptpAddress().getAddress().isAnyLocalAddress() && a.pptpAddress().getPort() == port,
                    "moved: " + a.pptpAddress());
        }
    }

    /**
     * The VPN page as a browser uses it: the form as the page renders it (with its version), a new
     * port while alice is connected, the page asking first, and the owner's "Save and disconnect
     * them" from the asking page, whose form carries the version the first page was opened with.
     * A yes from that page after a newer change elsewhere is refused and cuts nobody off.
     */
    @Test
    void theVpnPagesAskBeforeDisconnectingCarriesTheFormsVersionToTheYes() throws Exception {
        int port = freeLoopbackPort();
        Path db = aliceAndBobListeningOn(port);
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = aliceOnTheFirstAddress(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());

            // A yes from an asking page made before a newer save elsewhere: refused, nobody cut off.
            List<String> opened = vpnFormAsShown(ui.get("/vpn").body());
            int newPort = freeLoopbackPort();
            var asked = ui.post("/vpn", set(opened, "port", Integer.toString(newPort)));
            assertEquals(409, asked.statusCode(), asked.body());
            List<String> asking = vpnFormAsShown(asked.body());
            assertEquals(field(opened, "version"), field(asking, "version"),
                    "the asking page carries the version of the page the change was made on");
            UiClient other = UiClient.setUp(a.uiPort());
            assertEquals(303, other.post("/vpn", set(vpnFormAsShown(other.get("/vpn").body()), "dns_primary",
                    "192.168.1.53")).statusCode(), "another administrator's save (a new DNS server; no restart)");
            var staleYes = ui.post("/vpn", set(asking, "disconnect", "yes"));
            assertEquals(409, staleYes.statusCode(), staleYes.body());
            assertTrue(staleYes.body().contains("changed elsewhere"), staleYes.body());
            assertStillUp(alice, a);
            assertEquals(port, a.pptpAddress().getPort(), "still listening where it was");

            // The same from a page opened now: asked, then yes, and the server moves.
            opened = vpnFormAsShown(ui.get("/vpn").body());
            assertEquals("192.168.1.53", field(opened, "dns_primary"), "the page shows the other save");
            asked = ui.post("/vpn", set(opened, "port", Integer.toString(newPort)));
            assertEquals(409, asked.statusCode(), asked.body());
            assertTrue(asked.body().contains("Nothing was saved yet.") && asked.body().contains("session(s): alice"),
                    asked.body());
            assertFalse(alice.ended.isDone(), "nothing is done before the owner says yes");
            asking = vpnFormAsShown(asked.body());
            assertEquals(field(opened, "version"), field(asking, "version"));
            assertEquals(Integer.toString(newPort), field(asking, "port"), "the asking page keeps the change");

            var yes = ui.post("/vpn", set(asking, "disconnect", "yes"));
            assertEquals(303, yes.statusCode(), yes.body());
            alice.ended.get(10, TimeUnit.SECONDS);
            assertEquals(newPort, a.pptpAddress().getPort(), "moved");
            assertEquals(Integer.toString(newPort), a.store().settings().get(org.homerouter.appliance.store.Setting.PPTP_PORT));
            assertEquals("192.168.1.53", a.store().settings().get(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY),
                    "the other save stays");
            assertNotNull(net.dial(a.pptpAddress(), "alice", "alice password").tunnelAddress(),
                    "alice dials in again on the new port");
        }
    }

    private static final java.util.regex.Pattern INPUT = java.util.regex.Pattern.compile("<input\\b([^>]*)>");
    private static final java.util.regex.Pattern SELECT =
            java.util.regex.Pattern.compile("<select\\b([^>]*)>(.*?)</select>", java.util.regex.Pattern.DOTALL);
    private static final java.util.regex.Pattern SELECTED =
            java.util.regex.Pattern.compile("<option value=\"([^\"]*)\" selected>");

    /**
     * The fields, name and value in turn, that the VPN page's form sends as a browser would with
     * nothing touched: ticked boxes, the selected option; the CSRF token is the client's to add, and
     * the asking page's "Save and disconnect them" button is the test's.
     */
    private static List<String> vpnFormAsShown(String page) {
        int start = page.indexOf("<form method=\"post\" action=\"/vpn\"");
        assertTrue(start >= 0, page);
        String form = page.substring(start, page.indexOf("</form>", start));
        List<String> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = INPUT.matcher(form);
        while (m.find()) {
            String name = attribute(m.group(1), "name");
            if (name == null || name.equals("csrf") || "checkbox".equals(attribute(m.group(1), "type"))
                    && !m.group(1).contains(" checked")) {
                continue;
            }
            String value = attribute(m.group(1), "value");
            out.add(name);
            out.add(value == null ? "on" : value);
        }
        java.util.regex.Matcher s = SELECT.matcher(form);
        while (s.find()) {
            java.util.regex.Matcher o = SELECTED.matcher(s.group(2));
            if (o.find()) {
                out.add(attribute(s.group(1), "name"));
                out.add(o.group(1));
            }
        }
        assertTrue(out.contains("version") && out.contains("port"), out.toString());
        return out;
    }

    private static String attribute(String attributes, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b" + name + "=\"([^\"]*)\"").matcher(attributes);
        return m.find() ? m.group(1).replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&amp;", "&") : null;
    }

    private static String field(List<String> fields, String name) {
        int i = fields.indexOf(name);
        assertTrue(i >= 0 && i % 2 == 0, name + " in " + fields);
        return fields.get(i + 1);
    }

    /** The fields with {@code name} set to {@code value}, added when the form had none. */
    private static String[] set(List<String> fields, String name, String value) {
        List<String> out = new java.util.ArrayList<>(fields);
        int i = out.indexOf(name);
        if (i >= 0 && i % 2 == 0) {
            out.set(i + 1, value);
        } else {
            out.add(name);
            out.add(value);
        }
        return out.toArray(String[]::new);
    }

    /** {@code client}'s session is still up a second after, on the server too. */
    private static void assertStillUp(InMemoryDialIn.Client client, Appliance a) throws Exception {
        assertThrows(java.util.concurrent.TimeoutException.class, () -> client.ended.get(1, TimeUnit.SECONDS),
                "still connected");
        assertEquals(1, a.sessions().stream().filter(s -> s.userName().filter("alice"::equals).isPresent()).count(),
                "alice's session is up on the server");
    }

    private static int freeLoopbackPort() throws java.io.IOException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Test
    void anImportTheServerCannotRunWithIsUndoneWhole() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = probe.getLocalPort();
            probe.close();
            try (ApplianceStore store = ApplianceStore.open(db)) {
                store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_LISTEN_ADDRESS, "127.0.0.1",
                        org.homerouter.appliance.store.Setting.PPTP_PORT, Integer.toString(port)));
            }
            try (InMemoryDialIn net = new InMemoryDialIn();
                 Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
                assertEquals(port, a.pptpAddress().getPort());
                UiClient ui = UiClient.setUp(a.uiPort());
                String exported = ui.export();
                String document = exported.replace("\"pptp.port\": \"" + port + "\"", "\"pptp.port\": \"" + taken.getLocalPort() + "\"")
                        .replace("\"pptp.pool_start\": \"192.168.250.10\"", "\"pptp.pool_start\": \"192.168.250.30\"")
                        .replaceFirst("\\{\"name\": \"alice\"[^}]*}", "");
                assertFalse(document.equals(exported) || document.contains("alice"), document);

                var r = ui.post("/system/import", "config", document, "replace", "on");
                assertEquals(400, r.statusCode(), r.body());
                assertTrue(r.body().contains("not imported, nothing changed: the router cannot run with it:"
                        + " pptp.port: another program on this router already uses TCP port " + taken.getLocalPort()),
                        "worded as the VPN page words it, the field named as in the file: " + r.body());
                assertEquals(port, a.pptpAddress().getPort(), "listening where it was");
                assertEquals(exported, ui.export(), "settings and users as before");
                assertEquals("192.168.250.10", net.dial(a.pptpAddress(), "alice", "alice password").tunnelAddress(),
                        "alice still dials in, from the old pool");
            }
        }
    }

    /**
     * The owner's own backup, restored while the WAN address it listens on is missing (the cable out,
     * a new DHCP lease, a replacement box): kept, as a start with it is, and the server waits for the
     * address; the Dashboard and the Logs say so.
     */
    @Test
    void anImportListeningOnAnAddressThisRouterLacksNowIsKeptAndTheServerWaitsForIt() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        int port = listenOnAFreeLoopbackPort(db);
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            assertNotNull(a.pptpAddress());
            UiClient ui = UiClient.setUp(a.uiPort());
            String document = ui.export().replace("\"pptp.listen_address\": \"127.0.0.1\"",
                    "\"pptp.listen_address\": \"192.0.2.55\"").replaceFirst("\\{\"name\": \"alice\"[^}]*}", "");
            assertFalse(document.contains("alice") || !document.contains("192.0.2.55"), document);

            var r = ui.post("/system/import", "config", document, "replace", "on");
            assertEquals(303, r.statusCode(), "imported: " + r.body());
            String system = ui.get("/system").body();
            assertTrue(system.contains("id=\"flash-warning\" role=\"alert\" tabindex=\"-1\" autofocus>Configuration imported, but the VPN server"
                    + " cannot listen on 192.0.2.55"), "a warning, not the green \"applied\": " + system);
            assertEquals(document.replaceAll("\\s+", ""), ui.export().replaceAll("\\s+", ""),
                    "the backup's settings and users, as they were in it");
            assertNull(a.pptpAddress(), "no listener on an address this router does not have");
            String dashboard = ui.get("/").body();
            assertTrue(dashboard.matches("(?s).*The VPN server could not start: its listen address 192\\.0\\.2\\.55 is not on"
                    + " this router now [^<]*\\. It tries again.*"), "the Dashboard says why and that it tries again: " + dashboard);
            assertTrue(a.store().recentEvents(10).stream().anyMatch(e -> e.contains("the VPN server cannot listen on"
                    + " 192.0.2.55 (pptp.listen_address of the imported configuration): this router does not have that"
                    + " address now. The configuration is kept")), a.store().recentEvents(10).toString());
        }
    }

    /**
     * A backup (tampered with, or old) that switches VPN encryption off is restored, as the owner asked,
     * but not as the green "imported and applied": the page and the event log say what it weakened.
     */
    @Test
    void anImportThatSwitchesEncryptionOffSaysSoOnThePageAndInTheLog() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            UiClient ui = UiClient.setUp(a.uiPort());
            String exported = ui.export();
            String document = exported.replace("\"pptp.mppe\": \"require-128\"", "\"pptp.mppe\": \"none\"");
            assertFalse(document.equals(exported), exported);

            var r = ui.post("/system/import", "config", document, "replace", "on");
            assertEquals(303, r.statusCode(), "imported: " + r.body());
            String system = ui.get("/system").body();
            assertTrue(system.contains("id=\"flash-warning\" role=\"alert\" tabindex=\"-1\" autofocus>This import weakened: VPN encryption is now"
                    + " None (unencrypted), not Require 128-bit as before."), "a warning naming it: " + system);
            assertFalse(system.contains("imported and applied"), system);
            assertTrue(a.store().recentEvents(10).contains("config: This import weakened: VPN encryption is now None"
                    + " (unencrypted), not Require 128-bit as before."), a.store().recentEvents(10).toString());

            // The same file again weakens nothing more: the plain notice.
            assertEquals(303, ui.post("/system/import", "config", document, "replace", "on").statusCode());
            assertTrue(ui.get("/system").body().contains("Configuration imported and applied."));
        }
    }

    /**
     * An old backup restored (after a factory reset, say) brings back an account deleted since, and
     * a password changed since: not as the green "imported and applied", but a warning naming them,
     * in the Users page's words, on the page and in the log. The router's own export says nothing.
     */
    @Test
    void anOldBackupNamesTheAccountsItLetsInAgain() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice", "bob");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            UiClient ui = UiClient.setUp(a.uiPort());
            String old = ui.export();
            assertEquals(303, ui.post("/users/delete", "name", "bob", "confirm", "yes").statusCode());
            assertEquals(303, ui.post("/users/password", "name", "alice", "password", "a new password",
                    "password_again", "a new password").statusCode());

            assertEquals(303, ui.post("/system/import", "config", old, "replace", "on").statusCode());
            String said = "This import weakened: VPN user bob added; the password of VPN user alice is now the one in"
                    + " the file, not the one set here.";
            String system = ui.get("/system").body();
            assertTrue(system.contains("id=\"flash-warning\" role=\"alert\" tabindex=\"-1\" autofocus>" + said), "a warning naming them: " + system);
            assertFalse(system.contains("imported and applied"), system);
            assertTrue(a.store().recentEvents(10).contains("config: " + said), a.store().recentEvents(10).toString());

            assertEquals(303, ui.post("/system/import", "config", ui.export(), "replace", "on").statusCode());
            assertTrue(ui.get("/system").body().contains("Configuration imported and applied."), "its own export: nothing");
        }
    }

    /**
     * A backup whose site-to-site tunnel cannot start here (its remote networks overlap one of this
     * router's own: a new box's, say) is kept, but the tunnel never dials: a warning saying why, not
     * the green "imported and applied" with the reason only in the log.
     */
    @Test
    void anImportWhoseTunnelCannotStartHereSaysWhy() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            UiClient ui = UiClient.setUp(a.uiPort());
            String exported = ui.export();
            String document = exported.replace("\"dialout.enabled\": \"false\"", "\"dialout.enabled\": \"true\"")
                    .replace("\"dialout.server\": \"\"", "\"dialout.server\": \"203.0.113.7\"")
                    .replace("\"dialout.user\": \"\"", "\"dialout.user\": \"branch\"")
                    .replace("\"dialout.nt_hash\": \"\"", "\"dialout.nt_hash\": \""
                            + java.util.HexFormat.of().formatHex(NtPasswordHash.of("branch secret")) + "\"")
                    // The VPN's own tunnel network: overlapping this router's networks as a LAN would.
                    .replace("\"dialout.subnets\": \"\"", "\"dialout.subnets\": \"192.168.250.0/24\"");
            assertTrue(document.contains("203.0.113.7") && document.contains("branch") && document.contains("192.168.250.0/24")
                    && document.contains("\"dialout.enabled\": \"true\""), document);

            assertEquals(303, ui.post("/system/import", "config", document, "replace", "on").statusCode());
            String system = ui.get("/system").body();
            assertTrue(system.contains("Configuration imported, but the site-to-site tunnel is not started: 192.168.250.0/24"
                    + " overlaps the VPN tunnel network 192.168.250.0/24"), "a warning saying why: " + system);
            assertTrue(system.contains("id=\"flash-warning\""), system);
            assertFalse(system.contains("imported and applied"), system);
            assertEquals("true", a.store().settings().get(org.homerouter.appliance.store.Setting.DIALOUT_ENABLED), "kept");
        }
    }

    @Test
    void aPasswordChangedWhileAFailingImportIsUndoneStaysChanged() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            UiClient ui = UiClient.setUp(a.uiPort());
            String exported = ui.export();
            assertTrue(a.store().recentEvents(5).contains("admin: configuration exported, with the accounts' password"
                    + " hashes, to 127.0.0.1"), "the export is on record: " + a.store().recentEvents(5));
            // An import the router cannot run with (its PPTP port is taken): it is undone whole.
            String document = exported.replaceFirst("\"pptp.port\": \"\\d+\"", "\"pptp.port\": \"" + taken.getLocalPort() + "\"")
                    .replace("\"pptp.listen_address\": \"0.0.0.0\"", "\"pptp.listen_address\": \"127.0.0.1\"");
            assertFalse(document.equals(exported), document);
            var accounts = new StoreUserAccounts(a.store(), a);
            var system = new ApplianceSystem(a, dir.resolve("tls.p12"));
            var importing = new java.util.concurrent.atomic.AtomicReference<Throwable>();
            Thread admin1;
            Thread admin2;
            // Another administrator's change lands while the import is under way, before its undo.
            synchronized (a.changeLock()) {
                admin1 = Thread.ofPlatform().start(() -> {
                    try {
                        system.importJson(document, "import");
                    } catch (Throwable e) {
                        importing.set(e);
                    }
                });
                awaitBlocked("the import (admin1's)", admin1);
                admin2 = Thread.ofPlatform().start(() -> accounts.setPassword("alice", "new password", "password changed"));
                admin2.join(2000);
            }
            admin1.join(20_000);
            admin2.join(20_000);
            assertTrue(importing.get() instanceof IllegalArgumentException, String.valueOf(importing.get()));
            assertArrayEquals(NtPasswordHash.of("new password"), a.store().user("alice").orElseThrow().ntHash(),
                    "the new password survives the import's undo");
            assertEquals(SessionEnd.AUTH_FAILED, net.dial(a.pptpAddress(), "alice", "alice password").ended.get(15, TimeUnit.SECONDS),
                    "the old password no longer works");
        }
    }

    /** A database with alice and bob whose server listens on 127.0.0.1:{@code port} (no command-line override). */
    private Path aliceAndBobListeningOn(int port) throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice", "bob");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_LISTEN_ADDRESS, "127.0.0.1",
                    org.homerouter.appliance.store.Setting.PPTP_PORT, Integer.toString(port)));
        }
        return db;
    }

    /** Waits until {@code t} ({@code who}) waits for the change lock this test holds; fails, naming it, if it never does. */
    private static void awaitBlocked(String who, Thread t) throws Exception {
        Thread.State s = Eventually.until(who + " waiting for the change lock", t::getState,
                state -> state == Thread.State.BLOCKED || state == Thread.State.TERMINATED);
        assertEquals(Thread.State.BLOCKED, s, who + " ended before it ever waited for the change lock");
    }
}
