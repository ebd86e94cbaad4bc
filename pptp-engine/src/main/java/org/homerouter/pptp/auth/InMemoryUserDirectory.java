package org.homerouter.pptp.auth;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link UserDirectory} held in memory, for tests and the demo. Thread-safe. */
public final class InMemoryUserDirectory implements UserDirectory {
    private final Map<String, PppUser> users = new ConcurrentHashMap<>();

    public InMemoryUserDirectory(PppUser... initial) {
        for (PppUser u : initial) {
            put(u);
        }
    }

    /** Adds the account, replacing one of the same name. */
    public InMemoryUserDirectory put(PppUser user) {
        users.put(user.userName(), user);
        return this;
    }

    /** Removes the account of this name, if any. */
    public void remove(String userName) {
        users.remove(userName);
    }

    @Override
    public Optional<PppUser> find(String userName) {
        return Optional.ofNullable(users.get(userName));
    }
}
