package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.session.SessionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anyone who reaches the PPTP port can fail logins, or open and clear calls, as fast as TCP
 * carries them. Each wrote a session-history row and an event, and both tables keep their newest
 * 10,000: one connection wiped the record of admin logins and real users' failures in seconds.
 */
class FailedAttemptFloodTest {
    private static final int ATTEMPTS = 25;

    @TempDir
    Path dir;

    @Test
    void failedAttemptsFromOneAddressFillNeitherTheHistoryNorTheEventLog() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            a.store().logEvent("admin", "admin logged in from 192.168.1.20");
            WalCommits wal = new WalCommits(db);
            InMemoryDialIn.Client guesser = net.dial(a.pptpAddress(), "alice", "a wrong guess");
            assertEquals(SessionEnd.AUTH_FAILED, guesser.ended.get(10, TimeUnit.SECONDS));
            // The same control connection, call after call (after 5 failures alice is locked out,
            // and each call is refused at once).
            for (int i = 1; i < ATTEMPTS; i++) {
                long done = i + 1;
                guesser.control.placeCall().get(5, TimeUnit.SECONDS);
                Eventually.until(done + " failed logins counted", () -> a.accounting().authFailures(), n -> n >= done);
            }
            long failures = Eventually.value(() -> a.accounting().authFailures(), n -> n >= ATTEMPTS);
            assertEquals(ATTEMPTS, failures, "every attempt counted");
            java.util.concurrent.Callable<Long> guesses = () -> a.store().events(100, null).stream()
                    .filter(e -> e.message().startsWith("alice from 127.0.0.")).count();
            // The records wanted first (a background thread writes them), then every record asked
            // for written (BackgroundWrites holds a flood's for seconds): the check is that there are no more.
            Eventually.until("the first attempts' history rows",
                    () -> a.store().sessionHistory(100, false), r -> r.size() >= AttemptRecords.PER_SOURCE_BURST);
            Eventually.until("the first attempts' events", guesses, n -> n >= AttemptRecords.PER_SOURCE_BURST);
            a.accounting().flush();
            var rows = a.store().sessionHistory(100, false);
            assertEquals(AttemptRecords.PER_SOURCE_BURST, rows.size(), "history rows for " + ATTEMPTS + " failures");
            var events = a.store().events(100, null);
            assertTrue(events.stream().anyMatch(e -> e.message().equals("admin logged in from 192.168.1.20")), events.toString());
            assertEquals(AttemptRecords.PER_SOURCE_BURST,
                    events.stream().filter(e -> e.message().startsWith("alice from 127.0.0.")).count(), events.toString());
            // Each of the 10 records was a commit of its own, an fsync on the flash: the first is
            // made at once, those that came within BackgroundWrites.GATHER_FOR after it together.
            long commits = wal.commits();
            wal.close();
            assertTrue(commits <= 3, AttemptRecords.PER_SOURCE_BURST + " records in " + commits + " commits");
        }
    }

    /**
     * A stranger guessing names the router does not know, from the address a user's laptop shares
     * with it (a hotel's NAT), used up that address's records: the user's mistyped password then
     * left no row and no event, and the owner, asked why alice cannot connect, found nothing.
     */
    @Test
    void aUsersFailedLoginIsRecordedThoughStrangersGuessesFromItsAddressAreNot() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client stranger = net.dialFrom(a.pptpAddress(), "administrator", "guess", "127.0.1.77");
            assertEquals(SessionEnd.AUTH_FAILED, stranger.ended.get(10, TimeUnit.SECONDS));
            for (int i = 1; i < ATTEMPTS; i++) {
                long done = i + 1;
                stranger.control.placeCall().get(5, TimeUnit.SECONDS);
                Eventually.until(done + " failed logins counted", () -> a.accounting().authFailures(), n -> n >= done);
            }
            stranger.hangUp();
            InMemoryDialIn.Client alice = net.dialFrom(a.pptpAddress(), "alice", "a typo", "127.0.1.77");
            assertEquals(SessionEnd.AUTH_FAILED, alice.ended.get(10, TimeUnit.SECONDS));
            Eventually.until("alice's failed login counted",
                    () -> a.accounting().authFailures(), n -> n >= ATTEMPTS + 1);
            java.util.function.Function<String, java.util.concurrent.Callable<Long>> eventsOf = who -> () ->
                    a.store().events(100, null).stream().filter(e -> e.message().startsWith(who + " from 127.0.1.77"))
                            .count();
            // What is to be recorded first (a background thread writes it), then every record asked
            // for written (BackgroundWrites holds a flood's for seconds): the stranger's are checked
            // to be no more than before.
            Eventually.until("alice's history row", () -> a.store().sessionHistory(100, false),
                    r -> r.stream().anyMatch(row -> "alice".equals(row.user())));
            Eventually.until("alice's event", eventsOf.apply("alice"), n -> n >= 1);
            Eventually.until("the stranger's first events",
                    eventsOf.apply("administrator"), n -> n >= AttemptRecords.PER_SOURCE_BURST);
            a.accounting().flush();
            var rows = a.store().sessionHistory(100, false);
            assertTrue(rows.stream().anyMatch(r -> "alice".equals(r.user())), "alice's failure not recorded: " + rows);
            var events = a.store().events(100, null);
            assertEquals(1, events.stream().filter(e -> e.message().startsWith("alice from 127.0.1.77")).count(),
                    events.toString());
            assertEquals(AttemptRecords.PER_SOURCE_BURST,
                    events.stream().filter(e -> e.message().startsWith("administrator from 127.0.1.77")).count(),
                    "the stranger's guesses, as before: " + events);
        }
    }

    /**
     * Strangers guessing names the router does not know, from more addresses than the overall
     * budget of records covers (a botnet), used up the records that the attempts failing before any
     * login share with them: a user's attempt that failed before its login (here its client offers
     * only PAP; "no GRE" is the usual one) got no row, and the owner found nothing. Guesses have a
     * budget of their own.
     */
    @Test
    void aUsersAttemptFailingBeforeItsLoginIsRecordedThoughABotnetsGuessesAreNot() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            int bots = AttemptRecords.OVERALL_BURST / AttemptRecords.PER_SOURCE_BURST + 2;
            int done = 0;
            for (int b = 0; b < bots; b++) {
                InMemoryDialIn.Client bot = net.dialFrom(a.pptpAddress(), "administrator", "guess", "127.0.3." + (b + 1));
                bot.ended.get(10, TimeUnit.SECONDS);
                done++;
                for (int i = 1; i < AttemptRecords.PER_SOURCE_BURST; i++) {
                    long now = ++done;
                    bot.control.placeCall().get(5, TimeUnit.SECONDS);
                    Eventually.until(now + " failed logins counted",
                            () -> a.accounting().authFailures(), n -> n >= now);
                }
            }
            InMemoryDialIn.Client user = net.dialFrom(a.pptpAddress(), "alice", "alice password", "127.0.4.1",
                    java.util.List.of(org.homerouter.pptp.auth.AuthMethod.PAP), java.util.Optional.empty());
            user.ended.get(10, TimeUnit.SECONDS);
            var rows = Eventually.value(() -> a.store().sessionHistory(200, false),
                    r -> r.stream().anyMatch(row -> "127.0.4.1".equals(row.client())));
            assertTrue(rows.stream().anyMatch(r -> "127.0.4.1".equals(r.client())), "the user's attempt not recorded: "
                    + rows.stream().filter(r -> !r.unknownUser()).toList());
        }
    }

    /**
     * A device that logs in and is then refused (here the account's one session is taken: a 9th
     * device on a shared account, an always-on phone redialing) was recorded every time: each
     * redial a history row and an event, until the kept 10,000 were all it.
     */
    @Test
    void aClientRefusedAfterLoggingInOverAndOverFillsNeitherTheHistoryNorTheEventLog() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (var store = org.homerouter.appliance.store.ApplianceStore.open(db)) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_MAX_SESSIONS_PER_USER, "1"));
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            net.dial(a.pptpAddress(), "alice", "alice password").up.get(10, TimeUnit.SECONDS);
            InMemoryDialIn.Client again = net.dial(a.pptpAddress(), "alice", "alice password");
            again.ended.get(10, TimeUnit.SECONDS); // logged in, then refused: the call is cleared
            for (int i = 1; i < ATTEMPTS; i++) {
                Eventually.until("the refused session gone at the client",
                        () -> again.sessions.sessions().size(), n -> n == 0);
                again.control.placeCall().get(5, TimeUnit.SECONDS);
            }
            Eventually.until("the refused session gone at the client",
                    () -> again.sessions.sessions().size(), n -> n == 0);
            String client = "from " + again.control.state().localAddress().getAddress().getHostAddress();
            java.util.concurrent.Callable<java.util.List<org.homerouter.appliance.store.ApplianceStore.EventRow>> refusals =
                    () -> a.store().events(100, null).stream().filter(e -> e.message().startsWith("alice " + client)
                            && e.message().contains("per-user limit")).toList();
            // The first ones recorded (a background thread writes them), then every record asked
            // for written (BackgroundWrites holds a flood's for seconds): the check is that there are no more.
            Eventually.until("the first refusals' events", refusals, l -> l.size() >= AttemptRecords.PER_SOURCE_BURST);
            a.accounting().flush();
            var events = refusals.call();
            assertTrue(events.size() >= 1, "the refusal is on record: " + a.store().events(100, null));
            assertEquals(AttemptRecords.PER_SOURCE_BURST, events.size(), ATTEMPTS + " refusals: " + events);
        }
    }

    /**
     * Behind one office NAT, carol's old phone logs in and is refused over and over (it cannot
     * encrypt, which the router requires): that used up the address's records, and bob's refusal from the same
     * address then left no history row and no event.
     */
    @Test
    void aColleaguesRefusalFromTheSameAddressIsRecordedThoughOneDevicesRepeatedOnesAreNot() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "bob", "carol");
        String office = "127.0.1.77";
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client phone = net.dialFrom(a.pptpAddress(), "carol", "carol password", office,
                    java.util.List.of(org.homerouter.pptp.auth.AuthMethod.MSCHAP_V2), java.util.Optional.empty());
            phone.ended.get(10, TimeUnit.SECONDS); // logged in, then refused for want of encryption
            for (int i = 1; i < ATTEMPTS; i++) {
                Eventually.until("the refused session gone at the client",
                        () -> phone.sessions.sessions().size(), n -> n == 0);
                phone.control.placeCall().get(5, TimeUnit.SECONDS);
            }
            Eventually.until("the refused session gone at the client",
                    () -> phone.sessions.sessions().size(), n -> n == 0);
            java.util.function.Function<String, java.util.concurrent.Callable<Long>> refusals = user -> () ->
                    a.store().events(200, null).stream().filter(e -> e.message().startsWith(user + " from " + office))
                            .count();
            Eventually.until("carol's first refusals' events",
                    refusals.apply("carol"), n -> n >= AttemptRecords.PER_SOURCE_BURST);
            phone.hangUp(); // the in-memory network has one client per address at a time
            InMemoryDialIn.Client bob = net.dialFrom(a.pptpAddress(), "bob", "bob password", office,
                    java.util.List.of(org.homerouter.pptp.auth.AuthMethod.MSCHAP_V2), java.util.Optional.empty());
            bob.ended.get(10, TimeUnit.SECONDS);
            // bob's refusal recorded (a background thread writes it), then every record asked for
            // written (BackgroundWrites holds a flood's for seconds): bob's and carol's are checked to be no more.
            Eventually.until("bob's refusal's event", refusals.apply("bob"), n -> n >= 1);
            a.accounting().flush();
            assertEquals(1L, refusals.apply("bob").call(), "bob's refusal: " + a.store().events(200, null));
            assertEquals(AttemptRecords.PER_SOURCE_BURST, refusals.apply("carol").call().intValue(), "as before");
        }
    }
}
