package org.homerouter.bridge.alg;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.netns.NetworkNamespace;

/**
 * Only one passthrough ALG per network namespace: its NFQUEUE rule, chain and {@code homerouter_alg}
 * table have fixed names, and a second one (the {@code passthrough} command run beside the
 * service to look at the calls, say) would replace them and, when it stops, remove them: every
 * LAN client's GRE through the router would stop.
 *
 * <p>The lock is a Unix socket bound to an abstract name (unix(7)): the kernel keeps one such name
 * per network namespace, frees it when its holder dies (a killed run never blocks the next), and
 * it needs no file, so it works for the router's service, which runs as its own user with a
 * read-only file system outside its data directory.
 */
final class AlgInstanceLock implements AutoCloseable {
    /** linux/socket.h */
    private static final int AF_UNIX = 1;
    /** linux/net.h (enum sock_type) */
    private static final int SOCK_STREAM = 1;
    /** asm-generic/errno.h */
    private static final int EADDRINUSE = 98;
    /** The abstract name, after the leading NUL octet. */
    static final String NAME = "homerouter-passthrough-alg";

    private final int fd;

    private AlgInstanceLock(int fd) {
        this.fd = fd;
    }

    /**
     * Takes the lock of {@code netns} (null: this process's namespace), or returns null when
     * another holder has it.
     */
    static AlgInstanceLock tryAcquire(String netns) throws IOException {
        if (netns == null) {
            return bindHere();
        }
        // A socket's name belongs to the namespace the socket was created in.
        try (NetworkNamespace.Scope ignored = NetworkNamespace.enter(netns)) {
            return bindHere();
        }
    }

    private static AlgInstanceLock bindHere() throws IOException {
        int fd = ErrnoException.check("socket(AF_UNIX)", LibC.socket(AF_UNIX, SOCK_STREAM | LibC.SOCK_CLOEXEC, 0));
        byte[] name = NAME.getBytes(StandardCharsets.US_ASCII);
        try (Arena arena = Arena.ofConfined()) {
            // struct sockaddr_un: sa_family_t (2 octets), then sun_path; a NUL first makes the
            // name abstract, and the length given is exactly what is used of it.
            MemorySegment address = arena.allocate(2 + 1 + name.length);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            address.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
            MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 3, name.length);
            int rc = LibC.bind(fd, address, (int) address.byteSize());
            if (rc == -EADDRINUSE) {
                LibC.close(fd);
                return null;
            }
            ErrnoException.check("bind(@" + NAME + ")", rc);
            return new AlgInstanceLock(fd);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    @Override
    public void close() {
        LibC.close(fd);
    }
}
