package org.homerouter.webui;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Browser sessions, in memory (a restart logs everybody out, which on a router is fine). Every
 * browser gets one before logging in, so the login and setup forms carry a CSRF token too; logging
 * in replaces it with a fresh one (no session fixation). Idle ones expire.
 */
final class AdminSessions {
    static final Duration IDLE = Duration.ofMinutes(30);
    static final Duration ABSOLUTE = Duration.ofHours(12);
    /**
     * Sessions of browsers not logged in: any request for the login form makes one, so without a
     * cap a flood of cookie-less requests would fill the memory. Beyond it the oldest goes (its
     * browser's login form then says "reload the page").
     */
    static final int MAX_ANONYMOUS = 1000;

    /** One browser. {@code csrf} goes into every form and must come back with every POST. */
    static final class Session {
        final String id;
        final String csrf;
        final long createdMs;
        volatile long lastSeenMs;
        final boolean admin;
        /**
         * The admin password's hash this session logged in with (null: anonymous): when the stored
         * one differs (changed from the command line, say) the session is no longer an admin's.
         */
        final String adminHash;
        private volatile String flash;
        /** Its cookie was sent without Secure, over plain HTTP: not accepted as an admin's over HTTPS. */
        volatile boolean sentInClear;

        /** A notice for the next page this browser sees ("Saved and applied."). */
        void flash(String message) {
            flash = message;
        }

        String takeFlash() {
            String f = flash;
            flash = null;
            return f;
        }

        Session(String id, String csrf, long now, String adminHash) {
            this.id = id;
            this.csrf = csrf;
            this.createdMs = now;
            this.lastSeenMs = now;
            this.adminHash = adminHash;
            this.admin = adminHash != null;
        }

        boolean csrfMatches(String token) {
            return token != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.US_ASCII),
                    token.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    /** Anonymous session ids, oldest first. */
    private final ArrayDeque<String> anonymous = new ArrayDeque<>();
    private final SecureRandom random = new SecureRandom();
    private final LongSupplier clockMs;

    AdminSessions(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** A browser that has not logged in. */
    Session createAnonymous() {
        return create(null);
    }

    /** A browser that logged in with the admin password whose stored hash is {@code passwordHash}. */
    Session createAdmin(String passwordHash) {
        return create(java.util.Objects.requireNonNull(passwordHash));
    }

    private synchronized Session create(String adminHash) {
        long now = clockMs.getAsLong();
        byId.values().removeIf(s -> expired(s, now));
        Session s = new Session(token(), token(), now, adminHash);
        byId.put(s.id, s);
        if (adminHash == null) {
            // Ids of sessions already gone stay queued until their turn: harmless, and the queue stays bounded.
            anonymous.add(s.id);
            while (anonymous.size() > MAX_ANONYMOUS) {
                byId.remove(anonymous.poll());
            }
        }
        return s;
    }

    /** Sessions held now, live or not yet swept (tests). */
    synchronized int size() {
        return byId.size();
    }

    /** The live session for a cookie value, or null; the request counts as the browser's activity. */
    Session find(String id) {
        return find(id, true);
    }

    /**
     * The live session for a cookie value, or null.
     *
     * @param activity false for a request a page makes by itself (the dashboard's polls): it shows
     *                 that a tab is open, not that anyone is at it, so it does not put off the idle
     *                 logout
     */
    Session find(String id, boolean activity) {
        if (id == null) {
            return null;
        }
        Session s = byId.get(id);
        long now = clockMs.getAsLong();
        if (s == null || expired(s, now)) {
            if (s != null) {
                byId.remove(id);
            }
            return null;
        }
        if (activity) {
            s.lastSeenMs = now;
        }
        return s;
    }

    void remove(Session s) {
        byId.remove(s.id);
    }

    /** After the admin password changed or a factory reset: every other browser must log in again. */
    void removeAllAdmins() {
        byId.values().removeIf(s -> s.admin);
    }

    private boolean expired(Session s, long now) {
        return now - s.lastSeenMs > IDLE.toMillis() || now - s.createdMs > ABSOLUTE.toMillis();
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
