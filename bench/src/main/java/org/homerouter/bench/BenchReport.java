package org.homerouter.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one {@code make bench} run's raw results into the table it prints and
 * {@code bench/results/latest.md}: every figure next to the one it is compared with, both measured
 * in that run, and the ratio of the two.
 *
 * <p>Usage: {@code BenchReport OUT.md JMH.csv INTERLEAVED.txt SCALE.txt TUNNEL.txt LOADAVG_AT_START [LOADAVG_AT_END]}
 */
public final class BenchReport {
    private static final double DATA_PATH_TARGET = 0.8;
    private static final double SETUPS_TARGET = 1000;
    private static final long HEAP_BUDGET = 512L << 20;
    private static final int SCALE_TARGET_SESSIONS = 10_000;
    private static final double TUNNEL_TARGET = 0.25;
    private static final double ALG_TARGET = 0.9;
    private static final double TUNNEL_STRETCH = 0.4;

    private BenchReport() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Path jmh = Path.of(args[1]);
        Path interleaved = Path.of(args[2]);
        Path scale = Path.of(args[3]);
        Path tunnel = Path.of(args[4]);
        String loadAtStart = args.length > 5 ? args[5] : "?";
        String loadAtEnd = args.length > 6 ? args[6] : null;
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks (issue 10): every figure is a ratio of two things measured in the same run\n\n");
        if (machine(md, loadAtStart, loadAtEnd)) {
            md.append("**This run was made on a loaded machine** (the load average at its start: other work was "
                    + "running on the same ").append(Runtime.getRuntime().availableProcessors()).append(" cores). "
                    + "Absolute figures are noisy and low; the ratios compare runs made side by side under the same "
                    + "load, which is why they are the figures that count.\n\n");
        }
        dataPath(md, jmh, interleaved);
        sessionScale(md, scale);
        tunnel(md, tunnel);
        String alg = System.getProperty("bench.alg");
        alg(md, alg == null ? null : Path.of(alg));
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    // ------------------------------------------------------------------ machine

