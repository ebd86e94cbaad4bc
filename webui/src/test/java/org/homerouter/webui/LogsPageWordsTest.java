package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Logs page in an owner's words: its filter and Kind column showed the stored kind codes
 * (admin-failure, auth-failure, dialout, route, service, config), and the VPN page's events the
 * stored values of its choices ("encryption require-128-stateful").
 */
class LogsPageWordsTest {
    @RegisterExtension
    final UiUnderTest ui = new UiUnderTest();

    @Test
    void kindsAreShownInWordsAndFilteredByTheirCodes() throws Exception {
        Browser b = ui.admin();
        ui.fake.log("dialout", "site-to-site tunnel up");
        ui.fake.log("auth-failure", "login failed for bob");
        ui.fake.log("route", "10.2.0.0/24 routed into pptp0 for branch");
        String page = b.get("/logs").body();
        for (Map.Entry<String, String> k : Map.of("admin-failure", "Failed admin logins", "auth-failure",
                "Failed VPN logins", "dialout", "Site-to-site tunnel", "route", "Branch offices&#39; routes", "service",
                "System", "config", "Settings changed").entrySet()) {
            assertTrue(page.contains("<option value=\"" + k.getKey() + "\">" + k.getValue() + "</option>"), k + page);
            assertFalse(page.contains(">" + k.getKey() + "<"), "no code shown: " + k.getKey());
        }
        assertTrue(page.contains("<tr class=\"kind-dialout\"><td>") && page.contains("<td>Site-to-site tunnel</td><td>site-to-site"
                + " tunnel up</td>"), page);
        assertTrue(page.contains("<td>Failed VPN logins</td><td>login failed for bob</td>"), page);

        String dialout = b.get("/logs?kind=dialout").body();
        assertTrue(dialout.contains("<option value=\"dialout\" selected>Site-to-site tunnel</option>"), dialout);
        assertTrue(dialout.contains("site-to-site tunnel up") && !dialout.contains("login failed for bob"), dialout);
    }

    /**
     * The page shows the newest 300 events, without paging: it said only "Kept for a year", and an
     * owner looked there for last spring's. It says how many it shows, and how to reach further back.
     */
    @Test
    void thePageSaysHowManyEventsItShowsAndHowToNarrowThem() throws Exception {
        Browser b = ui.admin();
        int before = ui.fake.events.size(); // the admin's setup and login
        for (int i = 0; i < 3; i++) {
            ui.fake.log("auth-failure", "login failed for guess" + i);
        }
        String few = b.get("/logs").body().replace('\n', ' ');
        assertTrue(few.contains("id=\"events-kept\">All " + (before + 3) + " events the router keeps are shown. Events"
                + " are kept for a year;"), few);
        for (int i = 0; i < 301; i++) {
            ui.fake.log("connect", "alice connected " + i);
        }
        String many = b.get("/logs").body().replace('\n', ' ');
        assertTrue(many.contains("id=\"events-kept\">Only the newest 300 events are shown: older ones are kept but not on"
                + " this page. To see further back, choose one kind under Show (Failed VPN logins, say) and press Filter."
                + " Events are kept for a year;"), many);
        assertEquals(300, many.split("<tr class=\"kind-").length - 1, "300 rows");
        assertFalse(many.contains("login failed for guess2"), "older than the 300");
        String oneKind = b.get("/logs?kind=auth-failure").body().replace('\n', ' ');
        assertTrue(oneKind.contains("login failed for guess0") && oneKind.contains("id=\"events-kept\">All 3 events of"
                + " this kind (Failed VPN logins) the router keeps are shown."), oneKind);
        String connects = b.get("/logs?kind=connect").body().replace('\n', ' ');
        assertTrue(connects.contains("id=\"events-kept\">Only the newest 300 events of this kind (VPN connections) are"
                + " shown: older ones are kept but not on this page. Events are kept"), connects);
    }

    @Test
    void theVpnPagesEventsNameItsChoicesAsThePageShowsThem() throws Exception {
        Browser b = ui.admin();
        String vpn = b.get("/vpn").body();
        for (Map.Entry<String, String> m : VpnForm.MPPE_SHOWN.entrySet()) {
            // The option's own words, as the event log gives them.
            assertTrue(vpn.matches("(?s).*<option value=\"" + m.getKey() + "\"( selected)?>"
                    + java.util.regex.Pattern.quote(m.getValue()) + "( \\(.*?\\))?</option>.*"), m + vpn);
        }
        assertTrue(vpn.contains("value=\"chap-md5\"> CHAP-MD5</label>") && vpn.contains("value=\"pap\"> PAP</label>")
                && vpn.contains("value=\"mschapv2\" checked> MS-CHAPv2 ("), vpn);

        assertEquals(303, b.post("/vpn", "enabled", "on", "listen_address", "0.0.0.0", "port", "1723", "local_address",
                "192.168.250.1", "pool_start", "192.168.250.10", "pool_end", "192.168.250.59", "auth", "mschapv2",
                "auth", "chap-md5", "mppe", "optional", "max_sessions", "64", "idle_timeout", "0").statusCode());
        assertTrue(ui.fake.events.getFirst().message().contains("allowed authentication: MS-CHAPv2, CHAP-MD5;"
                + " encryption: Optional"), ui.fake.events.toString());
        b.get("/vpn");
        assertEquals(303, b.post("/vpn", "enabled", "on", "listen_address", "0.0.0.0", "port", "1723", "local_address",
                "192.168.250.1", "pool_start", "192.168.250.10", "pool_end", "192.168.250.59", "auth", "mschapv2",
                "mppe", "require-128-stateful", "max_sessions", "64", "idle_timeout", "0").statusCode());
        String logs = b.get("/logs").body();
        assertTrue(logs.contains("allowed authentication: MS-CHAPv2; encryption: Require 128-bit, stateful"), logs);
        assertFalse(logs.contains("require-128-stateful") || logs.contains("mschapv2"), logs);
    }
}
