package org.homerouter.bridge.ffm;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

/**
 * The C library calls the bridge makes, as FFM downcalls. Every method returns what the C function
 * returns when it succeeds and {@code -errno} when it fails (the convention of raw system calls),
 * so hot loops can test for EAGAIN without an exception; {@link ErrnoException#check} turns a
 * failure into an exception where one is wanted. errno is captured by the linker right after the
 * call ({@code Linker.Option.captureCallState}), because the JVM may run code that changes errno
 * before Java could read it.
 *
 * <p>C {@code long}, {@code size_t} and {@code ssize_t} are Java {@code long} here whatever their
 * width: the handles are linked with the platform's canonical layouts and then cast, so the same
 * code runs on 64-bit and 32-bit ARM.
 */
public final class LibC {
    private LibC() {
    }

    // Constants: include/uapi/asm-generic (used by x86_64, arm64 and arm), linux/socket.h, linux/in.h.
    /** linux/socket.h: AF_UNIX (AF_LOCAL). */
    public static final int AF_UNIX = 1;
    /** linux/socket.h */
    public static final int AF_INET = 2;
    /** linux/net.h (enum sock_type) */
    public static final int SOCK_DGRAM = 2;
    /** linux/net.h (enum sock_type) */
    public static final int SOCK_RAW = 3;
    /** asm-generic/fcntl.h: O_CLOEXEC is 02000000; SOCK_CLOEXEC, EPOLL_CLOEXEC and EFD_CLOEXEC equal it. */
    public static final int O_CLOEXEC = 0x80000;
    /** asm-generic/fcntl.h: 04000; SOCK_NONBLOCK and EFD_NONBLOCK equal it. */
    public static final int O_NONBLOCK = 0x800;
    public static final int SOCK_NONBLOCK = O_NONBLOCK;
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int SOCK_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;
    /** linux/in.h: IPPROTO_GRE, the protocol number of GRE (RFC 2784, RFC 2637 §4). */
    public static final int IPPROTO_GRE = 47;
    /** linux/in.h: the IPv4 socket option level. */
    public static final int IPPROTO_IP = 0;
    /** linux/in.h */
    public static final int IP_MTU_DISCOVER = 10;
    /**
     * linux/in.h: the interface's MTU, not the path's, fragmenting beyond it; DF clear; the
     * ICMP "fragmentation needed" the socket is told of ignored.
     */
    public static final int IP_PMTUDISC_OMIT = 5;
    /** linux/socket.h */
    public static final int MSG_TRUNC = 0x20;
    /** linux/socket.h */
    public static final int MSG_DONTWAIT = 0x40;
    /** asm-generic/socket.h */
    public static final int SOL_SOCKET = 1;
    /** asm-generic/socket.h */
    public static final int SO_SNDBUF = 7;
    /** asm-generic/socket.h */
    public static final int SO_RCVBUF = 8;
    /** asm-generic/socket.h: like SO_RCVBUF but may exceed net.core.rmem_max (CAP_NET_ADMIN). */
    public static final int SO_RCVBUFFORCE = 33;
    /** asm-generic/socket.h: like SO_SNDBUF but may exceed net.core.wmem_max (CAP_NET_ADMIN). */
    public static final int SO_SNDBUFFORCE = 32;
    /** asm-generic/poll.h */
    public static final short POLLIN = 0x001;
    /** asm-generic/poll.h */
    public static final short POLLERR = 0x008;
    /** asm-generic/poll.h */
    public static final short POLLHUP = 0x010;
    /** asm-generic/poll.h */
    public static final short POLLNVAL = 0x020;
    /** linux/eventpoll.h */
    public static final int EPOLLIN = 0x001;
    /** linux/eventpoll.h */
    public static final int EPOLL_CTL_ADD = 1;
    /** linux/eventpoll.h */
    public static final int EPOLL_CTL_DEL = 2;
    /** linux/sched.h: setns(2) nstype for a network namespace. */
    public static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();