    /**
     * The machine table (also the soak's); true when the load average at the start shows other
     * work on the cores. Only the start counts: the one at the end is mostly the benchmarks' own
     * (two JVMs and iperf3 keep both cores busy in the last minute), so judging by it called every
     * run loaded.
     */
    static boolean machine(StringBuilder md, String loadAtStart, String loadAtEndGiven) throws IOException {
        String cpu = "?";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        String mem = "?";
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal")) {
                mem = line.substring(line.indexOf(':') + 1).trim();
            }
        }
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        String loadAtEnd = loadAtEndGiven != null ? loadAtEndGiven
                : String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+"), 3));
        int nproc = Runtime.getRuntime().availableProcessors();
        md.append("## Machine\n\n")
                .append("| | |\n|---|---|\n")
                .append("| date (UTC) | ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(" |\n")
                .append("| nproc | ").append(nproc).append(" |\n")
                .append("| CPU | ").append(cpu).append(" |\n")
                .append("| memory | ").append(mem).append(" |\n")
                .append("| kernel | ").append(kernel).append(" |\n")
                .append("| JDK | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" |\n")
                .append("| commit | ").append(System.getProperty("bench.commit", "?")).append(" |\n")
                .append("| load average at start / end (the end's is mostly the benchmarks' own) | ")
                .append(loadAtStart).append(" / ").append(loadAtEnd)
                .append(" |\n\n");
        double load = firstNumber(loadAtStart);
        return Double.isNaN(load) || load > nproc * 0.5;
    }

    private static double firstNumber(String s) {
        try {
            return Double.parseDouble(s.trim().split("\\s+")[0]);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    // ------------------------------------------------------------------ 1a

    private record Score(double ns, double error) {
    }

    private static void dataPath(StringBuilder md, Path csv, Path interleaved) throws IOException {
        md.append("## 1a. Data path per packet: the engine against BouncyCastle's RC4 over the same bytes\n\n");
        md.append("`receive` = GRE demux + channel + PPP + MPPE-128 decryption into the tunnel device (the GRE packet "
                + "arrives in a native buffer, as from the raw socket's recvmmsg); `send` = tunnel device + MPPE-128 "
                + "encryption + PPP + GRE. `RC4 + key change` is RFC 3078 §7.3's per-packet key change (SHA-1, two "
                + "RC4 key schedules) plus RC4, in BouncyCastle only: the least any stateless MPPE must do per packet. "
                + "Ratio = the baseline's time / the engine's time, i.e. the engine's packet rate as a fraction of "
                + "the baseline's. Target ≥ ").append(DATA_PATH_TARGET).append("× against raw RC4. Stateless MPPE "
                + "cannot reach it for small packets by construction: RFC 3078 §7.3 changes the key for every "
                + "packet, and that change (a SHA-1 and two 256-step RC4 key schedules: about 0.7 µs in the "
                + "engine, which runs each packet's second schedule in one loop with the next packet's first, and "
                + "2 µs in BouncyCastle) costs several times the RC4 of 64 octets; a key set once, as the "
                + "raw-RC4 baseline has, is stateful mode. Against the least a stateless implementation must "
                + "do (`RC4 + key change`) the engine is measured too.\n\n");
        if (Files.exists(interleaved)) {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String line : Files.readAllLines(interleaved)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq), line.substring(eq + 1).trim());
                }
            }
            md.append("**Interleaved** (the figures that count on a loaded machine): the same state classes as the JMH "
                    + "benchmarks, timed on one thread in alternating batches of ").append(kv.get("interleaved.batch"))
                    .append(" packets (engine receive, engine send, RC4, RC4 + key change, again and again), so each "
                            + "pair is measured milliseconds apart under the same load; medians of ")
                    .append(kv.get("interleaved.rounds")).append(" rounds after at least 2 s of warm-up each (the JIT "
                            + "recompiles the path for every combination). In about one JVM in six the JIT compiles the "
                            + "stateful 64-octet receive path with less inlined, and that row then reads 180-270 ns "
                            + "instead of 150-160 for the whole run: the JMH table's error column shows the same spread.\n\n");
            md.append("| direction | MPPE-128 | IP size | engine ns | RC4 ns | **ratio vs RC4** | RC4 + key change ns | ratio vs RC4 + key change |\n")
                    .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
            for (String dir : List.of("receive", "send")) {
                for (String mode : List.of("stateless", "stateful")) {
                    for (String size : List.of("64", "512", "1400")) {
                        String k = "interleaved." + dir + "." + mode + "." + size + ".";
                        if (!kv.containsKey(k + "engineNs")) {
                            continue;
                        }
                        md.append("| ").append(dir).append(" | ").append(mode).append(" | ").append(size).append(" | ")
                                .append(kv.get(k + "engineNs")).append(" | ").append(kv.get(k + "rc4Ns")).append(" | **")
                                .append(ratio(parse(kv.get(k + "ratioRc4")), DATA_PATH_TARGET)).append("** | ")
                                .append(mode.equals("stateless") ? kv.get(k + "rc4KeyChangeNs") : "").append(" | ")
                                .append(mode.equals("stateless") ? fmt(parse(kv.get(k + "ratioRc4KeyChange"))) : "")
                                .append(" |\n");
                    }
                }
            }
            md.append("\n**JMH** (each benchmark in its own fork, one after the other: on a loaded machine its ratios "
                    + "drift with the load between runs; see the error column):\n\n");
        }
        if (!Files.exists(csv)) {
            md.append("Not run.\n\n");
            return;
        }
        // "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: mode","Param: size"
        List<String> lines = Files.readAllLines(csv);
        List<String> header = splitCsv(lines.get(0));
        int iMode = header.indexOf("Param: mode");
        int iSize = header.indexOf("Param: size");
        Map<String, Score> scores = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = splitCsv(line);
            String name = f.get(0).substring(f.get(0).lastIndexOf('.') + 1);
            String mode = iMode >= 0 && iMode < f.size() ? f.get(iMode) : "";
            String size = f.get(iSize);
            scores.put(name + "/" + mode + "/" + size, new Score(parse(f.get(4)), parse(f.get(5))));
        }
        md.append("Time per packet (ns, JMH average, ± 99.9% error).\n\n");
        md.append("| direction | MPPE-128 | IP size | engine ns | RC4 ns | **ratio vs RC4** | RC4 + key change ns | ratio vs RC4 + key change |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (String dir : List.of("receive", "send")) {
            for (String mode : List.of("stateless", "stateful")) {
                for (String size : List.of("64", "512", "1400")) {
                    Score e = scores.get(dir + "/" + mode + "/" + size);
                    Score rc4 = scores.get("rc4//" + size);
                    Score floor = scores.get("rc4PerPacketKey//" + size);
                    if (e == null || rc4 == null) {
                        continue;
                    }
                    md.append("| ").append(dir).append(" | ").append(mode).append(" | ").append(size).append(" | ")
                            .append(ns(e)).append(" | ").append(ns(rc4)).append(" | **")
                            .append(ratio(rc4.ns / e.ns, DATA_PATH_TARGET)).append("** | ")
                            .append(floor == null || !mode.equals("stateless") ? "" : ns(floor)).append(" | ")
                            .append(floor == null || !mode.equals("stateless") ? "" : fmt(floor.ns / e.ns))
                            .append(" |\n");
                }
            }
        }
        md.append('\n');
    }

    private static String ns(Score s) {
        return String.format(Locale.ROOT, "%.0f ± %.0f", s.ns, Double.isNaN(s.error) ? 0 : s.error);
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        for (String f : line.split(",", -1)) {
            out.add(f.replace("\"", "").trim());
        }
        return out;
    }

    // ------------------------------------------------------------------ 1b

    private static void sessionScale(StringBuilder md, Path file) throws IOException {
        md.append("## 1b. Session scale: the engine's client against the engine's server\n\n");
        if (!Files.exists(file)) {
            md.append("Not run.\n\n");
            return;
        }
        List<Map<String, String>> rows = new ArrayList<>();
        Map<String, String> warmup = null;
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("warmup=")) {
                warmup = keyValues(line);
            } else if (!line.isBlank()) {
                rows.add(keyValues(line));
            }
        }
        if (rows.isEmpty()) {
            md.append(warmup == null ? "No result.\n\n" : "No result after the warm-up: " + warmup + "\n\n");
            return;
        }
        Map<String, String> first = rows.getFirst();
        md.append("One JVM (-Xmx512m) holds both ends: control over loopback TCP (").append(first.get("callsPerConnection"))
                .append(" calls per control connection), GRE in memory, every session through MS-CHAPv2, MPPE-128 "
                        + "(stateless) and IPCP, timers on the appliance's 20 ms tick, 64 dials in flight. Sessions are "
                        + "opened up to 1,000, measured, then up to 10,000 and measured again, in the same run. Heap "
                        + "and CPU are for **both ends together** (an upper bound for the server alone). "
                        + "Setup capacity = cores / CPU seconds per setup: the setup rate the 2 cores sustain when "
                        + "the engine has them to itself, which on a loaded machine the wall-clock rate cannot show. "
                        + "Server timer tick = the time one tick of the server's timers (every session and GRE channel "
                        + "polled) takes, timed after the sessions are up; the appliance ticks every 20 ms.\n\n");
        if (warmup != null) {
            double coldCpu = Double.parseDouble(warmup.get("cpuSecondsPerSetup"));
            md.append("Warm-up, not counted: before the measured phases, ").append(warmup.get("warmup"))
                    .append(" sessions were opened and all hung up again in the same JVM (the JIT compiles the setup "
                            + "path during its first setups, as it compiles the data path in 1c's unmeasured first "
                            + "seconds). On the cold JVM they took ").append(warmup.get("seconds")).append(" s: ")
                    .append(warmup.get("setupsPerSecond")).append(" setups/s wall, ")
                    .append(String.format(Locale.ROOT, "%.2f", coldCpu * 1000)).append(" ms CPU per setup, a capacity of ")
                    .append(String.format(Locale.ROOT, "%.0f", Integer.parseInt(first.get("cores")) / coldCpu))
                    .append(" setups/s on ").append(first.get("cores")).append(" cores. The heap figures below count "
                            + "from before the warm-up.\n\n");
        }
        md.append("| sessions | all up | wall s | setups/s (wall) | CPU ms per setup, both ends | **setups/s capacity on ")
                .append(first.get("cores")).append(" cores (ratio to ").append((int) SETUPS_TARGET)
                .append(")** | heap after GC | heap per session | **heap vs 512 MB** | threads | server timer tick, ms (of 20) |\n")
                .append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, String> r : rows) {
            int sessions = Integer.parseInt(r.get("sessions"));
            double cpu = Double.parseDouble(r.get("cpuSecondsPerSetup"));
            int cores = Integer.parseInt(r.get("cores"));
            double capacity = cores / cpu;
            long heap = Long.parseLong(r.get("heapBytes"));
            md.append("| ").append(sessions).append(" | ").append(r.get("up")).append("/").append(sessions)
                    .append(r.get("failed").equals("0") ? "" : " (" + r.get("failed") + " failed)").append(" | ")
                    .append(r.get("seconds")).append(" | ").append(r.get("setupsPerSecond")).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", cpu * 1000)).append(" | **")
                    .append(String.format(Locale.ROOT, "%.0f", capacity)).append(" (")
                    .append(ratio(capacity / SETUPS_TARGET, 1.0)).append(")** | ")
                    .append(mib(heap)).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f KiB", Long.parseLong(r.get("heapPerSessionBytes")) / 1024.0))
                    .append(" | **").append(sessions == SCALE_TARGET_SESSIONS
                            ? ratio((double) heap / HEAP_BUDGET, -1.0) : fmt((double) heap / HEAP_BUDGET))
                    .append("** | ").append(r.get("threads")).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", Double.parseDouble(r.get("serverTickMicros")) / 1000))
                    .append(" |\n");
        }
        if (rows.size() >= 2) {
            Map<String, String> a = rows.get(0);
            Map<String, String> b = rows.get(rows.size() - 1);
            md.append("\nScaling, measured in this run: the ").append(b.get("phaseSessions"))
                    .append(" sessions opened after the first ").append(a.get("sessions")).append(" cost ")
                    .append(fmt(Double.parseDouble(b.get("cpuSecondsPerSetup")) / Double.parseDouble(a.get("cpuSecondsPerSetup"))))
                    .append(" the CPU per setup of the first ones, and the heap per "
                            + "session at ").append(b.get("sessions")).append(" is ")
                    .append(fmt(Double.parseDouble(b.get("heapPerSessionBytes")) / Double.parseDouble(a.get("heapPerSessionBytes"))))
                    .append(" that at ").append(a.get("sessions")).append(". Threads do not grow with sessions (")
                    .append(a.get("threads")).append(" → ").append(b.get("threads")).append(").\n");
        }
        md.append('\n');
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }

    private static Map<String, String> keyValues(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    // ------------------------------------------------------------------ 1c

    private static void tunnel(StringBuilder md, Path file) throws IOException {
        md.append("## 1c. TCP throughput (iperf3) through the tunnel between two namespaces, against the bare veth\n\n");
        Map<String, String> kv = scriptResult(md, file);
        if (kv == null) {
            return;
        }
        md.append("The appliance (`run`) in one namespace and the engine's client (`dial`) in another, separate JVMs, "
                + "joined by a veth pair with offloads off (`ethtool -K veth0 tso off gso off gro off`, both ends). "
                + "The tunnel's TUN devices use their offloads (virtio-net headers: the kernel hands over TCP packets "
                + "of up to 64 KiB, which the engine cuts into 1400-octet segments before encrypting each, and the "
                + "segments a receive batch decrypts are joined into one write), as a NIC's TSO/GRO would; the "
                + "wire between the namespaces carries one GRE packet per 1400-octet segment either way. Each mode "
                + "first runs a few seconds through the tunnel unmeasured, so that the JIT has compiled the data path. "
                + "TCP from the client namespace to the server namespace, 1400-octet IP packets on both paths (the "
                + "tunnel's MTU is 1400; the bare veth run uses iperf3 -M ").append(kv.getOrDefault("mss", "?"))
                .append(" for the same segments). Per mode one tunnel is brought up, then iperf3 runs of ")
                .append(kv.getOrDefault("secondsPerRun", "?"))
                .append(" s alternate bare veth / tunnel; the ratio is the mean of each pair's tunnel / veth. "
                        + "Target ≥ ").append(TUNNEL_TARGET).append("× with stateless MPPE-128 (stretch ")
                .append(TUNNEL_STRETCH).append("×). CPU per packet is the CPU time both JVMs (appliance and dial) "
                        + "used during the tunnel run over the GRE packets the server's veth received (one per "
                        + "1400-octet segment; in brackets the part spent in the kernel: system calls and the network "
                        + "stack work they carry); the last "
                        + "column is the rate that cost allows if the JVMs had every core to themselves, against the "
                        + "veth (context for a loaded machine, where the kernel's softirq work is not starved the way "
                        + "user threads are; it is not the measured ratio).\n\n");
        md.append("| mode (`pptp.mppe`) | negotiated | veth Mbit/s | tunnel Mbit/s | **tunnel / veth** | CPU µs per packet, both JVMs (kernel) | tunnel capacity on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores / veth |\n|---|---|---|---|---:|---:|---:|\n");
        double ticksPerSecond = parse(kv.getOrDefault("clockTicksPerSecond", "100"));
        Map<String, Double> tunnelMeans = new java.util.HashMap<>();
        for (String mode : List.of("require-128", "require-128+threads", "require-128-stateful", "none")) {
            String enc = kv.get("mode." + mode + ".encryption");
            if (enc == null) {
                continue;
            }
            List<String> veths = new ArrayList<>();
            List<String> tunnels = new ArrayList<>();
            double sum = 0;
            int n = 0;
            double cpuSeconds = 0;
            double sysSeconds = 0;
            long packets = 0;
            double vethSum = 0;
            for (int pair = 1; kv.containsKey("mode." + mode + ".pair" + pair + ".veth"); pair++) {
                double v = parse(kv.get("mode." + mode + ".pair" + pair + ".veth"));
                double t = parse(kv.get("mode." + mode + ".pair" + pair + ".tunnel"));
                veths.add(String.format(Locale.ROOT, "%.0f", v));
                tunnels.add(String.format(Locale.ROOT, "%.0f", t));
                if (v > 0) {
                    sum += t / v;
                    vethSum += v;
                    n++;
                }
                cpuSeconds += parse(kv.getOrDefault("mode." + mode + ".pair" + pair + ".cpuTicks", "NaN")) / ticksPerSecond;
                sysSeconds += parse(kv.getOrDefault("mode." + mode + ".pair" + pair + ".sysTicks", "NaN")) / ticksPerSecond;
                packets += (long) parse(kv.getOrDefault("mode." + mode + ".pair" + pair + ".packets", "0"));
            }
            double r = n == 0 ? Double.NaN : sum / n;
            tunnelMeans.put(mode, tunnels.stream().mapToDouble(Double::parseDouble).average().orElse(Double.NaN));
            String shown = mode.equals("require-128") ? ratio(r, TUNNEL_TARGET) : fmt(r);
            double microsPerPacket = packets == 0 ? Double.NaN : cpuSeconds * 1e6 / packets;
            // 1400-octet packets: what the two JVMs' CPU cost per packet allows on all cores, against the veth.
            double capacityMbps = Runtime.getRuntime().availableProcessors() * 1e6 / microsPerPacket * 1400 * 8 / 1e6;
            String label = mode.equals("require-128+threads")
                    ? "require-128, a thread each for GRE and TUN (before)" : mode;
            md.append("| ").append(label).append(" | ").append(enc).append(" | ").append(String.join(", ", veths))
                    .append(" | ").append(String.join(", ", tunnels)).append(" | **").append(shown).append("** | ")
                    .append(String.format(Locale.ROOT, "%.1f (%.1f)", microsPerPacket,
                            packets == 0 ? Double.NaN : sysSeconds * 1e6 / packets)).append(" | ")
                    .append(n == 0 ? "n/a" : fmt(capacityMbps / (vethSum / n))).append(" |\n");
        }
        Double loop = tunnelMeans.get("require-128");
        Double threads = tunnelMeans.get("require-128+threads");
        if (loop != null && threads != null) {
            md.append("\nStateless MPPE-128 with each JVM's data path on one event loop (GRE receive and TUN reads "
                    + "on one thread, the default) against a receive thread each for GRE and TUN "
                    + "(`-Dhomerouter.datapath.sharedLoop=false`), in this run: tunnel throughput ")
                    .append(fmt(loop / threads)).append(" (").append(String.format(Locale.ROOT, "%.0f", loop))
                    .append(" against ").append(String.format(Locale.ROOT, "%.0f", threads)).append(" Mbit/s).\n");
        }
        md.append('\n');
    }

    /** 1d, from bench/alg-throughput.sh: rounds of ALG and kernel helper, each its own call. */
    private static void alg(StringBuilder md, Path file) throws IOException {
        md.append("## 1d. ALG against the kernel's nf_conntrack_pptp / nf_nat_pptp\n\n");
        Map<String, String> kv = scriptResult(md, file);
        if (kv == null) {
            return;
        }
        md.append("Three namespaces: a LAN client (the engine's `dial`), a router that masquerades to the WAN, and the "
                + "appliance's PPTP server (`run`) on the WAN side; veths with offloads off. The router NATs the "
                + "client's PPTP call either with **our ALG** (`passthrough`: control through NFQUEUE, GRE by the "
                + "nftables rules it installs per call) or with **the kernel's** nf_conntrack_pptp + nf_nat_pptp "
                + "(an nftables `ct helper`). iperf3 (TCP, ").append(kv.getOrDefault("secondsPerRun", "?"))
                .append(" s) from the client through the tunnel (unencrypted, so that the endpoints' RC4 weighs "
                        + "least) to the server's tunnel address; rounds alternate ALG / kernel, each with a fresh "
                        + "call, which first carries ").append(kv.getOrDefault("warmupSeconds", "no"))
                .append(" s of iperf3 unmeasured (the JIT compiles the endpoints' data path in their first seconds "
                        + "of traffic, alike for both modes). Target ≥ ").append(ALG_TARGET).append("×. Both keep GRE data in the kernel (ours "
                        + "through per-call nftables rules, the kernel's through conntrack expectations); the ratio "
                        + "compares them at the rate the tunnel's two JVM endpoints can drive.\n\n");
        md.append("| round | ALG Mbit/s | kernel helper Mbit/s | **ALG / kernel** | evidence the mode carried the call |\n"
                + "|---:|---:|---:|---:|---|\n");
        double sum = 0;
        int n = 0;
        for (int round = 1; kv.containsKey("round" + round + ".alg"); round++) {
            double a = Double.parseDouble(kv.get("round" + round + ".alg"));
            double k = Double.parseDouble(kv.getOrDefault("round" + round + ".kernel", "0"));
            double r = k > 0 ? a / k : Double.NaN;
            if (!Double.isNaN(r)) {
                sum += r;
                n++;
            }
            md.append("| ").append(round).append(" | ").append(String.format(Locale.ROOT, "%.0f", a)).append(" | ")
                    .append(String.format(Locale.ROOT, "%.0f", k)).append(" | ").append(fmt(r)).append(" | ALG: ")
                    .append(kv.getOrDefault("round" + round + ".alg.evidence", "?")).append("; kernel: ")
                    .append(kv.getOrDefault("round" + round + ".kernel.evidence", "?")).append(" |\n");
        }
        md.append("| **mean** | | | **").append(ratio(n == 0 ? Double.NaN : sum / n, ALG_TARGET)).append("** | |\n\n");
    }

    /**
     * A benchmark script's key=value result file; null (and the section says so) when the script
     * did not run or skipped itself.
     */
    private static Map<String, String> scriptResult(StringBuilder md, Path file) throws IOException {
        if (file == null || !Files.exists(file)) {
            md.append("Not run.\n\n");
            return null;
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        if (kv.containsKey("skipped")) {
            md.append("Skipped: ").append(kv.get("skipped")).append(".\n\n");
            return null;
        }
        return kv;
    }

    // ------------------------------------------------------------------ formatting

    private static String fmt(double r) {
        return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.2f×", r);
    }

    /**
     * The ratio, and whether it meets the target: at least {@code target} for a positive target, at
     * most {@code -target} for a negative one (a budget).
     */
    private static String ratio(double r, double target) {
        if (Double.isNaN(r)) {
            return "n/a";
        }
        boolean met = target >= 0 ? r >= target : r <= -target;
        return fmt(r) + (met ? " ✓" : " ✗");
    }
}
