package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.webui.api.SiteToSite;
import org.homerouter.webui.api.UserAccounts;
import org.homerouter.webui.api.UserAccounts.UserRow;
import org.homerouter.webui.api.VpnSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A settings page left open in one tab (or on another device, or by another administrator) while a
 * newer change is saved elsewhere: its save is refused with 409 and the current settings, instead
 * of quietly putting back every field as the old page showed it.
 */
class StaleFormTest {
    private static final String CHANGED_ELSEWHERE = "These settings were changed elsewhere (another browser tab or "
            + "administrator) after this page was opened: nothing was saved.";
    @RegisterExtension
    final UiUnderTest ui = new UiUnderTest();
    private final FakeBackend fake = ui.fake;
    private final AtomicLong now = ui.now;

    private Browser admin() throws Exception {
        return ui.admin();
    }

    @Test
    void anOldUserPageCannotEnableAgainAUserDisabledSince() throws Exception {
        fake.users.put("bob", new UserRow("bob", true, "", false, UserAccounts.LastConnection.NEVER));
        Browser laptop = admin();
        List<String> kept = formOf(laptop.get("/users/edit?name=bob").body(), "/users/edit");
        assertTrue(kept.contains("enabled"), "the old page shows bob enabled: " + kept);

        // bob's laptop was stolen: cut off from the phone.
        Browser phone = admin();
        List<String> disable = formOf(phone.get("/users/edit?name=bob").body(), "/users/edit");
        assertEquals(303, send(phone, "/users/edit", without(disable, "enabled")).statusCode());
        assertFalse(fake.users.get("bob").enabled());

        // Later, on the old page still open: a static address for bob.
        HttpResponse<String> stale = send(laptop, "/users/edit", with(kept, "static_address", "192.168.250.70"));
        assertEquals(409, stale.statusCode(), stale.body());
        assertTrue(stale.body().contains(CHANGED_ELSEWHERE), stale.body());
        assertFalse(fake.users.get("bob").enabled(), "bob stays disabled");
        assertEquals("", fake.users.get("bob").staticAddress(), "nothing saved");
        assertFalse(fake.events.stream().anyMatch(e -> e.message().startsWith("user bob changed: enabled")), fake.events.toString());

        // The page now shows bob as he is; the change made again there is saved, and bob stays off.
        List<String> current = formOf(stale.body(), "/users/edit");
        assertFalse(current.contains("enabled"), "shown disabled: " + current);
        assertEquals(303, send(laptop, "/users/edit", with(current, "static_address", "192.168.250.70")).statusCode());
        assertEquals(new UserRow("bob", false, "192.168.250.70", false, UserAccounts.LastConnection.NEVER), fake.users.get("bob"));
    }

    @Test
    void anOldVpnPageCannotPutBackPapAndOptionalEncryption() throws Exception {
        VpnSettings weak = new VpnSettings(true, "0.0.0.0", 1723, "192.168.250.1", "192.168.250.10", "192.168.250.59",
                "", "", "", "", FakeBackend.set("mschapv2", "pap"), "optional", 50, 0);
        fake.vpn = weak;
        Browser b = admin();
        List<String> oldTab = formOf(b.get("/vpn").body(), "/vpn");

        // A mistyped save on the old tab comes back to be corrected (still made from the old settings).
        HttpResponse<String> typo = send(b, "/vpn", with(oldTab, "port", "70000"));
        assertEquals(400, typo.statusCode());
        List<String> corrected = with(formOf(typo.body(), "/vpn"), "port", "1723");

        // Meanwhile, in another tab: PAP off, 128-bit encryption required.
        List<String> newTab = formOf(b.get("/vpn").body(), "/vpn");
        newTab = with(without(newTab, "auth"), "auth", "mschapv2");
        assertEquals(303, send(b, "/vpn", with(newTab, "mppe", "require-128")).statusCode());
        int applied = fake.applied;

        for (List<String> old : List.of(with(oldTab, "dns_primary", "192.168.1.53"), with(corrected, "dns_primary", "192.168.1.53"))) {
            HttpResponse<String> stale = send(b, "/vpn", old);
            assertEquals(409, stale.statusCode(), stale.body());
            assertTrue(stale.body().contains(CHANGED_ELSEWHERE), stale.body());
            assertEquals(applied, fake.applied, "nothing applied");
            assertEquals(java.util.Set.of("mschapv2"), fake.vpn.authMethods(), "PAP stays off");
            assertEquals("require-128", fake.vpn.mppe());
            assertEquals("", fake.vpn.dnsPrimary());
            List<String> shown = formOf(stale.body(), "/vpn");
            assertFalse(shown.contains("pap"), "the page shows PAP off: " + shown);
            assertTrue(shown.contains("require-128"), shown.toString());
        }

        // A single tab's edit saves as before.
        List<String> fresh = formOf(b.get("/vpn").body(), "/vpn");
        assertEquals(303, send(b, "/vpn", with(fresh, "dns_primary", "192.168.1.53")).statusCode());
        assertEquals("192.168.1.53", fake.vpn.dnsPrimary());
        assertEquals("require-128", fake.vpn.mppe());
        assertTrue(fake.events.getFirst().message().equals("VPN server settings changed: DNS 192.168.1.53"),
                "the log names the change made: " + fake.events.getFirst());
    }

