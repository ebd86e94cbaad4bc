package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

/** Keeps every result reported, so tests can check there was exactly one. */
final class RecordingListener implements AuthListener {
    final List<AuthResult> results = new ArrayList<>();

    @Override
    public void finished(AuthResult result) {
        results.add(result);
    }

    /** The single result; fails unless exactly one was reported. */
    AuthResult only() {
        assertEquals(1, results.size(), () -> "expected exactly one result, got " + results);
        return results.getFirst();
    }

    AuthResult.Success success() {
        AuthResult r = only();
        if (r instanceof AuthResult.Success s) {
            return s;
        }
        throw new AssertionError("expected success, got " + r);
    }

    AuthResult.Failure failure() {
        AuthResult r = only();
        if (r instanceof AuthResult.Failure f) {
            return f;
        }
        throw new AssertionError("expected failure, got " + r);
    }
}
