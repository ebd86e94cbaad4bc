package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.homerouter.bridge.netns.Netns;

/**
 * A process a test started (an appliance JVM, a QEMU guest, tshark), its stdout and stderr
 * together in {@link #log}, for the end-to-end tests that run real programs in namespaces.
 */
record Launched(String name, Process process, Path log) {

    /** Starts {@code command} with its output in {@code dir/name.log}, writing {@code stdin} (if any) as one line. */
    static Launched start(String name, List<String> command, String stdin, Path dir) throws IOException {
        return start(name, command, stdin, dir, java.util.Map.of());
    }

    /** As {@link #start(String, List, String, Path)}, with {@code env} added to the environment. */
    static Launched start(String name, List<String> command, String stdin, Path dir, java.util.Map<String, String> env)
            throws IOException {
        Path log = dir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write((stdin + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return new Launched(name, process, log);
    }

    /**
     * The appliance's Main in a new JVM (inside {@code ns} unless null) with the test JVM's own
     * classpath: the shaded jar is only built after the tests. {@code ip netns exec} execs the
     * command in place, so the process we hold is the JVM itself and destroy() sends it SIGTERM.
     */
    static List<String> appliance(Netns ns, String... args) {
        List<String> command = new ArrayList<>();
        if (ns != null) {
            command.addAll(List.of("ip", "netns", "exec", ns.name()));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Whether a pptp-guest run reports that all 3 pings of {@code target} were answered. The
     * "PING" tag itself is not matched: under load the guest's result channel (its second serial
     * port) has dropped the start of a line ("ING target=... ok tx=3 rx=3") though the ping had
     * succeeded.
     */
    static boolean pingedAll(String guestOutput, String target) {
        return guestOutput.contains(" target=" + target + " ok tx=3 rx=3");
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Everything the process printed, for assertion messages. */
    String report() {
        return "\n----- " + name + " (" + (process.isAlive() ? "running" : "exit " + process.exitValue())
                + ") -----\n" + output() + "----- end of " + name + " -----";
    }

    /** Kills every process (SIGKILL), then waits up to {@code timeout} for each to go. */
    static void killAll(List<Launched> launched, Duration timeout) throws InterruptedException {
        for (Launched l : launched) {
            l.process.destroyForcibly();
        }
        for (Launched l : launched) {
            l.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Waits for the process to exit and returns its exit code; fails if it is still running after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(name + " still running after " + timeout.toSeconds() + " s" + report());
        }
        return process.exitValue();
    }

    /** Waits for {@code text} in the output (a leading newline may match the first line); fails early if the process exits. */
    void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (("\n" + output()).contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                fail(name + " exited before printing '" + text.strip() + "'" + report());
            }
            Thread.sleep(100);
        }
        fail(name + " did not print '" + text.strip() + "' within " + timeout.toSeconds() + " s" + report());
    }
}
