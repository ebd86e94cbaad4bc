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
 * stale lock behind; the file keeps the holder's pid for the message, and once it serves, where its
 * web UI listens ({@link #serving}): {@code status} says both ({@link #look}).
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
        Path file = file(dataDir);
        boolean inData = file.equals(dataDir.resolve(FILE));
        if (!inData) {
            // Read-only storage: a service started before it turned so holds the lock in the data directory.
            Look there = lookAt(dataDir.resolve(FILE));
            if (there.running()) {
                holder.append(there.pid() != null ? "pid " + there.pid() : "");
                return Optional.empty();
            }
        }
        FileChannel ch = inData
                ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                // In a directory others may write to (the temporary one): a link put there by
                // another user must not have this process open, and truncate, what it points to.
                : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
        FileLock lock = null;
        // A few tries: a status command looking at the lock holds it (shared) for a moment.
        for (int i = 0; i < 5 && lock == null; i++) {
            if (i > 0) {
                sleep(50);
            }
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                break; // held in this very process
            }
        }
        if (lock == null) {
            holder.append(new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).lines().findFirst().orElse("")
                    .trim());
            ch.close();
            return Optional.empty();
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(pidLine().getBytes(StandardCharsets.US_ASCII)), 0);
        return Optional.of(new InstanceLock(ch, lock));
    }

    private static String pidLine() {
        return "pid " + ProcessHandle.current().pid() + "\n";
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for " + FILE);
        }
    }

    /**
     * Notes where the web UI listens, as started (the command line's --ui-address and --ui-port
     * override the settings: on the router every address, port 8080). Written over the pid line
     * with the same line first, so a reader never finds the file without it.
     */
    void serving(String uiHost, int uiPort) throws IOException {
        channel.write(ByteBuffer.wrap((pidLine() + "ui " + uiHost + " " + uiPort + "\n")
                .getBytes(StandardCharsets.US_ASCII)), 0);
    }

    /**
     * What the lock file of {@code dataDir} says: whether a service holds it now, its pid, and
     * where its web UI listens (or, when none runs, where the last one's did).
     *
     * @param running whether a service holds the lock now
     * @param pid     the holder's (or the last holder's) pid, or null
     * @param uiHost  the address its web UI listens on (or last did), or null
     * @param uiPort  its port, or 0
     */
    record Look(boolean running, String pid, String uiHost, int uiPort) {
    }

    /** Looks at the lock without taking it for longer than the look (shared: a running service's is exclusive). */
    static Look look(Path dataDir) throws IOException {
        // The data directory's own first: a service that started while the storage could be
        // written holds it there still, after the storage turned read-only.
        Look inData = lookAt(dataDir.resolve(FILE));
        Path file = file(dataDir);
        return inData.running() || file.equals(dataDir.resolve(FILE)) ? inData : lookAt(file);
    }

    private static Look lookAt(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new Look(false, null, null, 0);
        }
        boolean running;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            try {
                FileLock shared = ch.tryLock(0, Long.MAX_VALUE, true);
                running = shared == null;
                if (shared != null) {
                    shared.release();
                }
            } catch (OverlappingFileLockException e) {
                running = true; // held in this very process (tests)
            }
        }
        String pid = null;
        String uiHost = null;
        int uiPort = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            String[] words = line.trim().split(" ");
            if (words.length == 2 && words[0].equals("pid")) {
                pid = words[1];
            } else if (words.length == 3 && words[0].equals("ui")) {
                try {
                    uiPort = Integer.parseInt(words[2]);
                    uiHost = words[1];
                } catch (NumberFormatException e) {
                    // not ours: as if there were no such line
                }
            }
        }
        return new Look(running, pid, uiHost, uiPort);
    }

    static final String FILE = "appliance.lock";
    /** The service unit's RuntimeDirectory: writable by the service, and seen by {@code status} (not its PrivateTmp). */
    static final Path RUN = Path.of("/run/homerouter");

    /**
     * The lock file of {@code dataDir}: in it, unless it is on read-only storage (worn flash), where
     * no file can be opened for writing, and the start failed here, restarted by systemd for ever.
     * Then one named for the data directory, in {@link #RUN} or else the temporary directory: two
     * services on one data directory still find the same file, and the second is refused.
     */
    static Path file(Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir) || !org.homerouter.appliance.store.ReadOnlyStorage.of(dataDir)) {
            return dataDir.resolve(FILE);
        }
        byte[] name;
        try {
            name = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(dataDir.toRealPath().toString().getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has it
        }
        Path dir = Files.isDirectory(RUN) && Files.isWritable(RUN) ? RUN : Path.of(System.getProperty("java.io.tmpdir"));
        return dir.resolve("appliance-" + java.util.HexFormat.of().formatHex(name, 0, 8) + ".lock");
    }

    /** Lets another service start (tests; the running service holds it until it exits). */
    void release() throws IOException {
        lock.release();
        channel.close();
    }
}
