package org.homerouter.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One running service per data directory. A second {@code run} on the same database would close
 * the first one's open sessions as "interrupted" at its start, fight it over the firewall tables
 * and the GRE socket, and write its events between the other's. The lock is the kernel's (fcntl,
 * through {@link FileChannel#tryLock()}), so a service killed with -9 or by a power cut leaves no
 * stale lock behind; the file keeps the holder's pid for the message.
 */
final class InstanceLock {
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock for this process's lifetime.
     *
     * @return empty, with {@code holder} set to what the lock file says, when another service holds it
     */
    static Optional<InstanceLock> take(Path dataDir, StringBuilder holder) throws IOException {
        org.homerouter.appliance.store.ApplianceStore.createDataDirectory(dataDir);
        Path file = dataDir.resolve("appliance.lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held in this very process
        }
        if (lock == null) {
            holder.append(new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim());
            ch.close();
            return Optional.empty();
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return Optional.of(new InstanceLock(ch, lock));
    }

    /** Lets another service start (tests; the running service holds it until it exits). */
    void release() throws IOException {
        lock.release();
        channel.close();
    }
}
