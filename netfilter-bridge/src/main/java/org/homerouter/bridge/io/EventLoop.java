package org.homerouter.bridge.io;

import static org.homerouter.bridge.ffm.ErrnoException.check;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.ffm.Structs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread that waits in epoll_wait(2) (level-triggered) on the fds registered with it
 * and calls each ready fd's {@link Handler} in turn, plus tasks handed to it with {@link #execute}.
 *
 * <p>Why one thread for the raw GRE socket and the TUN devices together: a tunnel's traffic goes
 * both ways. A received data packet written into a TUN device makes the OS's TCP answer at once
 * (an acknowledgement, queued on the same device), and a received acknowledgement makes it send
 * more data. With a thread per fd, every such answer woke the other thread, and on the 2-core
 * virtual machine this was measured on, the wake-ups (scheduler, inter-processor interrupts, the
 * paravirtual interrupt re-enable) cost about a third of a core at 1 Gbit/s. On one loop the
 * answer is simply ready at the next epoll_wait, which returns without sleeping.
 *
 * <p>A handler must do a bounded amount of work per call (one receive batch, a few device reads)
 * and leave the rest for its next turn: epoll reports the fd again, and the other fds get their
 * turn in between. Handlers run on the loop thread only, one at a time.
 *
 * <p>The epoll data of each registration is the fd; an fd-indexed table maps it to its handler. An
 * fd number reused by a new registration after an old one went away finds the new handler, which
 * then reads its own (non-blocking) fd and at worst finds nothing: a stale event can never reach
 * the wrong owner.
 */
