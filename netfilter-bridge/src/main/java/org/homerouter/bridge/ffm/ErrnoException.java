package org.homerouter.bridge.ffm;

import java.io.IOException;

/**
 * A C library call failed: names the call (with the arguments that matter) and the errno, e.g.
 * {@code socket(AF_INET, SOCK_RAW, IPPROTO_GRE): operation not permitted (needs
 * CAP_NET_RAW/CAP_NET_ADMIN) [EPERM]}.
 */
public final class ErrnoException extends IOException {
    private final String call;
    private final int errno;

    /** For the network calls: EPERM gets {@link Errno#PERMISSION_HINT}. */
    public ErrnoException(String call, int errno) {
        this(call, errno, errno == Errno.EPERM ? Errno.PERMISSION_HINT : null);
    }

    /** With the caller's own advice (null: none), e.g. "needs CAP_SYS_ADMIN" for setns. */
    public ErrnoException(String call, int errno, String hint) {
        super(call + ": " + Errno.text(errno) + (hint == null ? "" : " (" + hint + ")")
                + " [" + Errno.name(errno) + "]");
        this.call = call;
        this.errno = errno;
    }

    /** The failed call as the message names it. */
    public String call() {
        return call;
    }

    /** The errno value (positive). */
    public int errno() {
        return errno;
    }

    /**
     * Returns {@code result} when it is not negative; otherwise throws for errno {@code -result}, the
     * convention of {@link LibC}'s methods.
     */
    public static long check(String call, long result) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(call, (int) -result);
        }
        return result;
    }

    /** {@link #check(String, long)} for int results. */
    public static int check(String call, int result) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(call, -result);
        }
        return result;
    }
}
