package org.homerouter.bridge.netns;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;

/**
 * A name one process holds in a network namespace while it runs there: for what has fixed names
 * in that namespace's kernel (the passthrough ALG's NFQUEUE rule and tables), or to be seen by
 * another program there (the service, by the {@code passthrough} command).
 *
 * <p>The lock is a Unix socket bound to an abstract name (unix(7)): the kernel keeps one such name
 * per network namespace, frees it when its holder dies (a killed run never blocks the next), and
 * it needs no file, so it works for the router's service, which runs as its own user with a
 * read-only file system outside its data directory.
 */
public final class NamespaceLock implements AutoCloseable {
    /** linux/socket.h */
    private static final int AF_UNIX = 1;
    /** linux/net.h (enum sock_type) */
    private static final int SOCK_STREAM = 1;
    /** asm-generic/errno.h */
    private static final int EADDRINUSE = 98;

    private final int fd;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private NamespaceLock(int fd) {
        this.fd = fd;
    }

    /**
     * Takes {@code name} in {@code netns} (null: this process's namespace), or returns null when
     * another holder has it.
     */
    public static NamespaceLock tryAcquire(String netns, String name) throws IOException {
        if (netns == null) {
            return bindHere(name);
        }
        // A socket's name belongs to the namespace the socket was created in.
        try (NetworkNamespace.Scope ignored = NetworkNamespace.enter(netns)) {
            return bindHere(name);
        }
    }

    /** Whether a process holds {@code name} in {@code netns} now; takes it for no longer than the look. */
    public static boolean held(String netns, String name) throws IOException {
        NamespaceLock free = tryAcquire(netns, name);
        if (free == null) {
            return true;
        }
        free.close();
        return false;
    }

    private static NamespaceLock bindHere(String name) throws IOException {
        int fd = ErrnoException.check("socket(AF_UNIX)", LibC.socket(AF_UNIX, SOCK_STREAM | LibC.SOCK_CLOEXEC, 0));
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        try (Arena arena = Arena.ofConfined()) {
            // struct sockaddr_un: sa_family_t (2 octets), then sun_path; a NUL first makes the
            // name abstract, and the length given is exactly what is used of it.
            MemorySegment address = arena.allocate(2 + 1 + bytes.length);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            address.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
            MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 3, bytes.length);
            int rc = LibC.bind(fd, address, (int) address.byteSize());
            if (rc == -EADDRINUSE) {
                LibC.close(fd);
                return null;
            }
            ErrnoException.check("bind(@" + name + ")", rc);
            return new NamespaceLock(fd);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** Tests: the socket's descriptor number. */
    int fd() {
        return fd;
    }

    /**
     * Lets the name go. Idempotent: a second close(2) of the number could close whatever took it
     * since (a TUN device, a socket), and two owners may both close at a shutdown.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LibC.close(fd);
        }
    }
}