public final class EventLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
    private static final int MAX_EVENTS = 64;
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Called on the loop thread when the fd it was registered for is readable. */
    @FunctionalInterface
    public interface Handler {
        void ready();
    }

    private final String name;
    private final int epollFd;
    private final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment control;
    private final MemorySegment counter;
    private final MemorySegment wakeValue;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Object registry = new Object();
    /** A handler that throws throws again at its fd's next readiness, for every packet: within a budget. */
    private final PacketFailureLog handlerFailed = new PacketFailureLog();
    // Copied on every change (registration is rare, lookups are per event) and published through
    // the volatile, so the loop never locks.
    private volatile Handler[] byFd = new Handler[0];
    private volatile boolean closed;
    // Set under the registry lock once the loop has run its last tasks: later ones run in the caller.
    private boolean stopped;
    private boolean released;
    private Thread thread;


    private EventLoop(String name, int epollFd, int wakeFd) {
        this.name = name;
        this.epollFd = epollFd;
        this.wakeFd = wakeFd;
        events = arena.allocate(Structs.EPOLL_EVENT, MAX_EVENTS);
        control = arena.allocate(Structs.EPOLL_EVENT);
        counter = arena.allocate(ValueLayout.JAVA_LONG);
        wakeValue = arena.allocate(ValueLayout.JAVA_LONG);
        wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    /** Starts a loop on a new daemon thread named {@code name}. */
    public static EventLoop start(String name) throws IOException {
        int epollFd = check("epoll_create1", LibC.epollCreate1(LibC.EPOLL_CLOEXEC));
        int wakeFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wakeFd < 0) {
            LibC.close(epollFd);
            throw new ErrnoException("eventfd", -wakeFd);
        }
        EventLoop loop;
        try {
            loop = new EventLoop(name, epollFd, wakeFd);
        } catch (RuntimeException | Error e) {
            LibC.close(wakeFd);
            LibC.close(epollFd);
            throw e;
        }
        try {
            loop.add(wakeFd);
            // A thread that cannot start (the process's limit reached) leaves nothing open behind it.
            loop.thread = Thread.ofPlatform().daemon().name(name).start(loop::run);
        } catch (ErrnoException | RuntimeException | Error e) {
            loop.release();
            throw e;
        }
        return loop;
    }

    /** Calls {@code handler} on the loop thread whenever {@code fd} is readable, until {@link #unregister}. */
    public void register(int fd, Handler handler) throws IOException {
        synchronized (registry) {
            if (closed) {
                throw new IOException("event loop " + name + " is closed");
            }
            Handler[] table = Arrays.copyOf(byFd, Math.max(byFd.length, Integer.highestOneBit(fd | 1) << 1));
            table[fd] = handler;
            byFd = table;
            try {
                add(fd);
            } catch (ErrnoException e) {
                table = byFd.clone();
                table[fd] = null;
                byFd = table;
                throw e;
            }
        }
    }

    /**
     * Stops watching {@code fd}; call before the fd is closed. The handler may still be running on
     * the loop thread (it is not called again after that call): {@link #awaitTurn} waits for it.
     */
    public void unregister(int fd) {
        synchronized (registry) {
            if (!released) {
                LibC.epollCtl(epollFd, LibC.EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            }
            if (fd < byFd.length && byFd[fd] != null) {
                Handler[] table = byFd.clone();
                table[fd] = null;
                byFd = table;
            }
        }
    }

    /**
     * Runs {@code task} on the loop thread after the handlers of the current turn; once the loop
     * has stopped, at once in the caller. Either way it runs after any handler call in progress,
     * so it may free what the handlers use.
     */
    public void execute(Runnable task) {
        synchronized (registry) {
            if (!stopped) {
                tasks.add(task);
                if (!inLoop()) {
                    LibC.write(wakeFd, wakeValue, 8);
                }
                return;
            }
        }
        task.run();
    }

    /** Whether the caller is the loop thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The loop thread's name. */
    public String name() {
        return name;
    }

    /**
     * Waits, on another thread, until the loop has finished the turn it is in (returns at once on
     * the loop thread). Do not hold a lock a handler may take.
     */
    public void awaitTurn() {
        if (inLoop()) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        execute(done::countDown);
        try {
            if (!done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("event loop {}: a handler has been running for over {}", name, WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void add(int fd) throws ErrnoException {
        control.set(ValueLayout.JAVA_INT, 0, LibC.EPOLLIN);
        control.set(ValueLayout.JAVA_LONG_UNALIGNED, Structs.EPOLL_EVENT_DATA, fd);
        check("epoll_ctl(ADD, " + fd + ")", LibC.epollCtl(epollFd, LibC.EPOLL_CTL_ADD, fd, control));
    }

    private void run() {
        long eventSize = Structs.EPOLL_EVENT.byteSize();
        try {
            while (!closed) {
                int n = LibC.epollWait(epollFd, events, MAX_EVENTS, tasks.isEmpty() ? -1 : 0);
                if (n == -Errno.EINTR) {
                    continue;
                }
                check("epoll_wait", n);
                for (int i = 0; i < n && !closed; i++) {
                    int fd = (int) events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * eventSize + Structs.EPOLL_EVENT_DATA);
                    if (fd == wakeFd) {
                        LibC.read(wakeFd, counter, 8);
                        continue;
                    }
                    Handler[] table = byFd;
                    Handler handler = fd < table.length ? table[fd] : null;
                    if (handler != null) {
                        try {
                            handler.ready();
                        } catch (RuntimeException e) {
                            handlerFailed.warn(LOG, e, "{}: handler of fd {} failed", name, fd);
                        }
                    }
                }
                runTasks();
            }
        } catch (IOException | RuntimeException | Error e) {
            // An Error too (the service runs with -XX:+ExitOnOutOfMemoryError, so not that one):
            // the loop is gone either way, and the log must say so rather than stderr alone.
            if (!closed) {
                LOG.error("event loop {} stopped; its sockets and devices receive nothing any more", name, e);
                DataPathFailure.report("event loop " + name);
            }
        } finally {
            closed = true;
            synchronized (registry) {
                stopped = true;
            }
            runTasks(); // those queued before the stop: releases, and waiters of awaitTurn
            release();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: task failed", name, e);
            }
        }
    }

    /** Stops the thread and releases the epoll and event fds; unregister the fds first. */
    @Override
    public void close() {
        synchronized (registry) {
            if (closed || released) {
                return;
            }
            closed = true;
            LibC.write(wakeFd, wakeValue, 8);
        }
        if (!inLoop()) {
            try {
                if (!thread.join(WAIT)) {
                    LOG.warn("event loop {} did not stop within {}", name, WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void release() {
        synchronized (registry) {
            if (released) {
                return;
            }
            released = true;
            stopped = true;
            LibC.close(epollFd);
            LibC.close(wakeFd);
            arena.close();
        }
    }
}
