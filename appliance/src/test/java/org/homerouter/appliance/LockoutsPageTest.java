package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.session.SessionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VPN login lockouts of the running engine show on the Lockouts page, and its Unlock lets the user in again. */
class LockoutsPageTest {
    @TempDir
    Path dir;

    @Test
    void aUserNameLockedByWrongPasswordsIsListedAndUnlockLetsItDialIn() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            // Five wrong passwords, each from its own address: the name is locked, no address is.
            for (int i = 0; i < 5; i++) {
                InMemoryDialIn.Client guess = net.dial(a.pptpAddress(), "alice", "wrong " + i);
                guess.ended.get(10, TimeUnit.SECONDS);
            }
            Refusals.assertRefused(a, SessionEnd.LOCKED_OUT, "while locked: the right password is refused",
                    () -> net.dial(a.pptpAddress(), "alice", "alice password"));

            UiClient ui = UiClient.setUp(a.uiPort());
            String page = ui.get("/lockouts").body();
            // Five failures: the attempt refused while locked is not one, and did not lengthen the 30 s.
            assertTrue(page.contains("<td>VPN login</td><td>user name</td><td>alice</td><td>5</td>"), page);
            assertTrue(page.contains("a locked name still logs in near an address it\nlogged in from in the last 30 days: in the same /24"),
                    "the page says where a locked name is still let in");
            java.util.regex.Matcher left = java.util.regex.Pattern.compile("\\((?:(\\d+) min )?(\\d+) s left\\)")
                    .matcher(page);
            assertTrue(left.find(), page);
            int seconds = (left.group(1) == null ? 0 : 60 * Integer.parseInt(left.group(1))) + Integer.parseInt(left.group(2));
            assertTrue(seconds > 15 && seconds <= 30, left.group());
            // The history says when the lockout began and which attempt it refused, with what to do.
            var events = Eventually.value(() -> a.store().recentEvents(20),
                    e -> e.stream().anyMatch(m -> m.contains("locked out after repeated failed logins")));
            assertTrue(events.stream().anyMatch(m -> m.contains("user alice is now locked out for 30 s after 5 failed logins")),
                    events.toString());
            assertTrue(ui.get("/logs").body().contains("lift it on the Lockouts page"), "the advice");

            HttpResponse<String> r = ui.post("/lockouts/unlock", "scope", "vpn", "key", renderedKey(page));
            assertEquals(303, r.statusCode(), r.body());
            page = ui.get("/lockouts").body();
            assertTrue(page.contains("Unlocked the VPN login of user name alice.") && page.contains("Nothing is locked out."), page);
            assertTrue(a.store().recentEvents(20).stream().anyMatch(e -> e.contains("lockout lifted by the admin: VPN login of user name alice")),
                    a.store().recentEvents(20).toString());

            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            assertEquals("192.168.250.10", alice.tunnelAddress(), "unlocked: alice is in");
        }
    }

    /**
     * The owner, told "alice cannot connect", looks at the VPN users page: her row said "enabled"
     * while even her right password was refused, and only the Lockouts page said why. Her row says
     * she is locked out and for how long, and its Unlock lets her in.
     */
    @Test
    void aLockedOutUsersRowSaysSoAndItsUnlockLetsHerIn() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice", "bob");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            java.net.InetAddress from = java.net.InetAddress.getByName("192.0.2.7");
            for (int i = 0; i < 5; i++) {
                a.vpnLockout().failed("Alice", from); // the account's, whatever the case typed
            }
            UiClient ui = UiClient.setUp(a.uiPort());
            String page = ui.get("/users").body();
            java.util.regex.Matcher row = java.util.regex.Pattern.compile("<span class=\"off\" id=\"locked-alice\">"
                    + "locked out for (\\d+) s\nafter 5 wrong passwords: refused meanwhile, even with the right one \\(but near where it logged in the last"
                    + " 30 days\\)</span>")
                    .matcher(page);
            assertTrue(row.find(), page);
            assertFalse(page.contains("id=\"locked-bob\""), "bob is not locked");
            HttpResponse<String> r = ui.post("/lockouts/unlock", "scope", "vpn", "key", renderedKey(page));
            assertEquals(303, r.statusCode(), r.body());
            assertFalse(ui.get("/users").body().contains("id=\"locked-alice\""), "unlocked");
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.tunnelAddress();
        }
    }

    /**
     * A locked name is what a peer sent. It shows as the logs show it: a right-to-left override
     * (U+202E) before "ecila" would show "alice". And its Unlock works although a browser sends a
     * CR in it back as a line feed.
     */
    @Test
    void aLockedNameAsAPeerSentItShowsPrintableAndUnlocks() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            String name = "x\rb\u202Eecila";
            java.net.InetAddress from = java.net.InetAddress.getByName("192.0.2.7");
            for (int i = 0; i < 5; i++) {
                a.vpnLockout().failed(name, from);
            }
            UiClient ui = UiClient.setUp(a.uiPort());
            String page = ui.get("/lockouts").body();
            assertTrue(page.contains("<td>VPN login</td><td>user name</td><td>x\\u000db\\u202eecila</td><td>5</td>"), page);
            assertFalse(page.contains("\u202E") || page.contains("\r"), "nothing of the name raw");

            HttpResponse<String> r = ui.post("/lockouts/unlock", "scope", "vpn", "key", renderedKey(page));
            assertEquals(303, r.statusCode(), r.body());
            page = ui.get("/lockouts").body();
            assertTrue(page.contains("Unlocked the VPN login of user name x\\u000db\\u202eecila.")
                    && page.contains("Nothing is locked out."), page);
            assertTrue(a.vpnLockout().current().isEmpty(), a.vpnLockout().current().toString());
        }
    }

    /**
     * The first Unlock button's key as a browser posts it: its HTML parser turns CR and CR LF into
     * a line feed (HTML, 13.2.3.5 Preprocessing the input stream), and undoes the escapes.
     */
    private static String renderedKey(String page) {
        String parsed = page.replace("\r\n", "\n").replace('\r', '\n');
        java.util.regex.Matcher key = java.util.regex.Pattern.compile("name=\"key\" value=\"([^\"]*)\"").matcher(parsed);
        assertTrue(key.find(), page);
        return key.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }
}
