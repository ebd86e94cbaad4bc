package org.homerouter.pptp.auth;

import java.util.Optional;

/** A directory's accounts, every one of which holds as many sessions as it may ({@link UserDirectory#refusesNow}). */
final class AllSessionsTaken implements UserDirectory {
    private final UserDirectory users;

    AllSessionsTaken(UserDirectory users) {
        this.users = users;
    }

    @Override
    public Optional<PppUser> find(String userName) {
        return users.find(userName);
    }

    @Override
    public Optional<LoginRefusal> refusesNow(PppUser account) {
        return Optional.of(LoginRefusal.tooManySessions(account.userName() + " already has 8 sessions"));
    }
}
