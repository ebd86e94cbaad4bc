package org.homerouter.bridge.admin;

import java.io.IOException;
import java.util.List;

/**
 * {@link AdminCommands} whose commands fail on demand as they do on a busy board, which no
 * namespace of a test's can be made to do: those whose line (the command and its arguments,
 * space-separated, without the namespace's prefix) contains one of the parts a test names. They
 * fail without running, as timed out or with the exit status and output the test gives; or run
 * and then report a timeout (the tool was killed after its work was done, before its answer was
 * read). Every other command runs as {@link AdminCommands} runs it.
 */
public final class FailingCommands extends AdminCommands {
    /** @param status the exit status to report, or -1 for a timeout */
    private record Failure(List<String> parts, boolean afterRunning, int status, String output) {
        boolean matches(String line) {
            return parts.stream().anyMatch(line::contains);
        }
    }

    private volatile Failure failure;

    /** @param netns run inside this namespace, or null for our own */
    public FailingCommands(String netns) {
        super(netns);
    }

    /** Commands containing one of {@code parts} time out without running. */
    public void timeOut(String... parts) {
        failure = new Failure(List.of(parts), false, -1, "");
    }

    /** Commands containing one of {@code parts} run, then time out: their work is done, unseen. */
    public void timeOutAfterRunning(String... parts) {
        failure = new Failure(List.of(parts), true, -1, "");
    }

    /** Commands containing one of {@code parts} fail without running, as exiting with {@code status} and {@code output}. */
    public void exit(int status, String output, String... parts) {
        failure = new Failure(List.of(parts), false, status, output);
    }

    /** Every command runs as it is from now on. */
    public void heal() {
        failure = null;
    }

    @Override
    public String run(String stdin, String... command) throws IOException {
        String line = String.join(" ", command);
        Failure f = failure;
        if (f == null || !f.matches(line)) {
            return super.run(stdin, command);
        }
        if (f.afterRunning()) {
            super.run(stdin, command);
        }
        if (f.status() < 0) {
            throw new IOException(line + " timed out after " + TIMEOUT.toMillis() + " ms");
        }
        // As AdminCommands words a failure.
        throw new IOException(line + " failed (" + f.status() + "): " + f.output().trim());
    }
}
