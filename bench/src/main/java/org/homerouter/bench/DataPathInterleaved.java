package org.homerouter.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Acceptance 1a again, made for a loaded machine: the same engine paths and BouncyCastle baselines
 * as {@link DataPathBenchmark} (its very state classes), but timed in alternating batches on one
 * thread, so that the engine and RC4 are measured milliseconds apart under the same load, and each
 * ratio is the median of the per-round ratios. JMH runs each benchmark for seconds, one after the
 * other, and on a machine whose load changes by the second its ratios drift with the load.
 *
 * <p>Usage: {@code DataPathInterleaved resultFile}. Writes key=value lines.
 */
public final class DataPathInterleaved {
    private static final int BATCH = 1000;
    private static final int WARMUP_ROUNDS = 50;
    /** Least warm-up time per combination (see main). */
    private static final long WARMUP_NANOS = 2_000_000_000L;
    private static final int ROUNDS = 150;
    private static long sink;

    private DataPathInterleaved() {
    }

    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String mode : new String[] {"stateless", "stateful"}) {
            for (int size : new int[] {64, 512, 1400}) {
                DataPathBenchmark.Engine engine = new DataPathBenchmark.Engine();
                engine.size = size;
                engine.mode = mode;
                engine.setUp();
                DataPathBenchmark.Rc4 rc4 = new DataPathBenchmark.Rc4();
                rc4.size = size;
                rc4.setUp();
                double[][] ns = new double[4][ROUNDS];
                // Warm-up by time as well as by rounds: each combination takes branches the ones
                // before it did not (stateful after stateless, another size), so the JIT throws
                // away and recompiles the path, which on 2 busy cores can take longer than 50 rounds
                // of 64-octet packets (about 10 ms). What remains is the JIT's own variance: in
                // about one JVM in six, stateful 64-octet receive is compiled with less inlined
                // (GreChannel.receive apart, its GreHeader then allocated) and runs at 230-270
                // against 150-160 ns for the whole run (perf, 2026-12-03). JMH's separate forks
                // show the same spread as its error column.
                long warmUntil = System.nanoTime() + WARMUP_NANOS;
                for (int round = 0; round < WARMUP_ROUNDS || System.nanoTime() < warmUntil; round++) {
                    round(engine, rc4, size, null, 0);
                }
                for (int round = 0; round < ROUNDS; round++) {
                    round(engine, rc4, size, ns, round);
                }
                String[] names = {"receive", "send"};
                for (int d = 0; d < 2; d++) {
                    double[] vsRc4 = new double[ROUNDS];
                    double[] vsFloor = new double[ROUNDS];
                    for (int r = 0; r < ROUNDS; r++) {
                        vsRc4[r] = ns[2][r] / ns[d][r];
                        vsFloor[r] = ns[3][r] / ns[d][r];
                    }
                    String key = "interleaved." + names[d] + "." + mode + "." + size;
                    out.append(String.format(Locale.ROOT,
                            "%s.engineNs=%.0f%n%s.rc4Ns=%.0f%n%s.rc4KeyChangeNs=%.0f%n%s.ratioRc4=%.3f%n%s.ratioRc4KeyChange=%.3f%n",
                            key, median(ns[d]), key, median(ns[2]), key, median(ns[3]), key, median(vsRc4),
                            key, median(vsFloor)));
                    // The fastest round of each: noise only ever adds time, so minima compare runs best.
                    out.append(String.format(Locale.ROOT, "%s.engineMinNs=%.0f%n%s.rc4MinNs=%.0f%n",
                            key, min(ns[d]), key, min(ns[2])));
                }
            }
        }
        out.append("interleaved.batch=").append(BATCH).append("\ninterleaved.rounds=").append(ROUNDS).append('\n');
        Files.writeString(Path.of(args[0]), out.toString());
        System.out.print(out);
        System.err.println("(checksum " + sink + ")");
    }

    /** One round: a batch each of engine receive, engine send, RC4, RC4 with key change; times into ns[*][round] unless ns is null. */
    private static void round(DataPathBenchmark.Engine engine, DataPathBenchmark.Rc4 rc4, int size, double[][] ns, int round) {
        long t0 = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
            sink += engine.receive();
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
            sink += engine.send();
        }
        long t2 = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
            sink += rc4.rc4()[size - 1];
        }
        long t3 = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
            sink += rc4.rc4PerPacketKey()[size - 1];
        }
        long t4 = System.nanoTime();
        if (ns != null) {
            ns[0][round] = (t1 - t0) / (double) BATCH;
            ns[1][round] = (t2 - t1) / (double) BATCH;
            ns[2][round] = (t3 - t2) / (double) BATCH;
            ns[3][round] = (t4 - t3) / (double) BATCH;
        }
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
