package org.homerouter.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What became of the update the owner restarted into, told after the restart: the new version
 * logs that it started; the old one, when the router came back to it (the new one did not start,
 * or did not confirm itself within 30 minutes, image/README.md "Updates"), says so on the System
 * page and in the event log, where before the owner found only the old version running, unexplained.
 * A note in the data directory: "to", "from", "at", and "state" (installed, when the update was
 * written; restarting, just before the restart; then started once the new version ran, or failed
 * once the old one found itself running again).
 */
final class UpdateOutcome {
    private static final Logger LOG = LoggerFactory.getLogger(UpdateOutcome.class);
    private final Path note;

    UpdateOutcome(Path note) {
        this.note = note;
    }

    /** {@code to} is installed, and starts at the next restart. */
    void installed(String to, String from) {
        write(Map.of("to", to, "from", from, "at", Instant.now().toString(), "state", "installed"));
    }

    /** The version installed and not yet restarted into, as {@link #installed} recorded it. */
    Optional<String> installedNotStarted() {
        Map<String, String> n = read();
        return n != null && "installed".equals(n.get("state")) ? Optional.ofNullable(n.get("to")) : Optional.empty();
    }

    /** Before the restart into {@code to}. */
    void restarting(String to, String from, Instant at) {
        write(Map.of("to", to, "from", from, "at", at.toString(), "state", "restarting"));
    }

    /**
     * At each start of the service, running {@code current}: the failed update's words, if the
     * router came back from one (logged once, then shown until another update is restarted into).
     */
    Optional<String> atStart(String current, ImageFirmware.EventSink events) {
        Map<String, String> n = read();
        if (n == null) {
            return Optional.empty();
        }
        String to = n.getOrDefault("to", "");
        String state = n.getOrDefault("state", "");
        if ("installed".equals(state)) {
            return Optional.empty(); // not restarted into yet
        }
        if (to.equals(current)) {
            if ("restarting".equals(state)) {
                events.log("admin", "firmware " + to + " started (updated from " + n.getOrDefault("from", "?") + ")");
                write(Map.of("to", to, "from", n.getOrDefault("from", ""), "at", n.getOrDefault("at", ""),
                        "state", "started"));
            }
            return Optional.empty();
        }
        String why = "failed".equals(state) ? n.getOrDefault("why", "did not start")
                : "started".equals(state) ? "started but did not confirm itself within 30 minutes (its web page or"
                + " firewall did not come up)" : "did not start";
        String words = "The update to " + to + " did not stay: it " + why + ", and the router went back to " + current
                + " by itself. Settings and users are as they were. Try the update once more; should it fail again, keep "
                + current + " and ask for another update file.";
        if (!"failed".equals(state)) {
            events.log("admin", "firmware " + to + " did not stay: it " + why + "; back to " + current);
            LOG.warn("firmware update to {} did not stay ({}): running {} again", to, why, current);
            write(Map.of("to", to, "from", n.getOrDefault("from", ""), "at", n.getOrDefault("at", ""), "state", "failed",
                    "why", why));
        }
        return Optional.of(words);
    }

    /** The version restarted into is confirmed (its slot boots from now on): nothing more to tell. */
    void confirmed(String current) {
        Map<String, String> n = read();
        if (n != null && current.equals(n.get("to")) && "started".equals(n.get("state"))) {
            try {
                Files.deleteIfExists(note);
            } catch (IOException e) {
                LOG.warn("{} could not be removed: {}", note, e.getMessage());
            }
        }
    }

    private Map<String, String> read() {
        try {
            return KeyValueFile.read(note).orElse(null);
        } catch (IOException e) {
            LOG.warn("{} could not be read: {}", note, e.getMessage());
            return null;
        }
    }

    private void write(Map<String, String> n) {
        StringBuilder b = new StringBuilder();
        for (String k : new String[] {"to", "from", "at", "state", "why"}) {
            if (n.containsKey(k)) {
                b.append(k).append('=').append(n.get(k).replace('\n', ' ')).append('\n');
            }
        }
        try {
            WholeFile.replace(note.resolveSibling(note.getFileName() + ".part"), note,
                    ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            LOG.warn("{} could not be written: {}", note, e.getMessage());
        }
    }
}
