package org.homerouter.pptp.session;

/**
 * What the rest of the appliance hears about a PPP session: the session registry, the event log,
 * and the control connection that must hang the call up when the link is finished.
 */
public interface SessionListener {
    /** The peer proved who it is (server side) or we were accepted (client side). */
    default void authenticated(PppSession session, String userName) {
    }

    /**
     * Server side: why {@code userName}, whose password was just found right, may not log in now
     * (its account holds as many sessions as it may, or logged in too often lately), or empty.
     * Asked before the login is accepted, so the client hears the refusal as its login's answer.
     */
    default java.util.Optional<org.homerouter.pptp.auth.LoginRefusal> refusesLogin(PppSession session,
                                                                                  String userName) {
        return java.util.Optional.empty();
    }

    /** IP flows: addresses assigned, encryption (if any) up, the device exists. */
    default void up(PppSession session) {
    }

    /**
     * IP stopped on a session that was {@link #up}: the peer renegotiated (LCP, IPCP or CCP), and the
     * tunnel device is gone with its routes. {@link #up} follows if the renegotiation succeeds,
     * {@link #ended} if it does not.
     */
    default void ipDown(PppSession session) {
    }

    /** Something is wrong with a session that stays up (e.g. large frames lost on the way). */
    default void problem(PppSession session, SessionProblem problem, String detail) {
    }

    /** The link is finished; the PPTP call carrying it should be cleared. Called once. */
    void ended(PppSession session, SessionEnd reason, String detail);
}
