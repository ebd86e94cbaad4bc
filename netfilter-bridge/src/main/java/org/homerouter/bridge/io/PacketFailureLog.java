package org.homerouter.bridge.io;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import org.homerouter.pptp.LogLimit;
import org.slf4j.Logger;

/**
 * The warning for a failure that can repeat on every packet (a receiver or sink that throws): within
 * a {@link LogLimit} budget, and with its stack trace only the first time. Written once per packet,
 * a bug that threw on every packet wrote thousands of stack traces a second from the data path's
 * thread, which then spent its time in the logger instead of moving packets, and the journal's rate
 * limit dropped the service's other messages with them. The first trace says where it is; the rest
 * say only that it goes on, and how often. Thread-safe.
 */
public final class PacketFailureLog {
    private final LogLimit budget = new LogLimit();
    private final AtomicBoolean traced = new AtomicBoolean();

    /** Warns, if the budget allows, with {@code format} and {@code args} as slf4j takes them and then the failure. */
    public void warn(Logger log, Throwable failure, String format, Object... args) {
        String note = budget.admit();
        if (note == null) {
            return;
        }
        Object[] all = Arrays.copyOf(args, args.length + 2);
        if (traced.compareAndSet(false, true)) {
            all[args.length] = note;
            all[args.length + 1] = failure; // the last argument, unused by the format: slf4j prints its trace
            log.warn(format + "{}", all);
        } else {
            all[args.length] = failure.toString();
            all[args.length + 1] = note;
            log.warn(format + ": {}{}", all);
        }
    }
}
