package org.homerouter.appliance.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance's store survives power cuts and SIGKILL mid-write: a writer JVM is killed 100 times
 * at random moments while it commits changes. After every kill the database opens, passes SQLite's
 * integrity check, holds every change the writer saw committed, and never half a change.
 */
class StoreCrashTest {
    private static final int KILLS = 100;

    @TempDir
    Path dir;

    @Test
    void aHundredKillsDuringWritesLoseNothingCommittedAndNeverHalfAChange() throws Exception {
        Path db = dir.resolve("appliance.db");
        Random random = new Random(42);
        int next = 0;
        int committedUsers = 0;
        int committedSettings = -1;
        for (int kill = 0; kill < KILLS; kill++) {
            Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    StoreWriter.class.getName(), db.toString(), Integer.toString(next))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String first = out.readLine(); // writing has begun: kill at a random point from here
                assertTrue(first != null, "writer " + kill + " started writing");
                lines.add(first);
                Thread.sleep(random.nextInt(40));
                // SIGKILL (no shutdown hooks, no SQLite close); the handle leaves our end of the pipe open.
                writer.toHandle().destroyForcibly();
                writer.waitFor(10, TimeUnit.SECONDS);
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            }
            for (String line : lines) {
                String[] f = line.split(" ");
                int i = Integer.parseInt(f[1]);
                if (f[0].equals("user")) {
                    committedUsers = Math.max(committedUsers, i + 1);
                } else {
                    committedSettings = Math.max(committedSettings, i);
                }
            }
            try (ApplianceStore store = ApplianceStore.open(db)) {
                int users = store.users().size();
                assertTrue(users >= committedUsers, "kill " + kill + ": " + users + " users stored, "
                        + committedUsers + " were committed");
                Map<Setting, String> s = store.settings();
                String host = s.get(Setting.HOST_NAME);
                if (committedSettings >= 0) {
                    int stored = Integer.parseInt(host.substring("host".length()));
                    assertTrue(stored >= committedSettings, "kill " + kill + ": settings of change " + stored
                            + " stored, " + committedSettings + " was committed");
                    assertEquals("10.0." + (stored / 250 % 250) + "." + (stored % 250), s.get(Setting.PPTP_DNS_PRIMARY),
                            "kill " + kill + ": both settings of one change, or neither");
                }
                next = users;
            }
            assertEquals("ok", integrityCheck(db), "kill " + kill);
        }
        assertTrue(next > KILLS, "the writers got work done between kills: " + next + " users");
    }

    private static String integrityCheck(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet r = c.createStatement().executeQuery("PRAGMA integrity_check")) {
            r.next();
            return r.getString(1);
        }
    }
}
