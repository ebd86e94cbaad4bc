package org.homerouter.appliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;

/**
 * An admin command's failure in the owner's words: a file missing or unreadable, a file that is not
 * UTF-8, the database refusing. Such a failure printed as a Java stack trace hid its one useful
 * line (which file, what is wrong) among fifty.
 */
final class CliProblem {
    private CliProblem() {
    }

    /** What went wrong, or null where it is not the owner's to mend (a bug). */
    static String describe(Throwable e) {
        return switch (e) {
            case UncheckedIOException u -> describe(u.getCause());
            case StoreFailure f when f.getCause() instanceof SQLException sql -> describe(sql);
            case NoSuchFileException f -> "no such file or directory: " + f.getFile();
            case AccessDeniedException f -> "permission denied: " + f.getFile()
                    + " (on the router, the homerouter command works as the service's user)";
            case CharacterCodingException c -> "the input is not UTF-8 text";
            case IOException io -> io.getMessage() != null ? io.getMessage() : io.toString();
            case SQLException sql -> database(sql);
            default -> null;
        };
    }

    private static String database(SQLException e) {
        return switch (e.getErrorCode() & 0xff) {
            // From a shell, most often another user's (the service's, owner-only) file, not a failing disk.
            case 8, 14 -> "the settings database cannot be " + ((e.getErrorCode() & 0xff) == 8 ? "written" : "opened")
                    + " (" + e.getMessage() + "): run this as the service's user (the homerouter command on the router"
                    + " does), or check the storage";
            default -> StoreFailure.plainWords(e);
        };
    }
}
