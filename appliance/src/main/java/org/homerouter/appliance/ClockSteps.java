package org.homerouter.appliance;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the event log where the wall clock jumped. A board without a battery clock boots with a
 * stale clock and steps it, by months or years, when its time server first answers (an admin may
 * also set it by hand). Every timer here counts monotonic time, but the event log and the session
 * history carry wall-clock times: without a line at the step, the Logs page's times jump, or go
 * backwards, with nothing to say why.
 *
 * <p>At each check the wall clock's advance since the last check is compared with the monotonic
 * clock's; a difference over {@link #THRESHOLD} is a step (a time client's slewing is at most
 * 0.5 ms a second, far below). Each check starts afresh from its own readings, so small drifts
 * never add up to a step. A suspended machine looks the same (the monotonic clock does not count
 * a suspend, the wall clock does), so the line says by how much the clock moved, not who was
 * wrong. A clock set back and forth at every check writes one line at once and then at most one
 * per {@link #QUIET}, the later ones counting the steps in between.
 */
final class ClockSteps implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClockSteps.class);
    /** Over a 10 s check a time client's slewing moves the clock by 5 ms: a minute is a step. */
    static final Duration THRESHOLD = Duration.ofMinutes(1);
    static final Duration PERIOD = Duration.ofSeconds(10);
    /** After a line about a step, the least time before the next. */
    static final Duration QUIET = Duration.ofMinutes(10);
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

    private final LongSupplier wallMillis;
    private final LongSupplier nanos;
    private final DateTimeFormatter when;
    private final Consumer<String> events;
    private long lastWallMillis;
    private long lastNanos;
    /** Whether a line was written yet, and when ({@link #nanos}). */
    private boolean logged;
    private long loggedNanos;
    /** Steps since the last line, not logged one by one, and what they add up to. */
    private int unlogged;
    private long unloggedMillis;
    private ScheduledFuture<?> task;
    /** Set by {@link #close}: a check waiting for the monitor then writes nothing (the store is closing). */
    private boolean closed;
    /** Whether the clock is known not to be set by a time server (adjtimex's STA_UNSYNC): false where unknown. */
    private final BooleanSupplier unset;
    /** What {@link #unset} said at the last check (or at the start). */
    private boolean wasUnset;
    /** Moves this run's rows written before a forward step of an unset clock by the step; how many moved. */
    private final Restamp restamp;

    /** Moves the rows this run wrote before a step, stamped {@code oldUpToMs} at the latest, by {@code stepMs}. */
    @FunctionalInterface
    interface Restamp {
        int rows(long oldUpToMs, long stepMs) throws Exception;

        Restamp NONE = (upTo, step) -> 0;
    }

    /**
     * @param wallMillis {@link System#currentTimeMillis()}: the clock the event log's times come from
     * @param nanos      {@link System#nanoTime()}
     * @param zone       the zone of the times in the line (UTC on the router: {@link #system})
     * @param events     where a line goes (the event log, as "service")
     */
    ClockSteps(LongSupplier wallMillis, LongSupplier nanos, ZoneId zone, Consumer<String> events) {
        this(wallMillis, nanos, zone, events, () -> false, Restamp.NONE);
    }

    /**
     * @param unset   whether the clock is known not to be set by a time server yet
     * @param restamp where a forward step from an unset clock moves this run's earlier rows
     */
    ClockSteps(LongSupplier wallMillis, LongSupplier nanos, ZoneId zone, Consumer<String> events, BooleanSupplier unset,
               Restamp restamp) {
        this.unset = unset;
        this.restamp = restamp;
        this.wasUnset = unset.getAsBoolean();
        this.wallMillis = wallMillis;
        this.nanos = nanos;
        this.when = WHEN.withZone(zone);
        this.events = events;
        this.lastWallMillis = wallMillis.getAsLong();
        this.lastNanos = nanos.getAsLong();
    }

    /**
     * This machine's clocks, to the event log; its times in UTC, as the pages write every time
     * without script. A forward step of a clock the kernel says no time server set moves this
     * run's earlier rows along ({@link org.homerouter.appliance.store.ApplianceStore#restampThisRun}).
     */
    static ClockSteps system(Consumer<String> events, Restamp restamp) {
        return new ClockSteps(System::currentTimeMillis, System::nanoTime, java.time.ZoneOffset.UTC, events,
                () -> org.homerouter.bridge.ClockState.synchronizedByTimeServer().map(set -> !set).orElse(false), restamp);
    }

    /** Checks every {@link #PERIOD} on {@code timer} (the appliance's housekeeping thread), until {@link #close}. */
    synchronized void start(ScheduledExecutorService timer) {
        // With a fixed delay, not rate: after a suspend no burst of checks catches up.
        task = timer.scheduleWithFixedDelay(Guarded.task("checking the clock for steps", this::check),
                PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads both clocks and writes a line if the wall clock jumped since the last check. */
    synchronized void check() {
        if (closed) {
            return;
        }
        long wall = wallMillis.getAsLong();
        long now = nanos.getAsLong();
        long expected = lastWallMillis + (now - lastNanos) / 1_000_000;
        long stepMillis = wall - expected;
        lastWallMillis = wall;
        lastNanos = now;
        boolean step = Math.abs(stepMillis) > THRESHOLD.toMillis();
        boolean fromUnset = wasUnset && stepMillis > 0;
        wasUnset = unset.getAsBoolean();
        String moved = "";
        if (step && fromUnset) {
            // The clock read wrong until now (not set by anyone: a board's saved or built-in
            // time); a suspend cannot be told from a step, but a suspended clock was set before.
            // The rows written before stepped times come after them: at most `expected`.
            try {
                int n = restamp.rows(expected, stepMillis);
                moved = "; the clock had not been set, and the " + n + (n == 1 ? " entry" : " entries")
                        + " this service wrote before it were moved forward with it";
            } catch (Exception e) {
                LOG.warn("the entries written before the clock was set could not be moved with it: {}", e.toString());
            }
        }
        boolean quiet = logged && now - loggedNanos < QUIET.toNanos();
        if (step && quiet) {
            unlogged++;
            unloggedMillis += stepMillis;
            LOG.info("the clock jumped {} by {} (from {} to {}); logged with the next line about the clock",
                    stepMillis > 0 ? "forward" : "back", amount(stepMillis), when.format(Instant.ofEpochMilli(expected)),
                    when.format(Instant.ofEpochMilli(wall)));
            return;
        }
        if (step) {
            write(stepLine(stepMillis, expected, wall, !moved.isEmpty()) + moved + pending(), now);
        } else if (!quiet && unlogged > 0) {
            write(summary(wall), now);
        }
    }

    private void write(String line, long now) {
        logged = true;
        loggedNanos = now;
        unlogged = 0;
        unloggedMillis = 0;
        LOG.warn("{}", line);
        events.accept(line);
    }

    private String stepLine(long stepMillis, long expected, long wall, boolean restamped) {
        String fromTo = " (from " + when.format(Instant.ofEpochMilli(expected)) + " to "
                + when.format(Instant.ofEpochMilli(wall)) + ")";
        if (stepMillis > 0 && restamped) {
            return "the clock jumped forward by " + amount(stepMillis) + " against the time elapsed" + fromTo
                    + ": a time server or someone set it";
        }
        if (stepMillis > 0) {
            return "the clock jumped forward by " + amount(stepMillis) + " against the time elapsed" + fromTo
                    + ": a time server or someone set it, or the machine was suspended; if it was set, events before"
                    + " this line carry the old clock's times";
        }
        return "the clock jumped back by " + amount(stepMillis) + " against the time elapsed" + fromTo
                + ": a time server or someone set it; events before this line carry the old clock's times, so the"
                + " times go back here";
    }

    /** " (before it, ...)" when earlier steps went unlogged, else "". */
    private String pending() {
        return unlogged == 0 ? "" : " (before it, " + unlogged + " more " + (unlogged == 1 ? "jump" : "jumps")
                + " of the clock, not logged one by one: " + net(unloggedMillis) + ")";
    }

    private String summary(long wall) {
        return "the clock jumped " + unlogged + " more " + (unlogged == 1 ? "time" : "times")
                + " since the last line about it, not logged one by one (" + net(unloggedMillis)
                + "): it now reads " + when.format(Instant.ofEpochMilli(wall));
    }

    private static String net(long millis) {
        if (Math.abs(millis) < 1000) {
            return "back where it was, in all";
        }
        return (millis > 0 ? "forward by " : "back by ") + amount(millis) + " in all";
    }

    /** "93 days 4 h", "5 h 12 min", "3 min 20 s", "45 s": the two largest units that matter. */
    static String amount(long millis) {
        long s = Math.abs(millis) / 1000;
        long days = s / 86_400;
        long hours = s % 86_400 / 3600;
        long minutes = s % 3600 / 60;
        long seconds = s % 60;
        if (days > 0) {
            return days + (days == 1 ? " day" : " days") + (hours > 0 ? " " + hours + " h" : "");
        }
        if (hours > 0) {
            return hours + " h" + (minutes > 0 ? " " + minutes + " min" : "");
        }
        if (minutes > 0) {
            return minutes + " min" + (seconds > 0 ? " " + seconds + " s" : "");
        }
        return seconds + " s";
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (task != null) {
            task.cancel(false);
        }
    }
}
