package org.homerouter.bridge.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the admin tools the data plane drives (nft, iptables, iptables-restore, ip, sysctl), optionally
 * inside a named network namespace, feeding stdin: the server firewall and the ALG both use it.
 * Not final: tests override {@link #run} to make one command fail as it does on a busy board (a
 * timeout), which no namespace of theirs can be made to do on demand.
 */
public class AdminCommands {
    /** Far longer than any of these tools takes; a hung one must not hang its caller (the ALG's queue reader). */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<String> prefix;
    private final Duration timeout;

    /** @param netns run inside this namespace ({@code ip netns exec}), or null for our own */
    public AdminCommands(String netns) {
        this(netns, TIMEOUT);
    }

    AdminCommands(String netns, Duration timeout) {
        this.prefix = netns == null ? List.of() : List.of("ip", "netns", "exec", netns);
        this.timeout = timeout;
    }

    /** Whether commands run in another namespace than ours. */
    public boolean inOtherNamespace() {
        return !prefix.isEmpty();
    }

    /**
     * Runs {@code command} with {@code stdin} (may be null); returns its output or throws with it.
     * A command still running after the timeout is killed and reported as timed out.
     */
    public String run(String stdin, String... command) throws IOException {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        // Input and output on threads of their own, so that only the wait below can block the
        // caller, and for no longer than the timeout: a tool that hangs keeps its output open.
        CompletableFuture<String> output = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (var in = p.getInputStream()) {
                output.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.completeExceptionally(e);
            }
        });
        Thread.ofVirtual().start(() -> {
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // The tool exited without reading it all: its exit status and output say why.
            }
        });
        String out;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException(String.join(" ", full) + " timed out after " + timeout.toMillis() + " ms");
            }
            out = output.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException(String.join(" ", full) + ": reading its output: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            // It exited, but something it started still holds its output open.
            throw new IOException(String.join(" ", full) + " exited but its output stayed open");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.trim()
                    + (stdin == null ? "" : "\n--- input ---\n" + stdin));
        }
        return out;
    }

    /**
     * Whether nft failed because the table (or what it named in it) is not there, in nft's own words
     * (ENOENT from the kernel): "Error: Could not process rule: No such file or directory" from a
     * delete, "Error: No such file or directory" from a list. The same errno said by anything else
     * (no nft binary, no such namespace: {@code exec of "nft" failed: No such file or directory})
     * is not that: nft never ran, and what was to go is still in.
     */
    public static boolean notThere(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("Error: Could not process rule: No such file or directory")
                || m.contains("Error: No such file or directory");
    }
}
