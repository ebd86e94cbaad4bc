package org.homerouter.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A small file of KEY=value lines, as the image's shell scripts write and source them
 * (/etc/homerouter-release, /etc/homerouter-boot) and as {@link UpdateOutcome} keeps its note.
 */
final class KeyValueFile {
    /** Larger is no such file: these hold a few lines. */
    static final int MAX_BYTES = 4096;

    private KeyValueFile() {
    }

    /**
     * Its entries (the first of a key named twice), or empty when there is no such file or it is
     * larger than {@link #MAX_BYTES}; lines without a "=" after a key are skipped.
     *
     * @throws IOException when it is there but cannot be read as UTF-8 text
     */
    static Optional<Map<String, String>> read(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) > MAX_BYTES) {
            return Optional.empty();
        }
        Map<String, String> entries = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                entries.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return Optional.of(entries);
    }
}
