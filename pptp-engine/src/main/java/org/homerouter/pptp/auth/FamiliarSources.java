package org.homerouter.pptp.auth;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sources (as {@link org.homerouter.pptp.control.ClientSource#label} names them) each user
 * name logged in from recently, with the time of the last success from there, so that a name
 * locked by someone else's guesses still lets its owner in from home or the office (what
 * fail2ban's ignoreip and AD FS Extranet Smart Lockout's "familiar locations" do).
 *
 * <p>Only a right password adds to it, so a flood cannot grow it; it is bounded all the same: the
 * name that logged in least recently is forgotten first, and each name keeps its {@value
 * #PER_NAME} most recent sources. Not thread-safe: {@link AuthFailureLockout} holds its lock.
 */
final class FamiliarSources {
    /** How long a success makes its source familiar: a month covers a laptop used once a fortnight. */
    static final Duration FOR = Duration.ofDays(30);
    /** Sources kept per name: home, office, phone's carrier, a few hotels. */
    static final int PER_NAME = 8;
    /** Names kept; each had to log in, so this is the router's accounts, with room to spare. */
    static final int NAMES = 1024;

    /** In order of each name's last success, the least recent first; inside, its sources the same. */
    private final Map<String, Map<String, Long>> byName = new LinkedHashMap<>();

    /** {@code userName} logged in from {@code source} at {@code at} (the clock's nanos). */
    void loggedIn(String userName, String source, long at) {
        Map<String, Long> sources = byName.remove(userName);
        if (sources == null) {
            sources = new LinkedHashMap<>();
            if (byName.size() >= NAMES) {
                byName.remove(byName.keySet().iterator().next());
            }
        }
        byName.put(userName, sources);
        Long before = sources.remove(source);
        // A success seeded from the history may be older than one already known: keep the later.
        sources.put(source, before != null && before - at > 0 ? before : at);
        if (sources.size() > PER_NAME) {
            Iterator<String> eldest = sources.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    /** {@code userName}'s password changed, or the account was disabled or deleted: where it logged in before counts no more. */
    void forget(String userName) {
        byName.remove(userName);
    }

    /** Whether {@code userName} logged in from {@code source} less than {@link #FOR} before {@code now}. */
    boolean knows(String userName, String source, long now) {
        Map<String, Long> sources = byName.get(userName);
        Long at = sources == null ? null : sources.get(source);
        return at != null && now - at < FOR.toNanos();
    }
}
