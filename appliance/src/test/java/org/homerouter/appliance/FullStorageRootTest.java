package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data partition filled to its last block (a small tmpfs mounted for the test, which needs root):
 * the service failed at every start ("the router's storage cannot be written": SQLite could not
 * make its shared-memory file), so systemd restarted it for ever with no web UI to free room from.
 */
@Tag("root")
class FullStorageRootTest {
    private static final DataPlane NO_DATA_PLANE = DataPlane.unavailable("test: no data plane");
    @TempDir
    Path dir;

    @Test
    void aFullDataPartitionStillStartsTheRouterWhichSaysSoAndHowToFreeIt() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        run("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", data.toString());
        try {
            Path db = data.resolve("appliance.db");
            try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
                assertEquals(StorageReserve.SIZE, Files.size(data.resolve(StorageReserve.FILE)), "room kept");
                assertTrue(system(a).storageFull().isEmpty());
                a.store().sessionStarted(1000, "alice", "192.0.2.7", "192.168.250.10", "alice connected");
            }
            Files.write(data.resolve("appliance.db.damaged-1"), new byte[3 << 20]); // a copy kept from before
            fill(data.resolve("copied-by-hand"));

            try (Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), NO_DATA_PLANE)) {
                String full = system(a).storageFull().orElseThrow();
                assertTrue(full.startsWith("The router's storage is nearly full (") && full.contains("Export the"
                        + " configuration on the System page, then a factory reset frees"), full);
                assertTrue(a.store().events(10, "service").stream().anyMatch(e -> e.message().startsWith(
                        "the router's storage was full: it started on the room it keeps for that")));
                List<ApplianceStore.SessionRow> alice = a.store().sessionHistory(10, false);
                assertEquals(Diagnosis.INTERRUPTED, alice.getFirst().endReason(), "the history goes on meanwhile");
                assertTrue(StorageReserve.describe(data).startsWith("LOW: The router's storage is nearly full"));

                // The last of the room taken too (the history grew meanwhile): what the warning advises,
                // a factory reset, frees the copies first, then its own writes fit.
                fill(data.resolve("the-rest"));
                assertTrue(system(a).storageFull().orElseThrow().startsWith("The router's storage is full ("));
                // A save says why it failed: SQLite's own rollback made the end of the transaction fail
                // too, and that "no transaction is active" replaced SQLITE_FULL.
                java.sql.SQLException save = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                        () -> a.store().putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY,
                                "192.168.1.53")));
                assertTrue(StoreFailure.plainWords(save).startsWith("the router's storage is full"), save.toString());
                a.store().factoryReset();
                assertFalse(Files.exists(data.resolve("appliance.db.damaged-1")));
                assertTrue(system(a).storageFull().isEmpty(), "room again");
            }
        } finally {
            run("umount", "-l", data.toString());
        }
    }

    private static ApplianceSystem system(Appliance a) {
        return new ApplianceSystem(a, a.store().file().resolveSibling("tls.p12"));
    }

    /** Writes {@code file} until the partition has no block left. */
    private static void fill(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            while (true) {
                block.clear();
                ch.write(block);
            }
        } catch (IOException full) {
            assertTrue(Files.getFileStore(file).getUsableSpace() < 4096, full.toString());
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + new String(p.getInputStream().readAllBytes()));
    }
}
