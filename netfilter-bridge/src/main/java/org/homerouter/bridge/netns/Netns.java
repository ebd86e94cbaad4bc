package org.homerouter.bridge.netns;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test and lab support, not used by the appliance at run time: a throw-away named network
 * namespace made and driven with iproute2 ({@code ip netns add/exec/delete}, {@code ip -n}),
 * with veth pairs between two of them. Names carry the process id and a counter so parallel test
 * runs never collide; {@link #close} deletes the namespace, and with it every link inside (a veth
 * pair dies with either end). It lives in main, not test, so other modules' integration tests can
 * use it with {@link NetworkNamespace}.
 *
 * <pre>{@code
 * try (Netns a = Netns.create("gre"); Netns b = Netns.create("gre")) {
 *     Netns.linkVeth(a, "10.200.1.1/24", b, "10.200.1.2/24");
 *     ...
 * }
 * }</pre>
 */
public final class Netns implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);
    /** The veth end that {@link #linkVeth} puts in each namespace. */
    public static final String VETH = "veth0";

    private final String name;
    private boolean closed;

    private Netns(String name) {
        this.name = name;
    }

    /**
     * Creates namespace "hr-PREFIX-PID-N" with its loopback up.
     *
     * @param prefix a few letters saying what the namespace is for
     */
    public static Netns create(String prefix) throws IOException {
        String name = "hr-" + prefix + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        CommandResult added = run(IP_TIMEOUT, "ip", "netns", "add", name);
        if (!added.succeeded() && added.output().contains("File exists")) {
            // Left by an earlier run that died with the same pid: that owner is gone, since the
            // pid is now ours.
            require(run(IP_TIMEOUT, "ip", "netns", "delete", name));
            added = run(IP_TIMEOUT, "ip", "netns", "add", name);
        }
        require(added);
        Netns ns = new Netns(name);
        try {
            ns.ip("link", "set", "lo", "up");
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** The namespace's name, for {@link NetworkNamespace#enter} and {@code ip netns exec}. */
    public String name() {
        return name;
    }

    /** Runs {@code ip -n NAME ARGS...} and fails unless it succeeds. */
    public String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return require(run(IP_TIMEOUT, command.toArray(String[]::new))).output();
    }

    /** Runs {@code command} inside the namespace ({@code ip netns exec}), killing it after {@code timeout}. */
    public CommandResult exec(Duration timeout, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return run(timeout, full.toArray(String[]::new));
    }

    /**
     * Joins {@code a} and {@code b} with a veth pair named {@value #VETH} in both, gives each end its
     * address (CIDR notation, e.g. "10.200.1.1/24") and brings both up. The pair is created from
     * inside {@code a} with the peer placed straight into {@code b}, so no link ever appears in the
     * namespace the test runs in.
     */
    public static void linkVeth(Netns a, String aCidr, Netns b, String bCidr) throws IOException {
        linkVeth(a, VETH, aCidr, b, VETH, bCidr);
    }

    /** {@link #linkVeth(Netns, String, Netns, String)} with the ends named {@code aName} and {@code bName}. */
    public static void linkVeth(Netns a, String aName, String aCidr, Netns b, String bName, String bCidr)
            throws IOException {
        a.ip("link", "add", aName, "type", "veth", "peer", "name", bName, "netns", b.name);
        a.ip("addr", "add", aCidr, "dev", aName);
        b.ip("addr", "add", bCidr, "dev", bName);
        a.ip("link", "set", aName, "up");
        b.ip("link", "set", bName, "up");
    }

    /** Deletes the namespace and everything in it. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        require(run(IP_TIMEOUT, "ip", "netns", "delete", name));
    }

    /** Deletes every namespace given (nulls skipped), even when one fails; then throws the last failure. */
    public static void closeAll(Netns... namespaces) throws IOException {
        IOException failure = null;
        for (Netns ns : namespaces) {
            try {
                if (ns != null) {
                    ns.close();
                }
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Runs a command, collecting its combined output; a command that outlives {@code timeout} is killed. */
    public static CommandResult run(Duration timeout, String... command) throws IOException {
        String text = String.join(" ", command);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread pump = Thread.ofPlatform().daemon().name("netns-output")
                .start(() -> copy(process.getInputStream(), output));
        try {
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.destroyForcibly().waitFor();
            }
            pump.join(Duration.ofSeconds(5));
            String out;
            synchronized (output) {
                out = output.toString(StandardCharsets.UTF_8);
            }
            return new CommandResult(text, finished ? process.exitValue() : -1, out);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + text, e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[4096];
        try (in) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // The process went away; what was read is all there is.
        }
    }

    private static CommandResult require(CommandResult result) throws IOException {
        if (!result.succeeded()) {
            throw new IOException(result.toString());
        }
        return result;
    }

    @Override
    public String toString() {
        return name;
    }
}
