package org.homerouter.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the service's last run ended without stopping, for the event log at the next start.
 * systemd brings a service back that crashed, ran out of memory or was killed by the watchdog for
 * not answering, and a router comes back from a power cut: either way every session was cut, and
 * the event log showed "appliance stopped" missing at most, which nobody notices. A file in the
 * data directory says "running since, in boot" from the start until a clean stop removes it; found
 * at a start, the last run did not stop. The kernel's boot ID tells the two apart: the same boot
 * is the service dying under a running router; another is the router going off (a clean
 * shutdown stops the service first). Two small writes a run, none while it runs.
 */
final class LastRun {
    static final String FILE = "service-running";
    private static final Logger LOG = LoggerFactory.getLogger(LastRun.class);
    private static final int MAX_BYTES = 200;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private LastRun() {
    }

    /** This boot's ID (Linux's, a UUID), empty where there is none. */
    static String bootId() {
        try {
            return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * What the last run left, said in a sentence when it did not stop; then notes this run as
     * running. A note that cannot be written costs only the next start's sentence (logged).
     */
    static Optional<String> start(Path dataDir, String bootId, long nowMs) {
        Optional<String> unclean = read(dataDir.resolve(FILE), bootId);
        String note = "boot " + (bootId.isEmpty() ? "-" : bootId) + "\nsince " + nowMs + "\npid "
                + ProcessHandle.current().pid() + "\n";
        try {
            WholeFile.replace(dataDir.resolve(FILE + ".new"), dataDir.resolve(FILE),
                    ByteBuffer.wrap(note.getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            LOG.warn("could not note the service as running ({}): a crash of this run goes unsaid at the next start",
                    e.toString());
        }
        return unclean;
    }

    /**
     * After a start that failed: the note goes only if this process wrote it. A start can fail
     * before it read the last run's (a busy database, say), whose crash must still be said at the
     * next start that gets that far.
     */
    static void startFailed(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (WholeFile.head(file, MAX_BYTES).lines().anyMatch(("pid " + ProcessHandle.current().pid())::equals)) {
                Files.delete(file);
            }
        } catch (NoSuchFileException e) {
            // none: nothing to take back
        } catch (IOException e) {
            LOG.warn("could not take back the note of this failed start ({}): the next start will say it did not"
                    + " stop", e.toString());
        }
    }

    /** At a clean stop: nothing for the next start to say. */
    static void stopped(Path dataDir) {
        try {
            if (Files.exists(dataDir.resolve(FILE))) {
                Files.delete(dataDir.resolve(FILE));
            }
        } catch (NoSuchFileException e) {
            // gone meanwhile (a factory reset): nothing to say either
        } catch (IOException e) {
            LOG.warn("could not note the service as stopped ({}): the next start will say it did not stop", e.toString());
        }
    }

    private static Optional<String> read(Path file, String bootId) {
        String[] lines;
        try {
            lines = WholeFile.head(file, MAX_BYTES).split("\n");
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("could not read {}: {}", file, e.toString());
            return Optional.empty();
        }
        String boot = null;
        Long since = null;
        for (String line : lines) {
            if (line.startsWith("boot ")) {
                boot = line.substring(5).strip();
            } else if (line.startsWith("since ")) {
                try {
                    since = Long.parseLong(line.substring(6).strip());
                } catch (NumberFormatException e) {
                    // a torn write: said without the time
                }
            }
        }
        String running = since == null ? "" : " (running since " + WHEN.format(Instant.ofEpochMilli(since)) + ")";
        if (boot == null || boot.equals("-") || bootId.isEmpty()) {
            return Optional.of("the service's last run" + running + " ended without stopping: the router lost power,"
                    + " or the service crashed, ran out of memory or stopped answering; its sessions were cut");
        }
        if (boot.equals(bootId)) {
            return Optional.of("the service's last run" + running + " ended without stopping while the router ran:"
                    + " it crashed, ran out of memory or stopped answering, and was started again; its sessions were"
                    + " cut");
        }
        return Optional.of("the router went off while the service ran" + running + ", without shutting down: a power"
                + " cut, its power switch, or a hang its watchdog ended; the sessions up then were cut");
    }
}
