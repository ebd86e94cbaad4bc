package org.homerouter.bridge.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.homerouter.bridge.ffm.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop with eventfds as the watched fds: no privileges needed. */
class EventLoopTest {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
    private final MemorySegment drained = arena.allocate(ValueLayout.JAVA_LONG);
    private final List<Integer> fds = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeFds() {
        fds.forEach(LibC::close);
        arena.close();
    }

    @Test
    void aReadableFdCallsItsHandlerOnTheLoopThreadUntilUnregistered() throws Exception {
        int fd = eventFd();
        AtomicInteger calls = new AtomicInteger();
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch first = new CountDownLatch(1);
        try (EventLoop loop = EventLoop.start("loop-test")) {
            loop.register(fd, () -> {
                threads.add(Thread.currentThread().getName());
                LibC.read(fd, drained, 8); // level-triggered: drain, or it is called again at once
                calls.incrementAndGet();
                first.countDown();
            });
            signal(fd);
            assertTrue(first.await(5, TimeUnit.SECONDS), "handler called");
            assertEquals(List.of("loop-test"), threads);

            loop.unregister(fd);
            loop.awaitTurn();
            int before = calls.get();
            signal(fd);
            CountDownLatch turn = new CountDownLatch(1);
            loop.execute(turn::countDown);
            assertTrue(turn.await(5, TimeUnit.SECONDS));
            Thread.sleep(50);
            assertEquals(before, calls.get(), "no call after unregister");
        }
    }

    @Test
    void tasksRunInOrderOnTheLoopAndAfterItStoppedInTheCaller() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        EventLoop loop = EventLoop.start("loop-tasks");
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> ran.add("1 " + loop.inLoop()));
        loop.execute(() -> ran.add("2 " + Thread.currentThread().getName()));
        loop.execute(done::countDown);
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("1 true", "2 loop-tasks"), ran);
        assertFalse(loop.inLoop());

        loop.close();
        loop.execute(() -> ran.add("after close on " + Thread.currentThread().getName()));
        assertEquals("after close on " + Thread.currentThread().getName(), ran.get(2));
        loop.awaitTurn(); // returns at once: nothing left to wait for
        IOException e = assertThrows(IOException.class, () -> loop.register(eventFd(), () -> { }));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void aFailingHandlerIsLoggedAndTheOtherFdsAreStillServed() throws Exception {
        int bad = eventFd();
        int good = eventFd();
        BlockingQueue<Integer> served = new LinkedBlockingQueue<>();
        AtomicInteger failures = new AtomicInteger();
        try (EventLoop loop = EventLoop.start("loop-failing")) {
            loop.register(bad, () -> {
                LibC.read(bad, drained, 8);
                failures.incrementAndGet();
                throw new IllegalStateException("broken sink");
            });
            loop.register(good, () -> {
                LibC.read(good, drained, 8);
                served.add(1);
            });
            for (int i = 0; i < 3; i++) {
                // One at a time: an eventfd read takes every signal since the last one.
                signal(bad);
                signal(good);
                assertEquals(1, served.poll(5, TimeUnit.SECONDS), "round " + i + ": the good fd served");
            }
            assertTrue(failures.get() >= 1);
        }
    }

    /**
     * A handler that throws on every readiness (a receiver with a bug that every packet reaches):
     * the log gets a few lines and one stack trace, not one per packet. Each used to write a stack
     * trace, thousands a second, from the thread that moves every session's packets.
     */
    @Test
    void aHandlerThatFailsOnEveryPacketIsLoggedWithinABudgetWithOneStackTrace() throws Exception {
        int fd = eventFd();
        int failures = 2000;
        CountDownLatch failed = new CountDownLatch(failures);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (EventLoop loop = EventLoop.start("loop-flood")) {
            loop.register(fd, () -> {
                failed.countDown();
                throw new IllegalStateException("broken on every packet"); // never drained: ready again at once
            });
            signal(fd);
            assertTrue(failed.await(30, TimeUnit.SECONDS), "the handler kept being called");
            loop.unregister(fd);
            loop.awaitTurn();
        } finally {
            System.setErr(err);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        long warnings = lines.stream().filter(l -> l.contains("loop-flood: handler of fd")).count();
        long traces = lines.stream().filter(l -> l.startsWith("java.lang.IllegalStateException: broken on every packet"))
                .count();
        assertTrue(warnings >= 1 && warnings <= 30, warnings + " warnings for " + failures + " failures");
        assertEquals(1, traces, "stack traces");
        assertTrue(lines.stream().filter(l -> l.contains("loop-flood: handler of fd")).skip(1)
                .allMatch(l -> l.contains("java.lang.IllegalStateException: broken on every packet")),
                "the later lines still say what failed");
    }

    @Test
    void aHandlerMayCloseItsLoop() throws Exception {
        int fd = eventFd();
        EventLoop loop = EventLoop.start("loop-self-close");
        CountDownLatch released = new CountDownLatch(1);
        loop.register(fd, () -> {
            LibC.read(fd, drained, 8);
            loop.unregister(fd);
            loop.execute(released::countDown); // runs once this turn is over, before the loop ends
            loop.close();
        });
        signal(fd);
        assertTrue(released.await(5, TimeUnit.SECONDS), "the task queued by the closing handler ran");
        loop.close(); // again, from outside: returns
    }

    @Test
    void aLoopKilledByAnErrorSaysSoAndAClosedOneDoesNot() throws Exception {
        BlockingQueue<String> stopped = new LinkedBlockingQueue<>();
        DataPathFailure.onFailure(stopped::add);
        try {
            int fd = eventFd();
            try (EventLoop loop = EventLoop.start("loop-error")) {
                loop.register(fd, () -> {
                    throw new AssertionError("a bug in a handler");
                });
                signal(fd);
                assertEquals("event loop loop-error", stopped.poll(5, TimeUnit.SECONDS), "the service is told, to restart");
            }
            try (EventLoop loop = EventLoop.start("loop-closed")) {
                loop.awaitTurn();
            }
            assertEquals(null, stopped.poll(200, TimeUnit.MILLISECONDS), "an orderly close is not unexpected");
        } finally {
            DataPathFailure.onFailure(what -> { });
        }
    }

    private int eventFd() {
        int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        assertTrue(fd >= 0, "eventfd: " + fd);
        fds.add(fd);
        return fd;
    }

    private void signal(int fd) {
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        assertEquals(8L, LibC.write(fd, one, 8));
    }
}
