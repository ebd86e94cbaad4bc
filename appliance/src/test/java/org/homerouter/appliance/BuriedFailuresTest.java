package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.pptp.session.SessionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote worker phones: "the VPN doesn't connect". The owner looks at the Dashboard's recent
 * problems, or runs status: both showed the failed among the last 50 or 100 rows, and a stranger
 * guessing logins from the internet adds about 2 rows a minute (AttemptRecords), so the worker's
 * row (no GRE, a wrong password on their real account) was gone within minutes. Failed logins
 * under unknown user names are summed up in one line now, and push nothing out.
 */
class BuriedFailuresTest {
    private static final String NO_GRE = "no GRE (IP protocol 47) ever arrived from the client";

    @TempDir
    Path dir;

    @Test
    void aNoGreFailureStaysOnTheDashboardAndInStatusUnder60GuessesWithUnknownNames() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        long now = System.currentTimeMillis();
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.sessionEnded(0, now - 600_000, now - 599_000, null, "198.51.100.9", null, 0, 0, "NO_GRE", "", "disconnect",
                    "(not logged in) from 198.51.100.9: no GRE");
            for (int i = 0; i < 60; i++) {
                long at = now - 590_000 + i * 9_000L;
                store.sessionEnded(0, at, at, i % 2 == 0 ? "administrator" : "admin", "203.0.113." + (i % 3 + 1), null,
                        0, 0, "AUTH_FAILED", "", true, "auth-failure", "a guess");
            }
        }
        String summary = "60 logins with unknown user names from 3 addresses in the last 24 hours (names tried: admin,"
                + " administrator): internet password guessing; nothing to do unless one is your user's name";

        String status = status(db);
        assertTrue(status.contains("(not logged in) from 198.51.100.9: " + NO_GRE), status);
        assertTrue(status.contains(summary), status);
        assertFalse(status.contains("administrator from"), "the guesses are not listed one by one: " + status);

        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0),
                DataPlane.unavailable("test: no data plane"))) {
            UiClient ui = UiClient.setUp(a.uiPort());
            listsTheFailureAndSumsUpTheGuesses(ui.get("/").body(), "Recent connection problems", "Active sessions",
                    summary);
            // The Logs page's table of failed attempts too.
            listsTheFailureAndSumsUpTheGuesses(ui.get("/logs").body(), "Failed and stuck connection attempts",
                    "Event log", summary);
        }
    }

    /**
     * A sustained flood (30 guesses recorded a minute) fills the kept 10,000 in about 5.5 hours: the
     * line said "in the last 24 hours" of what was 6 hours' count. It says "at least", and how far
     * back the kept ones reach.
     */
    @Test
    void aFloodBeyondTheKeptGuessesIsCountedAsAtLeastAndOnlyAsFarBackAsTheyReach() {
        long now = 100 * 86_400_000L;
        var kept = new ApplianceStore.UnknownUserFailures(10_000, 812, 3, java.util.List.of("admin", "test"),
                now - (5 * 3_600_000L + 30 * 60_000L));
        assertEquals("At least 10000 logins with unknown user names from 812 addresses in the last 6 hours (3 names"
                + " tried, the latest: admin, test): internet password guessing; nothing to do unless one is your"
                + " user's name (then give them the exact user name from the VPN users page). The router keeps only"
                + " the latest of these, which reach back 6 hours: any older ones of the last 24 hours are not"
                + " counted.", ApplianceSessions.unknownUsers(kept, now));
        var whole = new ApplianceStore.UnknownUserFailures(2, 1, 1, java.util.List.of("admin"), now - 86_400_000L);
        assertEquals("2 logins with unknown user names from 1 address in the last 24 hours (names tried: admin):"
                + " internet password guessing; nothing to do unless one is your user's name (then give them the"
                + " exact user name from the VPN users page).", ApplianceSessions.unknownUsers(whole, now));
    }

    /** The part of {@code page} from {@code from} to {@code to} lists the no-GRE failure, and the guesses in one line. */
    private static void listsTheFailureAndSumsUpTheGuesses(String page, String from, String to, String summary) {
        String part = page.substring(page.indexOf(from), page.indexOf(to)).replace("&#39;", "'");
        assertTrue(part.contains("<td>198.51.100.9</td><td>" + NO_GRE), part);
        assertTrue(part.contains(summary), part);
        assertFalse(part.contains("<td>administrator</td>"), part);
    }

    /**
     * What tells a stranger's guess from a user's mistake is recorded with the attempt: a wrong
     * password on alice's account is listed, a name the router does not know is summed up.
     */
    @Test
    void aWrongPasswordOnAnAccountIsListedAndAnUnknownNameSummedUp() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = net.dialFrom(a.pptpAddress(), "alice", "a typo", "127.0.1.5");
            assertEquals(SessionEnd.AUTH_FAILED, alice.ended.get(10, TimeUnit.SECONDS));
            InMemoryDialIn.Client stranger = net.dialFrom(a.pptpAddress(), "administrator", "guess", "127.0.1.77");
            assertEquals(SessionEnd.AUTH_FAILED, stranger.ended.get(10, TimeUnit.SECONDS));
            var rows = Eventually.value(() -> a.store().sessionHistory(10, false), r -> r.size() >= 2);
            assertEquals(java.util.List.of("administrator true", "alice false"),
                    rows.stream().map(r -> r.user() + " " + r.unknownUser()).toList());
            assertEquals(java.util.List.of("alice"), a.store().sessionFailures(5, 0).stream().map(r -> r.user()).toList());
            String page = UiClient.setUp(a.uiPort()).get("/").body();
            assertTrue(page.contains("1 login with an unknown user name from 1 address in the last 24 hours (names tried:"
                    + " administrator)"), page);
        }
    }

    /** A failure ten months old is no recent problem: it stayed on the Dashboard while nothing newer failed. */
    @Test
    void aFailureOlderThanAWeekIsNoRecentProblem() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        long old = System.currentTimeMillis() - java.time.Duration.ofDays(10).toMillis();
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.sessionEnded(0, old, old + 1000, null, "198.51.100.9", null, 0, 0, "NO_GRE", "", "disconnect",
                    "(not logged in) from 198.51.100.9: no GRE");
        }
        String status = status(db);
        assertTrue(status.contains("recent problems" + System.lineSeparator() + "  none"), status);
        try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0),
                DataPlane.unavailable("test: no data plane"))) {
            assertFalse(UiClient.setUp(a.uiPort()).get("/").body().contains("<h2>Recent connection problems</h2>"));
        }
    }

    private static String status(Path db) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            Main.commandLine().execute("status", "--data-dir", db.getParent().toString());
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
