package org.homerouter.pptp.auth;

import java.util.ArrayDeque;
import java.util.Random;

/**
 * A random source that first hands out given values (each must match the size asked for), then
 * deterministic pseudo-random octets.
 */
final class ScriptedRandom implements RandomSource {
    private final ArrayDeque<byte[]> script = new ArrayDeque<>();
    private final Random fallback = new Random(2637);

    ScriptedRandom(byte[]... values) {
        for (byte[] v : values) {
            script.add(v.clone());
        }
    }

    @Override
    public void nextBytes(byte[] out) {
        byte[] next = script.poll();
        if (next == null) {
            fallback.nextBytes(out);
            return;
        }
        if (next.length != out.length) {
            throw new IllegalStateException("scripted value of " + next.length + " octets, " + out.length + " asked");
        }
        System.arraycopy(next, 0, out, 0, out.length);
    }
}
