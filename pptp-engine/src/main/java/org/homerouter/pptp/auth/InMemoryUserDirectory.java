package org.homerouter.pptp.auth;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link UserDirectory} held in memory, for tests and the demo: names match regardless of ASCII
 * case, as in the appliance's store. Thread-safe.
 */
public final class InMemoryUserDirectory implements UserDirectory {
    /** By {@link UserDirectory#fold folded} name. */
    private final Map<String, PppUser> users = new ConcurrentHashMap<>();

    public InMemoryUserDirectory(PppUser... initial) {
        for (PppUser u : initial) {
            put(u);
        }
    }

    /** Adds the account, replacing one of the same name (ASCII case aside). */
    public InMemoryUserDirectory put(PppUser user) {
        users.put(UserDirectory.fold(user.userName()), user);
        return this;
    }

    /** Removes the account of this name (ASCII case aside), if any. */
    public void remove(String userName) {
        users.remove(UserDirectory.fold(userName));
    }

    @Override
    public Optional<PppUser> find(String userName) {
        return Optional.ofNullable(users.get(UserDirectory.fold(userName)));
    }
}
