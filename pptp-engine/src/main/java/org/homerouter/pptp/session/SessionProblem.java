package org.homerouter.pptp.session;

/**
 * Something wrong with a session that is up, in the terms the dashboard and the logs use: the
 * session carries traffic, but not all of it (compare {@link SessionEnd} for why one ended).
 */
public enum SessionProblem {
    MTU_TROUBLE("large packets are lost between the client and this router (MTU trouble): ping and small pages "
            + "work, larger transfers hang");

    private final String description;

    SessionProblem(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
