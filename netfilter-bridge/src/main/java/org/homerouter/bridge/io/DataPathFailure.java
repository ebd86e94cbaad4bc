package org.homerouter.bridge.io;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a data-path thread that stops for good (an event loop, the passthrough ALG's queue reader)
 * reports it: what it served then passes nothing while everything else looks up. The service sets
 * the action to exit, so that systemd brings it back whole (as -XX:+ExitOnOutOfMemoryError does
 * for that one Error); tests and tools leave it doing nothing but the log line.
 */
public final class DataPathFailure {
    private static final Logger LOG = LoggerFactory.getLogger(DataPathFailure.class);
    private static volatile Consumer<String> action = what -> { };

    private DataPathFailure() {
    }

    /** Sets what happens when a data-path thread stops unexpectedly; it is told which one. */
    public static void onFailure(Consumer<String> whatToDo) {
        action = whatToDo;
    }

    /** A data-path thread stopped for a reason other than its orderly close. */
    public static void report(String what) {
        try {
            action.accept(what);
        } catch (RuntimeException e) {
            LOG.warn("{}: the failure action failed", what, e);
        }
    }
}
