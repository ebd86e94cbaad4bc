package org.homerouter.appliance;

/**
 * A password as the command line read it, refused where bytes could not be read as characters.
 * Java decodes the terminal with the locale's character set, and a router without locales (or a
 * shell without LANG) has ASCII only: each byte of "ü" then becomes U+FFFD, and the password
 * stored would be another one than typed, which the client (Windows: error 691) or the web UI's
 * login then refuses with nothing to say why. No password holds U+FFFD on purpose.
 */
final class ReadPassword {
    private static final char UNREADABLE = '\uFFFD';

    /**
     * Without a terminal to read it from unseen, a password is not read from standard input unless
     * the command is told to (--password-stdin). Java has a Console only where standard input and
     * output both are terminals (JDK 25), so {@code homerouter user add bob | tee log} had none and
     * read the line typed at the terminal from stdin: no prompt, the password shown as typed (and on
     * the screen of whoever stood by), asked once.
     */
    static final String NO_TERMINAL = "no terminal to ask the password on without showing it (is its input or"
            + " output redirected?): run the command at the terminal as it is, or give the password as one line"
            + " of standard input with --password-stdin";

    /** Where a password is typed without being shown. */
    interface Terminal {
        /** The line typed, or null at the end of input (Ctrl-D). */
        char[] readPassword(String prompt);
    }

    /** This process's terminal, or null where it has none; tests put their own. */
    static volatile java.util.function.Supplier<Terminal> terminal = ReadPassword::console;

    private ReadPassword() {
    }

    private static Terminal console() {
        java.io.Console c = System.console();
        // isTerminal: the JLine console (-Djdk.console=jdk.internal.le) exists with pipes too.
        return c != null && c.isTerminal() ? prompt -> c.readPassword("%s", prompt) : null;
    }

    /**
     * A password: one line of standard input (UTF-8) with {@code fromStdin}, else typed at the
     * terminal without being shown, twice with {@code confirm}.
     *
     * @throws IllegalArgumentException (bad input: exit 2) with nothing given, or no terminal
     */
    static char[] read(boolean fromStdin, String prompt, boolean confirm) throws java.io.IOException {
        if (fromStdin) {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                    java.nio.charset.StandardCharsets.UTF_8)).readLine();
            if (line == null) {
                throw new IllegalArgumentException("no password on standard input");
            }
            return piped(line.toCharArray());
        }
        Terminal t = terminal.get();
        if (t == null) {
            throw new IllegalArgumentException(NO_TERMINAL);
        }
        // Ctrl-D is no password, not two that differ ("the passwords do not match" was said).
        char[] pw = t.readPassword(prompt);
        if (pw == null) {
            throw new IllegalArgumentException("no password given");
        }
        if (confirm) {
            char[] again = t.readPassword("Again: ");
            if (again == null) {
                throw new IllegalArgumentException("no password given");
            }
            if (!java.util.Arrays.equals(pw, again)) {
                throw new IllegalArgumentException("the passwords do not match");
            }
        }
        return typed(pw);
    }

    /** {@code pw} as typed at the terminal (Console), decoded with {@code stdin.encoding}. */
    static char[] typed(char[] pw) {
        if (unreadable(pw)) {
            throw new IllegalArgumentException("the password typed could not be read: the terminal sent characters"
                    + " outside " + terminalCharset() + ", the character set this command reads it with (the locale's),"
                    + " and they would have been stored as others, so the password would not work. Run it under a UTF-8"
                    + " locale (LC_ALL=C.UTF-8 homerouter ...), or give the password as one UTF-8 line with"
                    + " --password-stdin");
        }
        return pw;
    }

    /** {@code pw} as one line of standard input, decoded as UTF-8. */
    static char[] piped(char[] pw) {
        if (unreadable(pw)) {
            throw new IllegalArgumentException("the password on standard input is not UTF-8 text, so characters of it"
                    + " would have been stored as others, and the password would not work: send it as UTF-8");
        }
        return pw;
    }

    /** The character set Console decodes the terminal with (Java 25: {@code stdin.encoding}), by its usual name. */
    private static String terminalCharset() {
        String name = System.getProperty("stdin.encoding", "");
        try {
            return java.nio.charset.Charset.forName(name).name();
        } catch (RuntimeException e) {
            return name.isEmpty() ? "its character set" : name;
        }
    }

    private static boolean unreadable(char[] pw) {
        for (char c : pw) {
            if (c == UNREADABLE) {
                return true;
            }
        }
        return false;
    }
}
