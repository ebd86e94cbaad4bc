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
     * cap a flood of cookie-less requests would fill the memory. Beyond it one goes (its browser's
     * login form then says "reload the page"): the oldest of the network holding the most ({@link #mostHeld}).
     */
    static final int MAX_ANONYMOUS = 1000;
    /**
     * Of those, one address's: beyond it that address's own oldest goes. With the cap in all alone,
     * one LAN host requesting /login without a cookie in a loop pushed every other browser's session
     * out, the admin's login form among them ("this form expired") before the password was typed.
     * Per address, not per IPv6 /64: the LAN's hosts share one /64.
     */
    static final int MAX_ANONYMOUS_PER_SOURCE = 32;

    /** A one-shot notice; {@code warning}: see {@link Session#warn}. */
    record Flash(String message, boolean warning) {
    }

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
        private volatile Flash flash;
        /** Its cookie was sent without Secure, over plain HTTP: not accepted as an admin's over HTTPS. */
        volatile boolean sentInClear;

        /** A notice for the next page this browser sees ("Saved and applied."). */
        void flash(String message) {
            flash = new Flash(message, false);
        }

        /**
         * A notice that what was asked was done only in part, or not at all ("Saved, but the tunnel
         * cannot start"): shown as a warning, not in the green of a success the owner would skim past.
         */
        void warn(String message) {
            flash = new Flash(message, true);
        }

        Flash takeFlash() {
            Flash f = flash;
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

        /**
         * How long this login lasts without activity, as of its latest page: the idle limit, or what is
         * left of the {@link #ABSOLUTE} one where that is nearer (no activity extends it).
         */
        Duration loggedOutIn() {
            long left = createdMs + ABSOLUTE.toMillis() - lastSeenMs;
            return left < IDLE.toMillis() ? Duration.ofMillis(Math.max(0, left)) : IDLE;
        }

        /** Whether {@link #loggedOutIn} is the 12-hour limit's: "Stay logged in" cannot help then. */
        boolean endsForGood() {
            return createdMs + ABSOLUTE.toMillis() - lastSeenMs < IDLE.toMillis();
        }

        boolean csrfMatches(String token) {
            return token != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.US_ASCII),
                    token.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    /** Anonymous sessions by client address, oldest first (see {@link #forgetGone}). */
    private final Map<String, ArrayDeque<Session>> anonymous = new HashMap<>();
    /** Each queued address's network (see {@link #networkOf}), and how many each network holds. */
    private final Map<String, String> networks = new HashMap<>();
    private final Map<String, Integer> heldByNetwork = new HashMap<>();
    private int anonymousQueued;
    private long created;
    private final SecureRandom random = new SecureRandom();
    private final LongSupplier clockMs;

    AdminSessions(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** A browser that has not logged in, at {@code clientAddress} (a literal). */
    Session createAnonymous(String clientAddress) {
        return create(null, String.valueOf(clientAddress));
    }

    /** A browser that logged in with the admin password whose stored hash is {@code passwordHash}. */
    Session createAdmin(String passwordHash) {
        return create(java.util.Objects.requireNonNull(passwordHash), null);
    }

    private synchronized Session create(String adminHash, String address) {
        long now = clockMs.getAsLong();
        byId.values().removeIf(s -> expired(s, now));
        Session s = new Session(token(), token(), now, adminHash);
        s.serial = ++created;
        byId.put(s.id, s);
        if (adminHash == null) {
            ArrayDeque<Session> mine = anonymous.computeIfAbsent(address, k -> new ArrayDeque<>());
            mine.add(s);
            anonymousQueued++;
            heldByNetwork.merge(networks.computeIfAbsent(address, AdminSessions::networkOf), 1, Integer::sum);
            forgetGone(address, mine);
            if (mine.size() > MAX_ANONYMOUS_PER_SOURCE) {
                drop(address, mine);
            }
            while (anonymousQueued > MAX_ANONYMOUS) {
                String victim = mostHeld();
                drop(victim, anonymous.get(victim));
            }
        }
        return s;
    }

    /**
     * Whose anonymous session goes when there are too many in all: of the network holding the most
     * (an address, an IPv6 one's /64, which one host can fill with addresses of its own), the
     * address whose oldest is oldest. Counts include sessions already gone, which go first then.
     */
    private String mostHeld() {
        int most = 0;
        for (int n : heldByNetwork.values()) {
            most = Math.max(most, n);
        }
        String victim = null;
        long oldest = Long.MAX_VALUE;
        for (var entry : anonymous.entrySet()) {
            Session head = entry.getValue().peek();
            if (head != null && head.serial < oldest && heldByNetwork.get(networks.get(entry.getKey())) == most) {
                victim = entry.getKey();
                oldest = head.serial;
            }
        }
        return victim;
    }

    /** Ends the oldest session queued for {@code address} (gone already, perhaps). */
    private void drop(String address, ArrayDeque<Session> q) {
        Session gone = q.poll();
        byId.remove(gone.id, gone);
        dequeued(address, q);
    }

    /**
     * Drops sessions already gone (logged in, out, expired) from the front of {@code q}. The queues
     * hold the sessions themselves: {@link #find} and {@link #remove} change the map without this
     * lock, and an id looked up again could be gone by then.
     */
    private void forgetGone(String address, ArrayDeque<Session> q) {
        while (!q.isEmpty() && byId.get(q.peek().id) != q.peek()) {
            q.poll();
            dequeued(address, q);
        }
    }

    private void dequeued(String address, ArrayDeque<Session> q) {
        anonymousQueued--;
        String network = networks.get(address);
        if (heldByNetwork.merge(network, -1, Integer::sum) == 0) {
            heldByNetwork.remove(network);
        }
        if (q.isEmpty()) {
            anonymous.remove(address);
            networks.remove(address);
        }
    }

    /** The network one host can fill with addresses of its own: an IPv4 address, an IPv6 address's /64. */
    private static String networkOf(String clientAddress) {
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
