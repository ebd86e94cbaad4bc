package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router loses power or its service is SIGKILLed: started again on the same data directory it
 * comes back with everything configured before, from the command line and from the UI, listening
 * where the UI last put it.
 */
class KillRestartTest {
    private static final Duration START = Duration.ofSeconds(60);
    private final List<Launched> launched = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        Launched.killAll(launched, Duration.ofSeconds(10));
    }

    @Test
    void afterSigkillTheApplianceComesBackWithItsUsersSettingsAndListeners() throws Exception {
        Path data = dir.resolve("data");
        int[] ports = freePorts(3);
        int uiPort = ports[0];
        int startPort = ports[1];
        int configuredPort = ports[2];
        Launched add = launch("user-add", "alice password", "user", "add", "alice", "--password-stdin",
                "--data-dir", data.toString());
        assertEquals(0, add.awaitExit(START), add.report());

        Launched first = launch("first-run", null, "run", "--data-dir", data.toString(), "--pptp-address", "127.0.0.1",
                "--pptp-port", Integer.toString(startPort), "--ui-port", Integer.toString(uiPort));
        first.awaitOutput("PPTP control listening on 127.0.0.1:" + startPort, START);
        first.awaitOutput("web UI on http://", START);
        // status, from another process, says it runs and where its web UI is (run notes it).
        String up = Eventually.value(() -> status(data, -1), out -> out.contains("\nweb UI         http://127.0.0.1:"
                + uiPort + "/\n"));
        status(data, 0); // the code a monitoring check reads, once up
        assertTrue(up.contains("\nservice        running (pid " + first.process().pid() + ")\n"), up);
        assertTrue(up.contains("\nweb UI         http://127.0.0.1:" + uiPort + "/\n"), up);
        UiClient ui = UiClient.setUp(uiPort);
        // In the UI: another user, a new pool and a new port (which replaces the command line's).
        assertEquals(303, ui.post("/users/add", "name", "bob", "password", "bob password", "password_again",
                "bob password", "enabled", "on").statusCode());
        HttpResponse<String> vpn = ui.post("/vpn", "enabled", "on", "listen_address", "127.0.0.1",
                "port", Integer.toString(configuredPort), "local_address", "10.77.0.1", "pool_start", "10.77.0.100",
                "pool_end", "10.77.0.120", "dns_primary", "10.77.0.1", "auth", "mschapv2", "mppe", "require-128",
                "max_sessions", "12", "idle_timeout", "45");
        assertEquals(303, vpn.statusCode(), vpn.body());
        first.awaitOutput("PPTP control listening on 127.0.0.1:" + configuredPort, START);

        // SIGKILL: no shutdown hook, no Stop-Control-Connection, no SQLite close.
        first.process().destroyForcibly();
        assertTrue(first.process().waitFor(10, TimeUnit.SECONDS), first.report());
        assertEquals(137, first.process().exitValue(), "killed by SIGKILL");
        assertFalse(first.output().contains("shutting down"), "no orderly shutdown ran" + first.report());
        String down = status(data, StatusCommand.NOT_RUNNING);
        assertTrue(down.contains("\nservice        NOT RUNNING") && down.contains("\nweb UI         not served now; when"
                + " the service runs:\n               http://127.0.0.1:" + uiPort + "/\n"), down);

        Launched second = launch("second-run", null, "run", "--data-dir", data.toString(), "--ui-port",
                Integer.toString(uiPort));
        second.awaitOutput("PPTP control listening on 127.0.0.1:" + configuredPort, START);
        second.awaitOutput("web UI on http://", START);
        try (Socket pptp = new Socket()) {
            pptp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), configuredPort), 5000);
            assertTrue(pptp.isConnected(), "PPTP accepts on the port the UI chose");
        }
        UiClient again = UiClient.setUp(uiPort);
        assertEquals(200, again.get("/").statusCode(), "the admin password of the first run logs in");
        String users = again.get("/users").body();
        assertTrue(users.contains("<td>alice</td>") && users.contains("<td>bob</td>"), users);
        String settings = again.get("/vpn").body();
        for (String value : List.of("value=\"10.77.0.100\"", "value=\"10.77.0.120\"", "value=\"10.77.0.1\"",
                "value=\"" + configuredPort + "\"", "value=\"12\"", "value=\"45\"")) {
            assertTrue(settings.contains(value), value + " in\n" + settings);
        }
    }

    /** What {@code status} prints, run in this process. */
    private static String status(Path data, int exitCode) {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().execute("status", "--data-dir", data.toString());
            if (exitCode >= 0) {
                assertEquals(exitCode, code, "status's exit code");
            }
        } finally {
            System.setOut(old);
        }
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private Launched launch(String name, String stdin, String... args) throws IOException {
        Launched l = Launched.start(name, Launched.appliance(null, args), stdin, dir);
        launched.add(l);
        return l;
    }

    /** Distinct ports free right now on loopback (another process could take one before we do: unlikely enough). */
    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return held.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }
}
