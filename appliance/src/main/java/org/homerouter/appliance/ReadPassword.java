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

    private ReadPassword() {
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
