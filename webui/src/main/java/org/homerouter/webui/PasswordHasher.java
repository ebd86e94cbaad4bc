package org.homerouter.webui;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The admin password as an Argon2id hash (RFC 9106) in the PHC string format
 * {@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}. Parameters: OWASP's minimum for Argon2id
 * (19 MiB, 2 passes, 1 lane), which a small ARM router still computes in well under a second.
 *
 * <p>At most {@link #AT_ONCE} hashes are computed at a time; a check beyond that is refused at
 * once ({@link Busy}) rather than queued. Each check takes its 19 MiB while it runs, and the login
 * throttle limits attempts per address only: a dozen addresses posting logins at the same moment
 * ran a dozen checks side by side, which exhausts a router's heap (the service then exits on
 * OutOfMemoryError and every VPN session drops).
 */
public final class PasswordHasher {
    static final int AT_ONCE = 2;
    private static final int MEMORY_KIB = 19 * 1024;
    private static final int ITERATIONS = 2;
    private static final int PARALLELISM = 1;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d+),t=(\\d+),p=(\\d+)\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /** Thrown instead of hashing when {@link #AT_ONCE} hashes are being computed already. */
    static final class Busy extends RuntimeException {
        Busy() {
            super("the router is checking other passwords right now", null, false, false);
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final Semaphore running = new Semaphore(AT_ONCE);

    /** How many hashes are being computed now (tests wait for checks to be under way). */
    int running() {
        return AT_ONCE - running.availablePermits();
    }

    /** @throws Busy when {@link #AT_ONCE} hashes are being computed already */
    public String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] h = argon2(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(h);
    }

    /**
     * True when {@code password} matches; false for a wrong password or an unreadable hash.
     *
     * @throws Busy when {@link #AT_ONCE} hashes are being computed already
     */
    public boolean verify(String password, String encoded) {
        Matcher m = encoded == null ? null : PHC.matcher(encoded);
        if (m == null || !m.matches()) {
            return false;
        }
        byte[] salt = B64D.decode(m.group(4));
        byte[] expected = B64D.decode(m.group(5));
        byte[] actual = argon2(password, salt, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), expected.length);
        return MessageDigest.isEqual(expected, actual);
    }

    private byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int lanes, int length) {
        if (!running.tryAcquire()) {
            throw new Busy();
        }
        try {
            return argon2Now(password, salt, memoryKib, iterations, lanes, length);
        } finally {
            running.release();
        }
    }

    private static byte[] argon2Now(String password, byte[] salt, int memoryKib, int iterations, int lanes, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(lanes).withSalt(salt).build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[length];
        gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