    /** C {@code int}. */
    public static final ValueLayout.OfInt C_INT = (ValueLayout.OfInt) LINKER.canonicalLayouts().get("int");
    /** C {@code short}. */
    public static final ValueLayout.OfShort C_SHORT = (ValueLayout.OfShort) LINKER.canonicalLayouts().get("short");
    /** C {@code long}: 8 octets on 64-bit Linux, 4 on 32-bit ARM. */
    public static final ValueLayout C_LONG = (ValueLayout) LINKER.canonicalLayouts().get("long");
    /** C {@code size_t}. */
    public static final ValueLayout C_SIZE_T = (ValueLayout) LINKER.canonicalLayouts().get("size_t");
    /** A C pointer. */
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // One capture area per thread: the linker writes errno there during the call, so it must not be
    // shared, and allocating one per call would put garbage on every packet.
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE_LAYOUT));

    private static final MethodHandle SOCKET = downcall("socket",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT),
            MethodType.methodType(int.class, int.class, int.class, int.class));
    private static final MethodHandle ADJTIMEX = downcall("adjtimex",
            FunctionDescriptor.of(C_INT, C_POINTER),
            MethodType.methodType(int.class, MemorySegment.class));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(C_INT, C_INT),
            MethodType.methodType(int.class, int.class));
    private static final MethodHandle BIND = downcall("bind",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT),
            MethodType.methodType(int.class, int.class, MemorySegment.class, int.class));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_INT),
            MethodType.methodType(int.class, int.class, int.class, int.class, MemorySegment.class, int.class));
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER),
            MethodType.methodType(int.class, int.class, int.class, int.class, MemorySegment.class, MemorySegment.class));
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T),
            MethodType.methodType(long.class, int.class, MemorySegment.class, long.class));
    private static final MethodHandle WRITE = downcall("write",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T),
            MethodType.methodType(long.class, int.class, MemorySegment.class, long.class));
    private static final MethodHandle SENDTO = downcall("sendto",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT, C_POINTER, C_INT),
            MethodType.methodType(long.class, int.class, MemorySegment.class, long.class, int.class,
                    MemorySegment.class, int.class));
    private static final MethodHandle RECVFROM = downcall("recvfrom",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT, C_POINTER, C_POINTER),
            MethodType.methodType(long.class, int.class, MemorySegment.class, long.class, int.class,
                    MemorySegment.class, MemorySegment.class));
    private static final MethodHandle RECVMMSG = downcall("recvmmsg",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT, C_POINTER),
            MethodType.methodType(int.class, int.class, MemorySegment.class, int.class, int.class,
                    MemorySegment.class));
    private static final MethodHandle SENDMMSG = downcall("sendmmsg",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT),
            MethodType.methodType(int.class, int.class, MemorySegment.class, int.class, int.class));
    // ioctl(2) and open(2) are variadic: the linker must pass the trailing argument the way the
    // ABI passes variadic arguments, so the first variadic index is declared.
    private static final MethodHandle IOCTL = downcall("ioctl",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER),
            MethodType.methodType(int.class, int.class, long.class, MemorySegment.class),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT),
            MethodType.methodType(int.class, MemorySegment.class, int.class, int.class),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = downcall("setns",
            FunctionDescriptor.of(C_INT, C_INT, C_INT),
            MethodType.methodType(int.class, int.class, int.class));
    private static final MethodHandle POLL = downcall("poll",
            FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT),
            MethodType.methodType(int.class, MemorySegment.class, long.class, int.class));
    private static final MethodHandle EPOLL_CREATE1 = downcall("epoll_create1",
            FunctionDescriptor.of(C_INT, C_INT),
            MethodType.methodType(int.class, int.class));
    private static final MethodHandle EPOLL_CTL = downcall("epoll_ctl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER),
            MethodType.methodType(int.class, int.class, int.class, int.class, MemorySegment.class));
    private static final MethodHandle EPOLL_WAIT = downcall("epoll_wait",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT),
            MethodType.methodType(int.class, int.class, MemorySegment.class, int.class, int.class));
    private static final MethodHandle ACCESS = downcall("access",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT),
            MethodType.methodType(int.class, MemorySegment.class, int.class));
    private static final MethodHandle ISATTY = downcall("isatty",
            FunctionDescriptor.of(C_INT, C_INT),
            MethodType.methodType(int.class, int.class));
    private static final MethodHandle EVENTFD = downcall("eventfd",
            FunctionDescriptor.of(C_INT, C_INT, C_INT),
            MethodType.methodType(int.class, int.class, int.class));

    // Restricted because a wrong descriptor can crash the JVM; calling the kernel is this module's
    // purpose, and the launcher grants it (--enable-native-access / Enable-Native-Access).
    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, MethodType javaType,
                                         Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MethodHandle raw = LINKER.downcallHandle(LOOKUP.findOrThrow(name), descriptor, options);
        // The capture segment comes first; size_t, long and ssize_t become Java long (a no-op on
        // 64-bit, a widening or narrowing cast on 32-bit).
        return MethodHandles.explicitCastArguments(raw, javaType.insertParameterTypes(0, MemorySegment.class));
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static int result(int rc, MemorySegment state) {
        return rc < 0 ? -errno(state) : rc;
    }

    private static long result(long rc, MemorySegment state) {
        return rc < 0 ? -errno(state) : rc;
    }

    private static RuntimeException unexpected(Throwable t) {
        // Downcalls throw nothing checked; anything else is a linkage or memory-access bug.
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** socket(2). */
    public static int socket(int domain, int type, int protocol) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) SOCKET.invokeExact(st, domain, type, protocol), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** adjtimex(2): the clock's state (TIME_OK..TIME_ERROR), or -errno. */
    public static int adjtimex(MemorySegment timex) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) ADJTIMEX.invokeExact(st, timex), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** close(2). */
    public static int close(int fd) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) CLOSE.invokeExact(st, fd), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** bind(2). */
    public static int bind(int fd, MemorySegment address, int addressLength) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) BIND.invokeExact(st, fd, address, addressLength), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** setsockopt(2). */
    public static int setsockopt(int fd, int level, int option, MemorySegment value, int valueLength) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) SETSOCKOPT.invokeExact(st, fd, level, option, value, valueLength), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** getsockopt(2); {@code valueLength} is a socklen_t, in and out. */
    public static int getsockopt(int fd, int level, int option, MemorySegment value, MemorySegment valueLength) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) GETSOCKOPT.invokeExact(st, fd, level, option, value, valueLength), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** read(2). */
    public static long read(int fd, MemorySegment buffer, long count) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((long) READ.invokeExact(st, fd, buffer, count), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** write(2). */
    public static long write(int fd, MemorySegment buffer, long count) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((long) WRITE.invokeExact(st, fd, buffer, count), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** sendto(2). */
    public static long sendto(int fd, MemorySegment buffer, long length, int flags, MemorySegment address,
                              int addressLength) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((long) SENDTO.invokeExact(st, fd, buffer, length, flags, address, addressLength), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** recvfrom(2); {@code address} and {@code addressLength} may be {@link MemorySegment#NULL}. */
    public static long recvfrom(int fd, MemorySegment buffer, long length, int flags, MemorySegment address,
                                MemorySegment addressLength) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((long) RECVFROM.invokeExact(st, fd, buffer, length, flags, address, addressLength), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** recvmmsg(2): up to {@code count} datagrams in one call; {@code timeout} may be NULL. */
    public static int recvmmsg(int fd, MemorySegment messages, int count, int flags, MemorySegment timeout) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) RECVMMSG.invokeExact(st, fd, messages, count, flags, timeout), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * sendmmsg(2): up to {@code count} datagrams in one call; returns how many were sent (possibly
     * fewer than asked: the caller retries the rest), or -errno if the first one failed.
     */
    public static int sendmmsg(int fd, MemorySegment messages, int count, int flags) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) SENDMMSG.invokeExact(st, fd, messages, count, flags), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** ioctl(2) with a pointer argument (all the bridge's requests take one). */
    public static int ioctl(int fd, long request, MemorySegment argument) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) IOCTL.invokeExact(st, fd, request, argument), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** unistd.h: access(2)'s mode for a write. */
    public static final int W_OK = 2;

    /** access(2): 0, or {@code -errno} (EROFS on a read-only mount, whoever asks). */
    public static int access(String path, int mode) {
        MemorySegment st = CALL_STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            return result((int) ACCESS.invokeExact(st, arena.allocateFrom(path), mode), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * isatty(3): whether {@code fd} is a terminal. Java's {@code Console.isTerminal()} answers for
     * standard input and output together; a command that prints secrets must ask for its output alone.
     */
    public static boolean isatty(int fd) {
        MemorySegment st = CALL_STATE.get();
        try {
            return (int) ISATTY.invokeExact(st, fd) == 1;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** open(2) without O_CREAT. */
    public static int open(String path, int flags) {
        MemorySegment st = CALL_STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            return result((int) OPEN.invokeExact(st, arena.allocateFrom(path), flags, 0), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** setns(2): moves the calling thread into the namespace {@code fd} refers to. */
    public static int setns(int fd, int nstype) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) SETNS.invokeExact(st, fd, nstype), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** poll(2) over {@code count} {@link Structs#POLLFD} entries. */
    public static int poll(MemorySegment fds, long count, int timeoutMillis) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) POLL.invokeExact(st, fds, count, timeoutMillis), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** epoll_create1(2). */
    public static int epollCreate1(int flags) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) EPOLL_CREATE1.invokeExact(st, flags), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** epoll_ctl(2); {@code event} is one {@link Structs#EPOLL_EVENT} (may be NULL for DEL). */
    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) EPOLL_CTL.invokeExact(st, epfd, op, fd, event), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** epoll_wait(2) into {@code maxEvents} {@link Structs#EPOLL_EVENT} entries. */
    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) EPOLL_WAIT.invokeExact(st, epfd, events, maxEvents, timeoutMillis), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** eventfd(2). */
    public static int eventfd(int initialValue, int flags) {
        MemorySegment st = CALL_STATE.get();
        try {
            return result((int) EVENTFD.invokeExact(st, initialValue, flags), st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
