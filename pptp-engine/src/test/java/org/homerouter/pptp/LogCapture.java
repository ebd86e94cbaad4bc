package org.homerouter.pptp;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The lines the engine logs while a test holds this open, each as "LEVEL text" (with " + stack"
 * where a throwable came along), from any thread; {@link CapturingLogProvider} is the tests' SLF4J
 * provider. With none open every level is off, as with no provider at all.
 */
public final class LogCapture implements AutoCloseable {
    static volatile List<String> open;

    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LogCapture() {
    }

    public static LogCapture start() {
        LogCapture c = new LogCapture();
        open = c.lines;
        return c;
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Forgets the lines so far. */
    public void clear() {
        lines.clear();
    }

    @Override
    public void close() {
        open = null;
    }
}
