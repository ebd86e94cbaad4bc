package org.homerouter.bridge.alg;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.netns.NetworkNamespace;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.homerouter.bridge.ffm.ErrnoException.check;

/**
 * The kernel's IPv4 conntrack table over ctnetlink (a NETLINK_NETFILTER socket through FFM): dumped,
 * and entries deleted one by one. The messages are {@link ConntrackMessages}'s. A socket per call,
 * made in the namespace (a netlink socket belongs to the namespace it was made in).
 */
final class ConntrackTable {
    private static final int AF_NETLINK = 16;
    private static final int NETLINK_NETFILTER = 12;
    /** The kernel fills a dump's answers up to a page or so (more with a larger buffer); room for one. */
    private static final int BUFFER = 32768;
    /** How long an answer the kernel makes within the send may take to show (it is there at once). */
    private static final int ANSWER_WAIT_MS = 1000;

    private final String netns;
    private int sequence;

    /** @param netns the namespace whose table to read, or null for our own */
    ConntrackTable(String netns) {
        this.netns = netns;
    }

    /** Every IPv4 entry now. */
    synchronized List<ConntrackEntry> dump() throws IOException {
        List<ConntrackEntry> out = new ArrayList<>();
        int fd = socket(netns);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER, 8);
            send(fd, arena, buffer, ConntrackMessages.dump(++sequence), "IPCTNL_MSG_CT_GET dump");
            while (true) {
                long n = receive(fd, arena, buffer);
                ConntrackMessages.DumpPart part = ConntrackMessages.entries(buffer.asSlice(0, n).asByteBuffer());
                out.addAll(part.entries());
                if (part.done()) {
                    return out;
                }
            }
        } finally {
            LibC.close(fd);
        }
    }

    /** Deletes {@code entry}; false when it was gone already (ended, or made again with another id). */
    synchronized boolean delete(ConntrackEntry entry) throws IOException {
        int fd = socket(netns);
        try (Arena arena = Arena.ofConfined()) {
            Boolean deleted = deleteOn(fd, arena, arena.allocate(BUFFER, 8), entry);
            if (deleted == null) {
                throw new IOException("ctnetlink answered the delete of " + entry + " with no acknowledgement");
            }
            return deleted;
        } finally {
            LibC.close(fd);
        }
    }

    /**
     * One delete over {@code fd}: true when the kernel acknowledged it, false when the entry was
     * gone already (ENOENT), null for an answer that is no acknowledgement.
     */
    private Boolean deleteOn(int fd, Arena arena, MemorySegment buffer, ConntrackEntry entry) throws IOException {
        send(fd, arena, buffer, ConntrackMessages.delete(entry, ++sequence), "IPCTNL_MSG_CT_DELETE");
        long n = receive(fd, arena, buffer);
        try {
            return ConntrackMessages.acknowledged(buffer.asSlice(0, n).asByteBuffer()) ? Boolean.TRUE : null;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Deletes each of {@code entries} over one socket (one for each would cost thousands of sockets
     * for a busy session's table); returns how many were deleted, not counting those gone already.
     */
    synchronized int deleteAll(java.util.Collection<ConntrackEntry> entries) throws IOException {
        if (entries.isEmpty()) {
            return 0;
        }
        int deleted = 0;
        int fd = socket(netns);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER, 8);
            for (ConntrackEntry entry : entries) {
                if (Boolean.TRUE.equals(deleteOn(fd, arena, buffer, entry))) {
                    deleted++;
                }
            }
        } finally {
            LibC.close(fd);
        }
        return deleted;
    }

    /** Sends {@code request} to the kernel through {@code buffer}; {@code what} names it in an error. */
    static void send(int fd, Arena arena, MemorySegment buffer, ByteBuffer request, String what)
            throws ErrnoException {
        // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }
        MemorySegment kernel = arena.allocate(12, 4);
        kernel.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
        int length = request.remaining();
        MemorySegment.copy(MemorySegment.ofBuffer(request), 0, buffer, 0, length);
        check("sendto(netlink, " + what + ")", LibC.sendto(fd, buffer, length, 0, kernel, 12));
    }

    /** One answer; waits at most {@link #ANSWER_WAIT_MS} for it. */
    private static long receive(int fd, Arena arena, MemorySegment buffer) throws IOException {
        long n = LibC.recvfrom(fd, buffer, BUFFER, LibC.MSG_DONTWAIT, MemorySegment.NULL, MemorySegment.NULL);
        if (n == -Errno.EAGAIN) {
            // struct pollfd { int fd; short events; short revents; }
            MemorySegment poll = arena.allocate(8, 4);
            poll.set(ValueLayout.JAVA_INT, 0, fd);
            poll.set(ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
            check("poll(netlink, conntrack)", LibC.poll(poll, 1, ANSWER_WAIT_MS));
            n = LibC.recvfrom(fd, buffer, BUFFER, LibC.MSG_DONTWAIT, MemorySegment.NULL, MemorySegment.NULL);
            if (n == -Errno.EAGAIN) {
                throw new IOException("no answer from ctnetlink");
            }
        }
        check("recvfrom(netlink, conntrack)", n);
        return n;
    }

    /** A ctnetlink socket in {@code netns} (null: our own). */
    static int socket(String netns) throws IOException {
        if (netns == null) {
            return socket();
        }
        try (NetworkNamespace.Scope in = NetworkNamespace.enter(netns)) {
            return socket();
        }
    }

    private static int socket() throws ErrnoException {
        return check("socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)",
                LibC.socket(AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NETLINK_NETFILTER));
    }
}
