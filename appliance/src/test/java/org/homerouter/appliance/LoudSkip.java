package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * A test, or a part of one, that cannot run here (a program or a file it needs is missing, or one
 * is in the way). A skip shows in the report as one number among hundreds, and a part skipped
 * inside a test that passes shows nowhere: so a banner on stderr says what is not run, why and
 * what to do, as {@code make test} does for the root tiers. Under {@code CI=true} it fails: CI
 * runs every tier, and a skip there would hide that it checked nothing.
 */
final class LoudSkip {
    private LoudSkip() {
    }

    /**
     * Prints the banner and skips the rest of the test (or fails it under CI).
     *
     * @param message what is not run and why, and what to do about it
     * @param whyCiMust what CI is to have run ("CI must run the interop tier.")
     */
    static <T> T skip(String message, String whyCiMust) {
        boolean ci = "true".equals(System.getenv("CI"));
        String verdict = ci ? "FAILED: " + whyCiMust : "SKIPPED.";
        System.err.println("#".repeat(100) + "\n## " + message + "\n## " + verdict + "\n" + "#".repeat(100));
        if (ci) {
            fail(message + " " + verdict);
        }
        return Assumptions.abort(message + " " + verdict);
    }
}
