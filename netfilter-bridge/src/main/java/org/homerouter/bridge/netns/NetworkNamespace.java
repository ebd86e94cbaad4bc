package org.homerouter.bridge.netns;

import static org.homerouter.bridge.ffm.ErrnoException.check;

import java.io.IOException;
import java.util.concurrent.Callable;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;

/**
 * Moves the calling thread into a named network namespace (one that {@code ip netns add} made, so
 * bound at {@code /var/run/netns/NAME}) and back. setns(2) with CLONE_NEWNET changes only the
 * calling thread, and Java platform threads are kernel threads, so one JVM can have a client in one
 * namespace and a server in another: sockets, TUN devices and JDK channels live in the namespace
 * of the thread that created them, whatever thread uses them later.
 *
 * <pre>{@code
 * try (NetworkNamespace.Scope in = NetworkNamespace.enter("client")) {
 *     socket = RawGreSocket.open();
 * }
 * }</pre>
 *
 * Needs CAP_SYS_ADMIN. Not for virtual threads: they would change their carrier thread instead.
 */
public final class NetworkNamespace {
    private NetworkNamespace() {
    }

    /** Where iproute2 bind-mounts named namespaces (ip-netns(8)). */
    public static final String RUN_DIRECTORY = "/var/run/netns";

    /** The time inside a namespace; closing it returns the thread to where it was. */
    public static final class Scope implements AutoCloseable {
        private final Thread thread;
        private final int originalFd;
        private final String name;
        private boolean closed;

        private Scope(Thread thread, int originalFd, String name) {
            this.thread = thread;
            this.originalFd = originalFd;
            this.name = name;
        }

        /** The namespace entered. */
        public String name() {
            return name;
        }

        /**
         * Returns the thread to the namespace it was in before {@link #enter}. Must run on the thread
         * that entered.
         *
         * @throws IllegalStateException if called from another thread, or if the kernel refuses the
         *                               way back (the thread must then not be trusted with sockets)
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (Thread.currentThread() != thread) {
                throw new IllegalStateException("namespace scope " + name + " entered by " + thread.getName()
                        + " must be closed by it, not by " + Thread.currentThread().getName());
            }
            closed = true;
            try {
                check("setns(back from " + name + ")", LibC.setns(originalFd, LibC.CLONE_NEWNET));
            } catch (ErrnoException e) {
                throw new IllegalStateException("thread " + thread.getName() + " is stuck in namespace " + name, e);
            } finally {
                LibC.close(originalFd);
            }
        }
    }

    /**
     * Moves the calling thread into the network namespace {@code name}.
     *
     * @throws ErrnoException ENOENT if there is no such namespace, EPERM without CAP_SYS_ADMIN
     */
    public static Scope enter(String name) throws IOException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a namespace name: " + name);
        }
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            throw new IllegalStateException("setns from a virtual thread would move its carrier thread");
        }
        // The way back: this thread's own namespace (thread-self, not self: the process's main
        // thread may be elsewhere).
        int originalFd = check("open(/proc/thread-self/ns/net)",
                LibC.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC));
        String path = RUN_DIRECTORY + "/" + name;
        int targetFd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (targetFd < 0) {
            LibC.close(originalFd);
            throw new ErrnoException("open(" + path + ")", -targetFd);
        }
        try {
            int rc = LibC.setns(targetFd, LibC.CLONE_NEWNET);
            if (rc < 0) {
                LibC.close(originalFd);
                throw new ErrnoException("setns(" + name + ", CLONE_NEWNET)", -rc,
                        -rc == Errno.EPERM ? "needs CAP_SYS_ADMIN" : null);
            }
        } finally {
            LibC.close(targetFd);
        }
        return new Scope(thread, originalFd, name);
    }

    /** Runs {@code action} on the calling thread inside namespace {@code name}, then returns. */
    public static <T> T call(String name, Callable<T> action) throws Exception {
        Scope scope = enter(name);
        try {
            return action.call();
        } finally {
            scope.close();
        }
    }
}
