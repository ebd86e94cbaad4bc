package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service under systemd writes each line with its syslog priority first, which journald keeps
 * as the entry's priority: {@code journalctl -p warning} finds the warnings and errors, a stack
 * trace's lines included. (In a JVM of its own: SLF4J picks its provider once per process.)
 */
class JournalLoggingTest {
    /** Logs one line of each level and an error with a stack trace, as the service would. */
    public static void main(String[] args) {
        JournalLogging.useIfJournal(args[0], System.getenv("JOURNAL_STREAM"));
        Logger log = LoggerFactory.getLogger("org.homerouter.appliance.PptpService");
        log.info("serving");
        log.warn("a warning");
        log.error("an error", new IllegalStateException("broken"));
        log.error("watchdog: {} stuck{}", "the data path", "\n\"pptp-data\" BLOCKED\n\tat Foo.bar");
    }

    /**
     * Runs {@link #main} with {@code command}; {@code journalStream} "stderr" names the process's own
     * standard error in JOURNAL_STREAM, as systemd names the journal's stream; null sets none.
     */
    private static List<String> run(String command, String journalStream) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String stream = "stderr".equals(journalStream) ? "JOURNAL_STREAM=0:$(stat -L -c %i /proc/self/fd/2) "
                : journalStream != null ? "JOURNAL_STREAM=" + journalStream + " " : "";
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", stream + "exec \"$0\" -cp \"$1\""
                + " -Dorg.slf4j.simpleLogger.defaultLogLevel=info " + JournalLoggingTest.class.getName() + " " + command,
                java, System.getProperty("java.class.path")).redirectErrorStream(true);
        pb.environment().remove("JOURNAL_STREAM");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void theServiceUnderSystemdGivesEachLineItsPriority() throws Exception {
        List<String> lines = run("run", "stderr");
        assertEquals("<6>INFO PptpService - serving", lines.get(0), lines.toString());
        assertEquals("<4>WARN PptpService - a warning", lines.get(1), lines.toString());
        assertEquals("<3>ERROR PptpService - an error", lines.get(2), lines.toString());
        assertEquals("<3>java.lang.IllegalStateException: broken", lines.get(3), lines.toString());
        assertTrue(lines.size() > 4 && lines.subList(3, lines.size()).stream().allMatch(l -> l.startsWith("<3>")),
                "every line of the stack trace, and of a message of several lines: " + lines);
        assertEquals(List.of("<3>ERROR PptpService - watchdog: the data path stuck", "<3>\"pptp-data\" BLOCKED",
                "<3>\tat Foo.bar"), lines.subList(lines.size() - 3, lines.size()));
    }

    /** Outside systemd, for an admin command, or with JOURNAL_STREAM inherited by a process whose output is elsewhere. */
    @Test
    void outsideSystemdOrForAnAdminCommandTheLinesAreAsBefore() throws Exception {
        for (List<String> lines : List.of(run("run", null), run("status", "stderr"), run("run", "8:12345"))) {
            assertTrue(lines.stream().noneMatch(l -> l.startsWith("<")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.contains("[WARN] PptpService - a warning")), lines.toString());
        }
    }
}
