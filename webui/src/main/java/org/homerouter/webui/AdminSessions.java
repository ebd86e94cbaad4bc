package org.homerouter.webui;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
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
    /**
     * Of those, one address's (an IPv6 one's /64): beyond it that address's own oldest goes. With
     * the cap in all alone, one LAN host requesting /login without a cookie in a loop pushed every
     * other browser's session out, the admin's login form among them ("this form expired") before
     * the password was typed. In all, beyond the cap, the oldest of the address holding the most goes.
     */
    static final int MAX_ANONYMOUS_PER_SOURCE = 32;

    /** One browser. {@code csrf} goes into every form and must come back with every POST. */
    static final class Session {
        final String id;
        final String csrf;
        final long createdMs;
        /** The order of creation (clocks step, and tests' stand still). */
        long serial;
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
    /** Anonymous session ids by source (see {@link #sourceOf}), oldest first. */
    private final Map<String, ArrayDeque<String>> anonymous = new HashMap<>();
    private int anonymousQueued;
    private long created;
    private final SecureRandom random = new SecureRandom();
    private final LongSupplier clockMs;

    AdminSessions(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** A browser that has not logged in, at {@code clientAddress} (a literal). */
    Session createAnonymous(String clientAddress) {
        return create(null, sourceOf(clientAddress));
    }

    /** A browser that logged in with the admin password whose stored hash is {@code passwordHash}. */
    Session createAdmin(String passwordHash) {
        return create(java.util.Objects.requireNonNull(passwordHash), null);
    }

    private synchronized Session create(String adminHash, String source) {
        long now = clockMs.getAsLong();
        byId.values().removeIf(s -> expired(s, now));
        Session s = new Session(token(), token(), now, adminHash);
        s.serial = ++created;
        byId.put(s.id, s);
        if (adminHash == null) {
            ArrayDeque<String> mine = anonymous.computeIfAbsent(source, k -> new ArrayDeque<>());
            mine.add(s.id);
            anonymousQueued++;
            forgetGone(mine);
            if (mine.size() > MAX_ANONYMOUS_PER_SOURCE) {
                byId.remove(mine.poll());
                anonymousQueued--;
            }
            while (anonymousQueued > MAX_ANONYMOUS) {
                ArrayDeque<String> most = null;
                for (ArrayDeque<String> q : anonymous.values()) {
                    forgetGone(q);
                    // The address holding the most; among equals, the one whose oldest is oldest.
                    if (!q.isEmpty() && (most == null || q.size() > most.size()
                            || q.size() == most.size() && byId.get(q.peek()).serial < byId.get(most.peek()).serial)) {
                        most = q;
                    }
                }
                if (anonymousQueued <= MAX_ANONYMOUS) {
                    break; // forgetting the gone ones made the room
                }
                byId.remove(most.poll());
                anonymousQueued--;
            }
            anonymous.values().removeIf(ArrayDeque::isEmpty);
        }
        return s;
    }

    /** Drops the ids of sessions already gone (logged in, out, expired) from the front of {@code q}. */
    private void forgetGone(ArrayDeque<String> q) {
        while (!q.isEmpty() && !byId.containsKey(q.peek())) {
            q.poll();
            anonymousQueued--;
        }
    }

    /** An address, or an IPv6 one's /64, which one host can fill with addresses of its own. */
    private static String sourceOf(String clientAddress) {
        try {
            return org.homerouter.pptp.control.ClientSource.label(java.net.InetAddress.ofLiteral(clientAddress));
        } catch (IllegalArgumentException | NullPointerException e) {
            return String.valueOf(clientAddress);
        }
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
