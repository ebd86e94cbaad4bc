package org.homerouter.webui;

/**
 * One URL the UI serves.
 *
 * @param access who may call it; every non-public POST also needs the session's CSRF token
 */
record Route(String method, String path, Access access, Action action) {
    enum Access {
        /** Health check and static files: no session needed, nothing secret. */
        PUBLIC,
        /** First-run setup: only while no admin password exists. */
        SETUP,
        /** The login form. */
        LOGIN,
        /** Everything else: a logged-in administrator. */
        ADMIN,
        /** Prometheus: a logged-in administrator or the metrics bearer token. */
        METRICS
    }

    @FunctionalInterface
    interface Action {
        Reply handle(Exchange x) throws Exception;
    }
}