    /**
     * Two tabs opened on the same settings save at the same moment: the second save is checked only
     * once the first is stored (not both against what was there before either), and refused.
     */
    @Test
    void twoSavesFromPagesOpenedAlikeAtTheSameMomentSaveOnlyOne() throws Exception {
        Browser b = admin();
        List<String> page = formOf(b.get("/vpn").body(), "/vpn");
        fake.vpnApplyEntered = new java.util.concurrent.Semaphore(0);
        fake.vpnApplyRelease = new java.util.concurrent.CountDownLatch(1);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var first = pool.submit(() -> send(b, "/vpn", with(page, "dns_primary", "192.168.1.53")));
            assertTrue(fake.vpnApplyEntered.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS), "the first save begins");
            var second = pool.submit(() -> send(b, "/vpn", with(page, "mppe", "optional")));
            // Time for the second to be checked and stored beside the first, were it let.
            boolean bothSaving = fake.vpnApplyEntered.tryAcquire(1, java.util.concurrent.TimeUnit.SECONDS);
            fake.vpnApplyRelease.countDown();
            assertEquals(303, first.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode());
            HttpResponse<String> late = second.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertFalse(bothSaving, "the second save was stored beside the first");
            assertEquals(409, late.statusCode(), late.body());
        }
        assertEquals(1, fake.applied);
        assertEquals("192.168.1.53", fake.vpn.dnsPrimary());
        assertEquals("require-128", fake.vpn.mppe(), "not optional");
    }

    @Test
    void anOldSiteToSitePageCannotSwitchTheDefaultRouteBackOff() throws Exception {
        fake.siteToSiteSettings = new SiteToSite.Settings(true, "203.0.113.7", "branch", "require-128", "10.2.0.0/24",
                false, true);
        Browser b = admin();
        List<String> oldTab = formOf(b.get("/site-to-site").body(), "/site-to-site");
        assertFalse(oldTab.contains("default_route"), oldTab.toString());

        Browser other = admin();
        List<String> everything = formOf(other.get("/site-to-site").body(), "/site-to-site");
        assertEquals(303, send(other, "/site-to-site", with(everything, "default_route", "on")).statusCode());
        assertTrue(fake.siteToSiteSettings.defaultRoute());

        HttpResponse<String> stale = send(b, "/site-to-site", with(oldTab, "subnets", "10.2.0.0/24, 10.3.0.0/16"));
        assertEquals(409, stale.statusCode(), stale.body());
        assertTrue(stale.body().contains(CHANGED_ELSEWHERE), stale.body());
        assertTrue(fake.siteToSiteSettings.defaultRoute(), "everything still goes through the tunnel");
        assertEquals("10.2.0.0/24", fake.siteToSiteSettings.subnets());
        assertTrue(formOf(stale.body(), "/site-to-site").contains("default_route"), "the page shows it on");

        assertEquals(303, send(b, "/site-to-site", with(formOf(stale.body(), "/site-to-site"), "subnets",
                "10.2.0.0/24, 10.3.0.0/16")).statusCode());
        assertEquals("10.2.0.0/24,10.3.0.0/16", fake.siteToSiteSettings.subnets());
        assertTrue(fake.siteToSiteSettings.defaultRoute());
    }

    @Test
    void oldPassthroughAndHttpsFormsAreRefusedToo() throws Exception {
        Browser b = admin();
        List<String> oldPassthrough = formOf(b.get("/passthrough").body(), "/passthrough");
        fake.httpsPort = 8443;
        List<String> oldHttps = formOf(b.get("/system").body(), "/system/https");

        assertEquals(303, send(b, "/passthrough", with(formOf(b.get("/passthrough").body(), "/passthrough"),
                "enabled", "on")).statusCode());
        HttpResponse<String> stale = send(b, "/passthrough", oldPassthrough);
        assertEquals(409, stale.statusCode(), stale.body());
        assertTrue(stale.body().contains(CHANGED_ELSEWHERE), stale.body());
        assertTrue(fake.passthrough, "passthrough stays on");

        assertEquals(303, send(b, "/system/https", with(formOf(b.get("/system").body(), "/system/https"),
                "https_port", "9443")).statusCode());
        stale = send(b, "/system/https", with(oldHttps, "enabled", "on"));
        assertEquals(409, stale.statusCode(), stale.body());
        assertTrue(stale.body().contains(CHANGED_ELSEWHERE), stale.body());
        assertFalse(fake.https);
        assertEquals(9443, fake.httpsPort);
    }

    /**
     * The branch-office networks of a user, edited in two tabs: the one opened first, saved last,
     * put its own list back and took away the network the other had added, without a word.
     */
    @Test
    void anOldUserPageCannotTakeAwayABranchNetworkAddedSince() throws Exception {
        fake.users.put("branch", new UserRow("branch", true, "", false, UserAccounts.LastConnection.NEVER));
        Browser laptop = admin();
        List<String> kept = formOf(laptop.get("/users/edit?name=branch").body(), "/users/subnets");

        Browser phone = admin();
        List<String> fresh = formOf(phone.get("/users/edit?name=branch").body(), "/users/subnets");
        assertEquals(303, send(phone, "/users/subnets", with(fresh, "routed_subnets", "10.2.0.0/24")).statusCode());

        HttpResponse<String> stale = send(laptop, "/users/subnets", with(kept, "routed_subnets", "10.3.0.0/16"));
        assertEquals(409, stale.statusCode(), stale.body());
        assertTrue(stale.body().contains(CHANGED_ELSEWHERE), stale.body());
        assertEquals("10.2.0.0/24", fake.routedSubnets("branch"), "the network added on the phone stays");

        // The page now shows both forms as stored; the networks saved from there are kept.
        List<String> current = formOf(stale.body(), "/users/subnets");
        assertTrue(current.contains("10.2.0.0/24"), current.toString());
        assertEquals(303, send(laptop, "/users/subnets", with(current, "routed_subnets", "10.2.0.0/24, 10.3.0.0/16"))
                .statusCode());
        assertEquals("10.2.0.0/24,10.3.0.0/16", fake.routedSubnets("branch"));
        // The account form of the same page is versioned on its own: the networks did not make it stale.
        assertEquals(303, send(laptop, "/users/edit", with(formOf(stale.body(), "/users/edit"), "static_address",
                "192.168.250.70")).statusCode());
    }

    /**
     * A double-click on Save, or a save sent again (a reload that resends it, a retry after the
     * connection dropped), carries the version the first send replaced: it was refused with "changed
     * elsewhere, nothing was saved" although the first had saved. What it sends is what is stored
     * now, so it is answered as the save it is.
     */
    @Test
    void aSaveSentTwiceIsAnsweredAsSavedBothTimes() throws Exception {
        Browser b = admin();
        List<String> vpn = with(formOf(b.get("/vpn").body(), "/vpn"), "dns_primary", "192.168.1.53");
        for (int i = 1; i <= 2; i++) {
            HttpResponse<String> r = send(b, "/vpn", vpn);
            assertEquals(303, r.statusCode(), "send " + i + ": " + r.body());
            String page = b.get("/vpn").body();
            assertTrue(page.contains("Saved and applied.") && !page.contains(CHANGED_ELSEWHERE), "send " + i + ": " + page);
        }
        assertEquals("192.168.1.53", fake.vpn.dnsPrimary(), "as submitted");

        fake.users.put("bob", new UserRow("bob", true, "", false, UserAccounts.LastConnection.NEVER));
        List<String> account = with(formOf(b.get("/users/edit?name=bob").body(), "/users/edit"), "static_address",
                "192.168.250.70");
        List<String> networks = with(formOf(b.get("/users/edit?name=bob").body(), "/users/subnets"), "routed_subnets",
                "10.2.0.0/24");
        for (int i = 1; i <= 2; i++) {
            assertEquals(303, send(b, "/users/edit", account).statusCode(), "send " + i);
            assertTrue(b.get("/users").body().contains("VPN user bob saved."), "send " + i);
            assertEquals(303, send(b, "/users/subnets", networks).statusCode(), "send " + i);
        }
        assertEquals("192.168.250.70", fake.users.get("bob").staticAddress());
        assertEquals("10.2.0.0/24", fake.routedSubnets("bob"));

        // Still refused: a stale form that would store something else.
        HttpResponse<String> other = send(b, "/vpn", with(vpn, "dns_primary", "192.168.1.54"));
        assertEquals(409, other.statusCode(), other.body());
        assertEquals("192.168.1.53", fake.vpn.dnsPrimary());
    }

    /**
     * A tab opened before the admin password was changed in another tab of the same browser: its
     * form's token is the old session's, so nothing is saved, and the page says so and links back
     * to the form. It said "This form had expired ... Log in", and "Log in" led to the Dashboard,
     * the browser being logged in.
     */
    @Test
    void aFormFromBeforeThePasswordChangeInAnotherTabLinksBackToItsPage() throws Exception {
        Browser b = admin();
        List<String> oldTab = formOf(b.get("/vpn").body(), "/vpn");
        assertEquals(303, b.post("/system/password", "current_password", UiUnderTest.ADMIN_PW, "password", "another long pw",
                "password_again", "another long pw").statusCode());
        int applied = fake.applied;
        HttpResponse<String> r = send(b, "/vpn", with(oldTab, "dns_primary", "192.168.1.53"));
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("This form was opened before your latest login, so what you entered was not saved.")
                && r.body().contains("<a id=\"again\" href=\"/vpn\">Open the page again</a>"), r.body());
        assertEquals(applied, fake.applied, "nothing applied");
        // Its title is its own: "Nothing was saved" alone is also the title of a save the storage refused.
        assertTrue(r.body().contains("<title>Nothing was saved: the form is from before your latest login — HomeRouter"
                + "</title>"), r.body());

        // A browser not logged in (its session ended) is sent to log in, as before.
        HttpResponse<String> loggedOut = send(new Browser(ui.base), "/vpn", oldTab);
        assertEquals(403, loggedOut.statusCode());
        assertTrue(loggedOut.body().contains("This form had expired") && loggedOut.body().contains("href=\"/login\""),
                loggedOut.body());
        assertTrue(loggedOut.body().contains("<title>Nothing was saved: the form had expired — HomeRouter</title>"),
                loggedOut.body());
    }

    // ---- the form a browser would send --------------------------------------------------------

    private static HttpResponse<String> send(Browser b, String path, List<String> fields) throws Exception {
        return b.postRaw(path, fields.toArray(String[]::new));
    }

    private static final Pattern INPUT = Pattern.compile("<input\\b([^>]*)>");
    private static final Pattern SELECT = Pattern.compile("<select\\b([^>]*)>(.*?)</select>", Pattern.DOTALL);
    private static final Pattern SELECTED = Pattern.compile("<option value=\"([^\"]*)\" selected>");

    /** The fields, name and value in turn, that the page's form posting to {@code action} sends as shown. */
    private static List<String> formOf(String page, String action) {
        int start = page.indexOf("<form method=\"post\" action=\"" + action + "\"");
        assertTrue(start >= 0, "no form for " + action + ": " + page);
        String form = page.substring(start, page.indexOf("</form>", start));
        List<String> out = new ArrayList<>();
        Matcher m = INPUT.matcher(form);
        while (m.find()) {
            String a = m.group(1);
            String name = attribute(a, "name");
            String type = attribute(a, "type");
            if (name == null || "password".equals(type) || "checkbox".equals(type) && !a.contains(" checked")) {
                continue;
            }
            String value = attribute(a, "value");
            out.add(name);
            out.add(value == null ? "on" : value);
        }
        Matcher s = SELECT.matcher(form);
        while (s.find()) {
            Matcher o = SELECTED.matcher(s.group(2));
            if (o.find()) {
                out.add(attribute(s.group(1), "name"));
                out.add(o.group(1));
            }
        }
        return out;
    }

    private static String attribute(String attributes, String name) {
        Matcher m = Pattern.compile("\\b" + name + "=\"([^\"]*)\"").matcher(attributes);
        return m.find() ? m.group(1).replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&amp;", "&") : null;
    }

    /** The fields with {@code name} set to {@code value} (added when the form had no such field, as a ticked box). */
    private static List<String> with(List<String> fields, String name, String value) {
        List<String> out = new ArrayList<>(fields);
        for (int i = 0; i < out.size(); i += 2) {
            if (out.get(i).equals(name) && !name.equals("auth")) {
                out.set(i + 1, value);
                return out;
            }
        }
        out.add(name);
        out.add(value);
        return out;
    }

    private static List<String> without(List<String> fields, String name) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < fields.size(); i += 2) {
            if (!fields.get(i).equals(name)) {
                out.add(fields.get(i));
                out.add(fields.get(i + 1));
            }
        }
        return out;
    }
}
