package org.homerouter.bridge.systemd;

import static org.homerouter.bridge.ffm.ErrnoException.check;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.homerouter.bridge.ffm.LibC;

/**
 * systemd's notification socket (sd_notify(3)): the service tells its manager it is ready
 * ({@code READY=1}), still alive ({@code WATCHDOG=1}) or stopping ({@code STOPPING=1}). One
 * {@code AF_UNIX} datagram per message to the path in {@code $NOTIFY_SOCKET}; a path starting with
 * '@' is in the abstract namespace. The JDK's channels speak only stream {@code AF_UNIX}, hence FFM.
 */
public final class NotifySocket {
    private final String path;

    private NotifySocket(String path) {
        this.path = path;
    }

    /** The socket systemd named for this process, if it named one ({@code $NOTIFY_SOCKET}). */
    public static Optional<NotifySocket> fromEnvironment(Map<String, String> env) {
        String p = env.get("NOTIFY_SOCKET");
        if (p == null || p.isEmpty() || !(p.startsWith("/") || p.startsWith("@"))) {
            return Optional.empty(); // unset, or a vsock address (a VM's manager), which a service here never gets
        }
        return Optional.of(new NotifySocket(p));
    }

    /** For tests: a socket at this file-system path. */
    public static NotifySocket at(String path) {
        return new NotifySocket(path);
    }

    /** Where the messages go. */
    public String path() {
        return path;
    }

    /**
     * Sends one message, e.g. {@code "READY=1"} or several lines of assignments at once.
     *
     * @throws IOException when the socket is gone or refuses (the manager restarted, a test's
     *                     socket closed): the caller decides whether that matters
     */
    public void send(String state) throws IOException {
        UnixAddress to = UnixAddress.of(path);
        int fd = check("socket(AF_UNIX, SOCK_DGRAM)", LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            byte[] message = state.getBytes(StandardCharsets.UTF_8);
            MemorySegment buffer = arena.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, buffer, ValueLayout.JAVA_BYTE, 0, message.length);
            long sent = check("sendto(" + path + ")", LibC.sendto(fd, buffer, message.length, 0, to.in(arena), to.length()));
            if (sent != message.length) {
                throw new IOException("sendto(" + path + "): " + sent + " of " + message.length + " octets sent");
            }
        } finally {
            LibC.close(fd);
        }
    }
}
