package org.homerouter.bridge.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the admin tools the data plane drives (nft, iptables, iptables-restore, ip, sysctl), optionally
 * inside a named network namespace, feeding stdin: the server firewall and the ALG both use it.
 */
public final class AdminCommands {
    private final List<String> prefix;

    /** @param netns run inside this namespace ({@code ip netns exec}), or null for our own */
    public AdminCommands(String netns) {
        this.prefix = netns == null ? List.of() : List.of("ip", "netns", "exec", netns);
    }

    /** Whether commands run in another namespace than ours. */
    public boolean inOtherNamespace() {
        return !prefix.isEmpty();
    }

    /** Runs {@code command} with {@code stdin} (may be null); returns its output or throws with it. */
    public String run(String stdin, String... command) throws IOException {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", full) + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.trim()
                    + (stdin == null ? "" : "\n--- input ---\n" + stdin));
        }
        return out;
    }
}
