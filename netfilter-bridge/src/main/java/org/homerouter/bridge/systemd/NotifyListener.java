package org.homerouter.bridge.systemd;

import static org.homerouter.bridge.ffm.ErrnoException.check;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.Structs;

/**
 * The manager's end of a {@link NotifySocket}: a bound {@code AF_UNIX} datagram socket that reads
 * what a service sends, as systemd would. For the tests that run the appliance as systemd runs it
 * (as {@link org.homerouter.bridge.netns.Netns} is for the ones that need namespaces).
 */
public final class NotifyListener implements AutoCloseable {
    private final String name;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(4096);
    private final MemorySegment pollFd = arena.allocate(Structs.POLLFD);

    private NotifyListener(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /** Binds a new socket at {@code path} (a file that must not exist yet). */
    public static NotifyListener bind(Path path) throws IOException {
        return bind(path.toString());
    }

    /** Binds a new socket: a file-system path, or an abstract name after '@' (as NOTIFY_SOCKET names them). */
    public static NotifyListener bind(String where) throws IOException {
        UnixAddress at = UnixAddress.of(where);
        int fd = check("socket(AF_UNIX, SOCK_DGRAM)", LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0));
        try (Arena a = Arena.ofConfined()) {
            check("bind(" + where + ")", LibC.bind(fd, at.in(a), at.length()));
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
        return new NotifyListener(where, fd);
    }

    /** Where a service must send: the value for its {@code NOTIFY_SOCKET}. */
    public String name() {
        return name;
    }

    /** The next message, or empty when none came within {@code timeout}. */
    public Optional<String> receive(Duration timeout) throws IOException {
        pollFd.set(ValueLayout.JAVA_INT, 0, fd);
        pollFd.set(ValueLayout.JAVA_SHORT, Structs.POLLFD_EVENTS, LibC.POLLIN);
        pollFd.set(ValueLayout.JAVA_SHORT, Structs.POLLFD_REVENTS, (short) 0);
        int ready = check("poll(notify socket)", LibC.poll(pollFd, 1, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        if (ready == 0) {
            return Optional.empty();
        }
        long n = check("recvfrom(notify socket)", LibC.recvfrom(fd, buffer, buffer.byteSize(), LibC.MSG_DONTWAIT,
                MemorySegment.NULL, MemorySegment.NULL));
        return Optional.of(new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        LibC.close(fd);
        arena.close();
        if (!name.startsWith("@")) {
            Files.deleteIfExists(Path.of(name));
        }
    }
}
