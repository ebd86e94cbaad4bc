package org.homerouter.pptp.auth;

/** Told once how an authentication exchange ended. Called on the thread that drives the exchange. */
@FunctionalInterface
public interface AuthListener {
    void finished(AuthResult result);
}
