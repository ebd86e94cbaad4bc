package org.homerouter.appliance;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.simple.SimpleLogger;
import org.slf4j.simple.SimpleLoggerFactory;
import org.slf4j.simple.SimpleServiceProvider;

/**
 * The service's log lines with their severity for journald: each line starts with its syslog
 * priority ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug), which
 * journald takes off and keeps as the entry's priority (systemd.exec(5), SyslogLevelPrefix=, on by
 * default). slf4j-simple's plain lines were all priority 6: {@code journalctl -p warning -u
 * homerouter} showed nothing, however much went wrong, and a stack trace's lines were info. Only
 * for the service under systemd ({@code JOURNAL_STREAM} set, systemd.exec(5)); journald stamps
 * each entry, so the line's own time is left out there. slf4j-simple does everything else
 * (levels, properties file); this only adds the prefix.
 */
public final class JournalLogging {
    private JournalLogging() {
    }

    /** For {@code command} ("run": the service), logs through {@link Provider} when its output is the journal. */
    static void useIfJournal(String command, String journalStream) {
        String stderr;
        try {
            stderr = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return; // not Linux's /proc: no journal either
        }
        if ("run".equals(command) && isJournal(journalStream, stderr)) {
            System.setProperty("slf4j.provider", Provider.class.getName());
            // Else SLF4J says at every start, unprefixed, that it loads the provider named here.
            System.setProperty("slf4j.internal.verbosity", "WARN");
            System.setProperty("org.slf4j.simpleLogger.showDateTime", "false");
            // The level leads the line ("<4>WARN ..."): journald reads the prefix at its start only.
            System.setProperty("org.slf4j.simpleLogger.levelInBrackets", "false");
            System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        }
    }

    /**
     * Whether standard error ({@code fd2}, what /proc/self/fd/2 links to: "socket:[1234]") is the
     * stream {@code JOURNAL_STREAM} names ("DEVICE:INODE"), as systemd.exec(5) says to check: the
     * variable is inherited by whatever a unit starts (a cron job, a test runner), whose output may
     * be a file, which then got "<6>" on every line and no times.
     */
    static boolean isJournal(String journalStream, String fd2) {
        if (journalStream == null || fd2 == null) {
            return false;
        }
        int colon = journalStream.indexOf(':');
        int open = fd2.indexOf(":[");
        return colon > 0 && open > 0 && fd2.endsWith("]")
                && fd2.substring(open + 2, fd2.length() - 1).equals(journalStream.substring(colon + 1));
    }

    /** syslog(3)'s priority for an SLF4J level (LocationAwareLogger's numbers). */
    static int priority(int level) {
        return level >= 40 ? 3 : level >= 30 ? 4 : level >= 20 ? 6 : 7;
    }

    /** Named by {@code slf4j.provider}: slf4j-simple's, its loggers {@link PrefixedLogger}s. */
    public static final class Provider extends SimpleServiceProvider {
        private ILoggerFactory factory;

        @Override
        public void initialize() {
            super.initialize();
            factory = new SimpleLoggerFactory() {
                @Override
                protected Logger createLogger(String name) {
                    return new PrefixedLogger(name);
                }
            };
        }

        @Override
        public ILoggerFactory getLoggerFactory() {
            return factory;
        }
    }

    /** slf4j-simple's logger, its level rendered with the priority before it. */
    static final class PrefixedLogger extends SimpleLogger {
        /** The priority of the line being written, for its stack trace's lines (written after it, on its thread). */
        private static final ThreadLocal<String> PREFIX = ThreadLocal.withInitial(() -> "<6>");

        PrefixedLogger(String name) {
            super(name);
        }

        /**
         * A message of several lines (the watchdog's thread dump) is an entry per line in the
         * journal: each of its lines gets the prefix too, or all but the first were info.
         */
        @Override
        protected void handleNormalizedLoggingCall(org.slf4j.event.Level level, org.slf4j.Marker marker,
                                                   String pattern, Object[] arguments, Throwable throwable) {
            String message = org.slf4j.helpers.MessageFormatter.basicArrayFormat(pattern, arguments);
            if (message != null && message.indexOf('\n') >= 0) {
                super.handleNormalizedLoggingCall(level, marker, message.replace("\n", "\n<"
                        + priority(level.toInt()) + ">"), null, throwable);
            } else {
                super.handleNormalizedLoggingCall(level, marker, pattern, arguments, throwable);
            }
        }

        @Override
        protected String renderLevel(int level) {
            String prefix = "<" + priority(level) + ">";
            PREFIX.set(prefix);
            return prefix + super.renderLevel(level);
        }

        /** Each line of a stack trace is an entry of its own in the journal: each at the line's priority. */
        @Override
        protected void writeThrowable(Throwable t, PrintStream out) {
            if (t == null) {
                return;
            }
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            String prefix = PREFIX.get();
            for (String line : trace.toString().split("\\R")) {
                out.println(prefix + line);
            }
        }
    }
}
