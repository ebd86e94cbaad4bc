package org.homerouter.bridge.netns;

/**
 * What a command printed (stdout and stderr together) and how it exited.
 *
 * @param command  the command line, for messages
 * @param exitCode the exit status, or -1 if it was killed for taking too long
 * @param output   everything it printed
 */
public record CommandResult(String command, int exitCode, String output) {
    public boolean succeeded() {
        return exitCode == 0;
    }

    @Override
    public String toString() {
        return "`" + command + "` exited " + exitCode + (output.isBlank() ? "" : ": " + output.strip());
    }
}
