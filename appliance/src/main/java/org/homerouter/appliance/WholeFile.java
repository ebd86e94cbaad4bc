package org.homerouter.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** A file replaced whole: a power cut, a full disk or a failed write leaves the old one or all of the new one. */
final class WholeFile {
    private WholeFile() {
    }

    /**
     * Writes {@code bytes} into {@code part} (beside {@code target}, made if missing), on the storage
     * before the rename makes it {@code target}.
     */
    static void replace(Path part, Path target, ByteBuffer bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The first {@code maxBytes} of a small note file (the service's or the image's), as ASCII:
     * one a stranger or a fault made larger is not read whole.
     *
     * @throws java.nio.file.NoSuchFileException when there is none
     */
    static String head(Path file, int maxBytes) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(maxBytes), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
