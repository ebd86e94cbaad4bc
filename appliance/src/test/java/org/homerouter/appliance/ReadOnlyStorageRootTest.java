package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's flash wears out and goes write-protected: its data partition is then read-only,
 * at run time (ext4's errors=remount-ro) and at the next start (the initramfs mounts it so). Each
 * service runs in a mount namespace of its own (unshare -m, private) where the data directory is
 * a bind mount that the test makes read-only: nothing of it is seen outside, and it goes with the
 * process. Before, the service exited at every start on read-only storage (it could not open its
 * lock file for writing), and systemd restarted it for ever: no VPN, no pages, no export.
 */
@Tag("root")
class ReadOnlyStorageRootTest {
    private static final Duration START = Duration.ofSeconds(60);
    /** The sentence as the pages write it (FreeMarker escapes the apostrophe of "router's"). */
    private static final String SAID = org.homerouter.appliance.store.ReadOnlyStorage.SENTENCE
            .substring("The router's ".length());
    private final List<Launched> launched = new ArrayList<>();
    /** Where the services run: the data plane's kernel state stays in it. */
    private Netns router;
    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        Launched.killAll(launched, Duration.ofSeconds(10));
        if (router != null) {
            router.close();
        }
    }

    @Test
    void storageThatGoesReadOnlyIsSaidOnThePagesAndTheRouterStillStartsOnItToExportItsConfiguration() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        router = Netns.create("ro");
        String[] run = {"run", "--data-dir", data.toString(), "--pptp-address", "127.0.0.1", "--pptp-port", "1723",
                "--ui-port", "8080"};

        Launched writable = launch("writable", data, false, run);
        writable.awaitOutput("web UI on http://", START);
        UiClient ui = UiClient.setUpIn(router.name(), 8080);
        assertEquals(303, addUser(ui, "bob").statusCode());
        assertFalse(ui.get("/").body().contains(SAID));

        // At run time: the partition turns read-only under the running service. A mount with files
        // open for writing cannot be made read-only on demand (EBUSY; ext4 does it to itself on an
        // error), so a read-only bind of it is mounted over it: the data directory's path is then on
        // read-only storage, as the pages look at it.
        run("nsenter", "-t", Long.toString(writable.process().pid()), "-m", "sh", "-c",
                "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\"", data.toString());
        String dashboard = ui.get("/").body();
        assertTrue(dashboard.contains(SAID), dashboard);
        // status, on the storage as it now is, finds the service that holds its lock in the data
        // directory (it looked for one elsewhere, and said NOT RUNNING, as the owner was told to export).
        Launched statusNow = launch("status-now", data, true, "status", "--data-dir", data.toString());
        assertEquals(0, statusNow.awaitExit(START), statusNow.report());
        assertTrue(statusNow.output().contains("\nservice        running (pid " + writable.process().pid() + ")"),
                statusNow.report());
        assertTrue(ui.get("/users").body().contains(SAID), "every page says it");
        // The power goes: the last commits stay in the -wal file beside the database.
        writable.process().destroyForcibly();
        assertTrue(writable.process().waitFor(10, TimeUnit.SECONDS));

        Launched readOnly = launch("read-only", data, true, run);
        readOnly.awaitOutput("web UI on http://", START);
        readOnly.awaitOutput("PPTP control listening on 127.0.0.1:1723", START);
        assertFalse(readOnly.output().contains("Read-only file system"), "the start writes nothing" + readOnly.report());
        UiClient again = UiClient.setUpIn(router.name(), 8080); // the admin password logs in
        for (String page : List.of("/", "/vpn", "/users", "/passthrough", "/site-to-site", "/lan", "/logs", "/lockouts",
                "/system")) {
            HttpResponse<String> r = again.get(page);
            assertEquals(200, r.statusCode(), page + ": " + r.body());
            assertTrue(r.body().contains(SAID), page + ": " + r.body());
        }
        assertTrue(again.get("/users").body().contains("<td>bob</td>"), "bob, in the WAL only, is read");
        HttpResponse<String> save = addUser(again, "carol");
        assertEquals(503, save.statusCode(), save.body());
        assertTrue(save.body().contains(SAID), save.body());
        assertFalse(again.get("/users").body().contains("<td>carol</td>"));
        String export = again.export();
        assertTrue(export.contains("\"bob\""), export);

        Launched status = launch("status", data, true, "status", "--data-dir", data.toString());
        assertEquals(0, status.awaitExit(START), status.report());
        assertTrue(status.output().contains("\nstorage        READ-ONLY: " + org.homerouter.appliance.store.ReadOnlyStorage
                .SENTENCE + "\n") && status.output().contains("\nservice        running (pid "
                + readOnly.process().pid() + ")"), status.report());
        // The command line's export too, to a file elsewhere (a USB stick), where the web UI cannot be reached.
        Path exported = dir.resolve("exported.json");
        Launched cliExport = launch("config-export", data, true, "config", "export", "--data-dir", data.toString(),
                "--output", exported.toString());
        assertEquals(0, cliExport.awaitExit(START), cliExport.report());
        assertTrue(Files.readString(exported).contains("\"bob\""), cliExport.report());
        Launched second = launch("second", data, true, run);
        assertEquals(2, second.awaitExit(START), "two services on one data directory are refused" + second.report());
        assertTrue(second.output().contains("another appliance is already running"), second.report());
        assertTrue(readOnly.process().isAlive());
    }

    private static HttpResponse<String> addUser(UiClient ui, String name) throws Exception {
        return ui.post("/users/add", "name", name, "password", name + " password", "password_again",
                name + " password", "enabled", "on");
    }

    /**
     * The appliance with {@code args} in the test's network namespace, and in a mount namespace of
     * its own where {@code data} is bound (read-only if asked). Each step execs the next: the
     * process held is the JVM.
     */
    private Launched launch(String name, Path data, boolean readOnly, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", router.name(), "unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" \"$0\" && " + (readOnly ? "mount -o remount,bind,ro \"$0\" && " : "")
                        + "exec \"$@\"", data.toString()));
        command.addAll(Launched.appliance(null, args));
        Launched l = Launched.start(name, command, null, dir);
        launched.add(l);
        return l;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + new String(p.getInputStream().readAllBytes()));
    }
}
