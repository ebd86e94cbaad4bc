package org.homerouter.pptp.auth;

/**
 * Told how an authentication exchange ended: once with its result; and, for our peer's side that
 * the authenticator challenges again after a success (RFC 1994 §3), once more if such a later
 * exchange fails, which must end the link. A later success is not told. Called on the thread that
 * drives the exchange.
 */
@FunctionalInterface
public interface AuthListener {
    void finished(AuthResult result);
}
