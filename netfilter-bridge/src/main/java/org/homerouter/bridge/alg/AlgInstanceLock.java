package org.homerouter.bridge.alg;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Only one passthrough ALG per network namespace: its NFQUEUE rule, chain and {@code homerouter_alg}
 * table have fixed names, and a second one (the {@code passthrough} command run beside the
 * service to look at the calls, say) would replace them and, when it stops, remove them: every
 * LAN client's GRE through the router would stop. A file lock, which the kernel releases when its
 * holder dies, so a killed run never blocks the next.
 */
final class AlgInstanceLock implements AutoCloseable {
    /** Where the lock files go; /run is a tmpfs on the router (and root's, like the ALG). */
    static final String DIRECTORY_PROPERTY = "homerouter.alg.lockDir";

    private final FileChannel channel;
    private final FileLock lock;
    /** Removed at close, while still locked: every namespace (tests make many) has a file of its own. */
    private final Path file;

    private AlgInstanceLock(FileChannel channel, FileLock lock, Path file) {
        this.channel = channel;
        this.lock = lock;
        this.file = file;
    }

    /**
     * Takes the lock of {@code netns} (null: this process's namespace), or returns null when
     * another holder has it.
     */
    static AlgInstanceLock tryAcquire(String netns) throws IOException {
        Path dir = Path.of(System.getProperty(DIRECTORY_PROPERTY, "/run"));
        Path file = dir.resolve("homerouter-alg-" + (netns != null ? netns : ownNamespace()).replaceAll("[^A-Za-z0-9_.-]", "_")
                + ".lock");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return null;
            }
            return new AlgInstanceLock(channel, lock, file);
        } catch (OverlappingFileLockException e) {
            channel.close(); // held by this JVM already
            return null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** This process's network namespace, e.g. "net:[4026531840]", so that each namespace has its own lock. */
    private static String ownNamespace() {
        try {
            return java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "self";
        }
    }

    @Override
    public void close() {
        try {
            java.nio.file.Files.deleteIfExists(file);
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the descriptor goes with the process at the latest
        }
    }
}
