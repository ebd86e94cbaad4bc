package org.homerouter.pptp.auth;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * How one authentication exchange ended: reported once to its {@link AuthListener} (and, on our
 * peer's side, a later re-authentication's failure once more).
 */
public sealed interface AuthResult {

    /** The method that was run. */
    AuthMethod method();

    /** Whether the link may proceed to the Network-Layer Protocol phase (RFC 1661 §3.5). */
    boolean succeeded();

    /**
     * The peer proved its identity (authenticator side), or the authenticator accepted us (peer
     * side, and for MS-CHAPv2 proved it knows the password too).
     *
     * @param userName the account: the directory's name on the authenticator side, our own on the
     *     peer side
     * @param keyMaterial for MS-CHAPv2 the inputs of MPPE key derivation; empty for PAP and CHAP-MD5,
     *     which yield none
     */
    record Success(AuthMethod method, String userName, Optional<MppeKeyMaterial> keyMaterial) implements AuthResult {
        @Override
        public boolean succeeded() {
            return true;
        }
    }

    /**
     * The exchange failed.
     *
     * @param reason what went wrong
     * @param msChapError the MS-CHAP error code sent (authenticator) or received (peer) in E=, if
     *     one was
     * @param userName the name the peer gave, if it got that far
     * @param message plain words for the log and the UI
     */
    record Failure(AuthMethod method, AuthFailureReason reason, OptionalInt msChapError,
                   Optional<String> userName, String message) implements AuthResult {
        @Override
        public boolean succeeded() {
            return false;
        }
    }

    /** A success without key material (PAP, CHAP-MD5). */
    static Success success(AuthMethod method, String userName) {
        return new Success(method, userName, Optional.empty());
    }

    /** An MS-CHAPv2 success with the material MPPE keys derive from. */
    static Success success(AuthMethod method, String userName, MppeKeyMaterial keys) {
        return new Success(method, userName, Optional.of(keys));
    }

    /**
     * A failure before any name was known; also for the session to report what happens outside the
     * exchange, e.g. the peer Protocol-Rejecting the authentication protocol (RFC 1661 §5.7).
     */
    static Failure failure(AuthMethod method, AuthFailureReason reason, String message) {
        return new Failure(method, reason, OptionalInt.empty(), Optional.empty(), message);
    }

    /** A failure for a named user, without an MS-CHAP error code. */
    static Failure failure(AuthMethod method, AuthFailureReason reason, String userName, String message) {
        return new Failure(method, reason, OptionalInt.empty(), Optional.of(userName), message);
    }

    /** An MS-CHAPv2 failure with the E= code sent or received; the user name may be null. */
    static Failure msChapFailure(AuthFailureReason reason, int error, String userName, String message) {
        return new Failure(AuthMethod.MSCHAP_V2, reason, OptionalInt.of(error), Optional.ofNullable(userName), message);
    }
}
