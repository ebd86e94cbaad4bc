package org.homerouter.bridge.netns;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test and lab support, not used by the appliance at run time: a throw-away named network
 * namespace made and driven with iproute2 ({@code ip netns add/exec/delete}, {@code ip -n}),
 * with veth pairs between two of them. Names carry the process id and a counter so parallel test
 * runs never collide; {@link #close} deletes the namespace, and with it every link inside (a veth
 * pair dies with either end). It lives in main, not test, so other modules' integration tests can
 * use it with {@link NetworkNamespace}.
 *
 * <p>A run stopped before its {@code close} (Ctrl-C during {@code make test}, a killed JVM) leaves its
 * namespaces behind; the first {@link #create} in each JVM removes those whose process is gone
 * ({@link #removeLeftovers}). Here rather than in the Makefile, so that every way of running the
 * tests sweeps (make test, one test class through Maven, an IDE), done by the one class that knows
 * the names' form; the namespaces of live processes, another test run's among them, stay.
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
    private static final AtomicBoolean SWEPT = new AtomicBoolean();
    /** The names {@link #create} gives: "hr-PREFIX-PID-N" (PREFIX may itself hold dashes). */
    private static final Pattern NAME = Pattern.compile("hr-.+-(\\d{1,10})-\\d+");
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
        if (SWEPT.compareAndSet(false, true)) {
            removeLeftovers();
        }
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

    /**
     * Deletes every namespace named as {@link #create} names them whose process is no longer alive
     * (left by a run that was stopped or killed), and returns their names. A process id in use again
     * by another process keeps its namespace (nothing is deleted that may be in use); a failure is
     * reported on stderr and the rest go on.
     */
    public static List<String> removeLeftovers() {
        List<String> removed = new ArrayList<>();
        CommandResult list;
        try {
            list = run(IP_TIMEOUT, "ip", "netns", "list");
        } catch (IOException e) {
            System.err.println("Netns: cannot list the network namespaces to remove dead runs' ones: " + e.getMessage());
            return removed;
        }
        if (!list.succeeded()) {
            System.err.println("Netns: cannot list the network namespaces to remove dead runs' ones: " + list);
            return removed;
        }
        for (String line : list.output().split("\n")) {
            // "NAME" or "NAME (id: N)".
            String name = line.strip().split("\\s+", 2)[0];
            OptionalLong pid = runPid(name);
            if (pid.isEmpty() || ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            try {
                CommandResult deleted = run(IP_TIMEOUT, "ip", "netns", "delete", name);
                if (deleted.succeeded()) {
                    removed.add(name);
                    System.err.println("Netns: removed " + name + ", left by process " + pid.getAsLong() + ", which is gone");
                } else if (!deleted.output().contains("No such file")) {
                    // Not a race with another run's sweep, which removed it first.
                    System.err.println("Netns: cannot remove the leftover " + name + ": " + deleted);
                }
            } catch (IOException e) {
                System.err.println("Netns: cannot remove the leftover " + name + ": " + e.getMessage());
            }
        }
        return removed;
    }

    /** The process id in a name {@link #create} gave, or empty for any other name. */
    static OptionalLong runPid(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
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
