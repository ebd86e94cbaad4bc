package org.homerouter.bridge.ffm;

import java.util.HashMap;
import java.util.Map;

/**
 * Names and texts for the errno values the bridge meets. The numbers are the generic Linux ones
 * (include/uapi/asm-generic/errno-base.h and errno.h), which x86_64, arm64 and armhf all use. The
 * texts follow glibc's strerror, in lower case so they read well after "call: ".
 */
public final class Errno {
    private Errno() {
    }

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    /** A write to a read-only file system. */
    public static final int EROFS = 30;
    public static final int EMSGSIZE = 90;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETUNREACH = 101;
    public static final int ENOBUFS = 105;
    public static final int EHOSTUNREACH = 113;

    private record Entry(String name, String text) {
    }

    private static final Map<Integer, Entry> ENTRIES = new HashMap<>();

    static {
        add(EPERM, "EPERM", "operation not permitted");
        add(ENOENT, "ENOENT", "no such file or directory");
        add(3, "ESRCH", "no such process");
        add(EINTR, "EINTR", "interrupted system call");
        add(5, "EIO", "input/output error");
        add(ENXIO, "ENXIO", "no such device or address");
        add(EBADF, "EBADF", "bad file descriptor");
        add(EAGAIN, "EAGAIN", "resource temporarily unavailable");
        add(12, "ENOMEM", "cannot allocate memory");
        add(EACCES, "EACCES", "permission denied");
        add(14, "EFAULT", "bad address");
        add(16, "EBUSY", "device or resource busy");
        add(EEXIST, "EEXIST", "file exists");
        add(ENODEV, "ENODEV", "no such device");
        add(20, "ENOTDIR", "not a directory");
        add(EINVAL, "EINVAL", "invalid argument");
        add(23, "ENFILE", "too many open files in system");
        add(24, "EMFILE", "too many open files");
        add(25, "ENOTTY", "inappropriate ioctl for device");
        add(28, "ENOSPC", "no space left on device");
        add(32, "EPIPE", "broken pipe");
        add(38, "ENOSYS", "function not implemented");
        add(77, "EBADFD", "file descriptor in bad state");
        add(88, "ENOTSOCK", "socket operation on non-socket");
        add(EMSGSIZE, "EMSGSIZE", "message too long");
        add(93, "EPROTONOSUPPORT", "protocol not supported");
        add(95, "EOPNOTSUPP", "operation not supported");
        add(97, "EAFNOSUPPORT", "address family not supported by protocol");
        add(98, "EADDRINUSE", "address already in use");
        add(EADDRNOTAVAIL, "EADDRNOTAVAIL", "cannot assign requested address");
        add(100, "ENETDOWN", "network is down");
        add(ENETUNREACH, "ENETUNREACH", "network is unreachable");
        add(ENOBUFS, "ENOBUFS", "no buffer space available");
        add(107, "ENOTCONN", "transport endpoint is not connected");
        add(110, "ETIMEDOUT", "connection timed out");
        add(111, "ECONNREFUSED", "connection refused");
        add(EHOSTUNREACH, "EHOSTUNREACH", "no route to host");
    }

    private static void add(int errno, String name, String text) {
        ENTRIES.put(errno, new Entry(name, text));
    }

    /** The symbolic name, e.g. "EPERM", or "errno 42" for one not in the table. */
    public static String name(int errno) {
        Entry e = ENTRIES.get(errno);
        return e != null ? e.name : "errno " + errno;
    }

    /** The strerror-like text, e.g. "operation not permitted", or "error 42" for one not in the table. */
    public static String text(int errno) {
        Entry e = ENTRIES.get(errno);
        return e != null ? e.text : "error " + errno;
    }

    /**
     * What went wrong, for a person: the text, plus what to do where that is clear. EPERM from the
     * network calls the bridge makes (raw socket, TUNSETIFF, interface ioctls) means a missing
     * capability, so it says which; {@link #PERMISSION_HINT} is that advice.
     */
    public static String describe(int errno) {
        return errno == EPERM ? text(errno) + " (" + PERMISSION_HINT + ")" : text(errno);
    }

    /** The advice that goes with EPERM from the bridge's network calls. */
    public static final String PERMISSION_HINT = "needs CAP_NET_RAW/CAP_NET_ADMIN";
}
