package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What our Terminate-Request tells a peer for each end: no more about a login than its answer said. */
class TerminateWordsTest {
    /**
     * Refused before any password was checked (the accounts could not be read, the name locked
     * out), a login is told what a wrong password is: "The VPN server could not check the login"
     * told a guesser more than the 691 before it.
     */
    @Test
    void aLoginRefusedBeforeItsPasswordWasCheckedHearsWhatAWrongPasswordHears() {
        for (SessionEnd end : new SessionEnd[] {SessionEnd.AUTH_FAILED, SessionEnd.ACCOUNTS_UNREADABLE,
                SessionEnd.LOCKED_OUT, SessionEnd.PREVIOUS_PASSWORD}) {
            assertEquals("Authentication failed", TerminateWords.of(end, SessionRole.SERVER), end.name());
        }
    }
}
