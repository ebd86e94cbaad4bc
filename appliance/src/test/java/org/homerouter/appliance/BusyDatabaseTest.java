package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VPN's packets do not wait for the database. Sessions report their start and end from the
 * data-path thread that carries every session's traffic, and logins read their account there;
 * a database that is slow to answer (another program writing, a WAL checkpoint on slow flash)
 * must not stop everyone's traffic, and what was to be recorded is recorded once it answers.
 */
class BusyDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void loginsAndTrafficGoOnWhileAnotherProgramHoldsTheDatabaseAndNothingIsLost() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice", "bob", "carol");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);
            var aliceAtServer = a.sessions().getFirst().dataPath().orElseThrow();

            // Another program (a CLI command, say) holds the write lock for longer than the store's
            // busy_timeout (5 s), and until everything below is done. A login or a packet that waited
            // for the database would wait past busy_timeout and fail (a login refused, a start not
            // recorded: both checked) or wait until the lock goes, and so not come while it is held:
            // the waits below need not be shorter than busy_timeout, and are generous.
            long held;
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = other.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                held = System.nanoTime();

                // Bob logs in: his session's start is to be recorded, and cannot be yet.
                InMemoryDialIn.Client bob = net.dial(a.pptpAddress(), "bob", "bob password");
                assertEquals(2L, Eventually.value(() -> a.accounting().sessionsTotal(), n -> n >= 2),
                        "bob's session came up at the server");

                // Alice's packets still cross,
                long before = aliceAtServer.bytesIn();
                byte[] packet = new byte[100];
                packet[0] = 0x45;
                alice.devices.getFirst().inject(packet);
                assertEquals(before + 100, Eventually.value(aliceAtServer::bytesIn, n -> n != before),
                        "alice's packet crossed while the database was held");
                // bob's session finishes coming up, and carol logs in (reading her account).
                bob.up.get(10, TimeUnit.SECONDS);
                InMemoryDialIn.Client carol = net.dial(a.pptpAddress(), "carol", "carol password");
                carol.up.get(10, TimeUnit.SECONDS);
                // All of it while the database was held (the lock goes below, not before). The lock
                // is held 8 s at least, and 6 s after the last start was to be recorded: each start
                // waits for the database past busy_timeout, and is then tried again.
                long allUp = System.nanoTime();
                while (System.nanoTime() - held < TimeUnit.SECONDS.toNanos(8)
                        || System.nanoTime() - allUp < TimeUnit.SECONDS.toNanos(6)) {
                    Thread.sleep(50);
                }
                st.execute("ROLLBACK");
            }

            // Once the database answers, every start is recorded: the ones that waited beyond
            // busy_timeout were tried again.
            var open = Eventually.value(() -> a.store().sessionHistory(10, true), rows -> rows.size() >= 3);
            assertEquals(3, open.size(), open.toString());
            assertEquals(java.util.Set.of("alice", "bob", "carol"),
                    open.stream().map(ApplianceStore.SessionRow::user).collect(java.util.stream.Collectors.toSet()));
        }
    }

    /**
     * An import while another program holds the database (a CLI command, say) is refused whole, and
     * the System page says so in the words it uses for any store error, not SQLite's "[SQLITE_BUSY]
     * database is locked".
     */
    @Test
    void anImportWhileAnotherProgramHoldsTheDatabaseSaysToTryAgainInPlainWords() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            var system = new ApplianceSystem(a, dir.resolve("tls.p12"));
            String exported = system.exportJson("export");
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = other.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> system.importJson(exported.replace("\"system.host_name\": \"homerouter\"",
                                "\"system.host_name\": \"office\""), "import while held"));
                st.execute("ROLLBACK");
                assertEquals("the settings database was busy for too long: try again in a moment", refused.getMessage());
            }
            assertEquals(exported, system.exportJson("export"), "nothing changed");
        }
    }
}
