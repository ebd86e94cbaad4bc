package org.homerouter.appliance;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionProblem;
import org.homerouter.pptp.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every session in SQLite (start, end, user, client, tunnel address, bytes, end reason) and
 * its event-log line in the same transaction, and keeps the appliance-wide counters the dashboard
 * chart and /metrics read. Outlives {@link PptpService} restarts, so the counters never go back.
 *
 * <p>The sessions report from the data-path thread: what they report is taken there, and written
 * to the store by {@link BackgroundWrites}, in order (a session's end after its start).
 *
 * <p>Every {@link #PROGRESS_EVERY} the rows of the sessions that are up get their bytes so far and
 * the time they were last seen up: a row's end is otherwise written only when the session ends,
 * and after a power cut, kill -9 or crash the next start could only close it at its own time,
 * with no bytes (a three-day session read as 0 bytes, lasting until the router came back).
 */
final class SessionAccounting implements SessionListener, AutoCloseable {
    /** PppSessions names sessions "call N (client address)". */
    private static final Pattern CLIENT = Pattern.compile("\\(([^)]+)\\)");

    /** How often the rows of the sessions that are up are brought up to date: what a crash may lose. */
    static final Duration PROGRESS_EVERY = Duration.ofMinutes(10);
    private static final Logger LOG = LoggerFactory.getLogger(SessionAccounting.class);

    private final ApplianceStore store;
    private final BackgroundWrites writes;
    /** The periodic {@link #recordProgress}, once {@link #start}ed. */
    private ScheduledFuture<?> progress;
    private final Clock clock = Clock.SYSTEM;
    /**
     * Each live session's history row. The writes capture the {@link Row}, not the session: while
     * the database does not answer, queued writes must not hold whole sessions in memory.
     */
    private final Map<PppSession, Row> rows = new ConcurrentHashMap<>();
    /**
     * Guards the moment a session's bytes move from {@link #rows} to the ended totals, so that
     * {@link #traffic()} counts them once, never twice or not at all.
     */
    private final Object totalsLock = new Object();
    private long endedBytesIn;
    private long endedBytesOut;
    private final AtomicLong authFailures = new AtomicLong();
    private final AtomicLong sessionsTotal = new AtomicLong();
    private final AttemptRecords attempts = new AttemptRecords();
    /** Of those who logged in and were refused: apart, or a flood of failed logins would leave them unrecorded. */
    private final AttemptRecords refusedAfterLogin = new AttemptRecords();
    /**
     * Of failed logins that named one of the router's accounts, per account and source: apart from
     * strangers' guesses, or a flood of those left a user's mistyped password, or disabled account,
     * without a row, and the owner looking into why that user cannot connect found nothing.
     */
    private final AttemptRecords failedOnAccounts = new AttemptRecords();
    /**
     * Of failed logins under names that are none of the router's accounts (strangers' guesses,
     * summed up on the pages): apart from the attempts that failed before any login (no GRE, the
     * login method), or a guessing botnet of a dozen addresses used up the budget those share, and
     * a user's own "no GRE" attempt, the one the owner looks for, got no row.
     */
    private final AttemptRecords guesses = new AttemptRecords();

    SessionAccounting(ApplianceStore store) {
        this.store = store;
        this.writes = new BackgroundWrites("session-records", Duration.ofMinutes(1), all -> store.inOneTransaction(all::run));
    }

    /**
     * Makes the records asked for so far (a flood's attempts wait up to a minute to be written
     * together), for at most 10 s: before the clock's restamp moves this run's rows, which must
     * include them, or they would keep the unset clock's times.
     */
    void flush() throws InterruptedException {
        writes.flush(Duration.ofSeconds(10));
    }

    /**
     * Records the progress of the sessions that are up every {@link #PROGRESS_EVERY} on {@code timer}
     * (the appliance's housekeeping thread), until {@link #close}. Each run only takes the sessions'
     * counters and queues the write: the write is the writes' thread's.
     */
    synchronized void start(ScheduledExecutorService timer) {
        progress = timer.scheduleWithFixedDelay(Guarded.task("recording the progress of the sessions that are up",
                this::recordProgress), PROGRESS_EVERY.toMillis(), PROGRESS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Keeps each session that is up on its row: its bytes so far and now as the time it was last
     * seen up. Reads the sessions' counters here; the write goes to the writes' thread, after the
     * starts already asked for (a row not written yet is left for the next time).
     */
    void recordProgress() {
        long nowMs = System.currentTimeMillis();
        List<Seen> seen = new ArrayList<>();
        rows.forEach((s, row) -> seen.add(new Seen(row, startedMs(s), s.traffic().bytesIn(), s.traffic().bytesOut())));
        if (seen.isEmpty()) {
            return;
        }
        writes.submit("the progress of " + seen.size() + " session(s)", () -> store.sessionsSeen(nowMs, seen.stream()
                .filter(x -> x.row().id > 0)
                .map(x -> new ApplianceStore.SessionSeen(x.row().id, x.startedMs(), x.bytesIn(), x.bytesOut()))
                .toList()));
    }

    /** A session's row and what it had carried when it was last seen up: the row, not the session, is kept. */
    private record Seen(Row row, long startedMs, long bytesIn, long bytesOut) {
    }

    /** "alice (192.0.2.7)", as the pages and the event log name a session. */
    static String who(PppSession s) {
        return s.userName().orElse("?") + " (" + client(s) + ")";
    }

    static String client(PppSession s) {
        Matcher m = CLIENT.matcher(s.id());
        return m.find() ? m.group(1) : s.id();
    }

    private long startedMs(PppSession s) {
        return System.currentTimeMillis() - (clock.nanos() - s.startedNanos()) / 1_000_000;
    }

    private static String tunnelAddress(PppSession s) {
        return s.ipConfiguration().flatMap(c -> c.peerAddress()).map(Inet4Address::getHostAddress).orElse(null);
    }

    @Override
    public void up(PppSession s) {
        Row known = rows.get(s);
        if (known != null) {
            // Up again on the same link: the peer renegotiated LCP (and logged in again) or IPCP.
            // Still the same session and history row (its traffic counts on, in the session). It
            // keeps its address if it can; where it could not (another session took it meanwhile,
            // the pool changed, the client asked for another), the row follows.
            String now = tunnelAddress(s);
            String was = known.address;
            if (now != null && !now.equals(was)) {
                known.address = now;
                String event = known.who + " now has tunnel address " + now + " (was " + was
                        + "): the link was negotiated again";
                writes.submit("the new address of " + s.id(), () -> store.sessionAddressChanged(known.id, now, event));
            }
            return;
        }
        sessionsTotal.incrementAndGet();
        String user = s.userName().orElse("?");
        long startedMs = startedMs(s);
        String client = client(s);
        String address = tunnelAddress(s);
        String event = user + " connected from " + client + ", got " + address
                // Said, not in the journal only: the LAN's rules for the static address miss this session.
                // Which of the two the pool's own line says: moved to this account a moment after
                // another's session with it ended, it waits for that session's flows to be swept.
                + s.staticAddressHeldElsewhere().map(a -> " (not its static address " + a.getHostAddress()
                        + ": another session holds it, or the last one's connections are still being cleared)")
                        .orElse("")
                + s.encryption().map(e -> ", " + ApplianceSessions.encryption(e)).orElse(", unencrypted");
        Row row = new Row(user, user + " (" + client + ")", address);
        rows.put(s, row);
        writes.submit("the start of " + s.id(), () -> row.id = store.sessionStarted(startedMs, user, client, address, event));
    }

    /** Kept on the session's row and as a "problem" event, with what to do about it. */
    @Override
    public void problem(PppSession s, SessionProblem problem, String detail) {
        String event = s.userName().orElse(ApplianceSessions.NOT_LOGGED_IN) + " from " + client(s) + ": "
                + problem.description() + " — " + detail + ". " + Diagnosis.advice(problem.name());
        Row row = rows.getOrDefault(s, Row.NONE);
        writes.submit("a problem of " + s.id(), () -> store.sessionProblem(row.id, problem.name(), detail, event));
    }

    @Override
    public void ended(PppSession s, SessionEnd reason, String detail) {
        Row row;
        long in;
        long out;
        synchronized (totalsLock) {
            // Read under the lock: a total read meanwhile, with a packet the session still counted,
            // must not be more than the ended totals then get.
            in = s.traffic().bytesIn();
            out = s.traffic().bytesOut();
            row = java.util.Objects.requireNonNullElse(rows.remove(s), Row.NONE);
            if (row != Row.NONE) {
                endedBytesIn += in;
                endedBytesOut += out;
            }
        }
        String kind = switch (reason) {
            case AUTH_FAILED, LOCKED_OUT, ACCOUNT_DISABLED, AUTH_METHOD_REFUSED, AUTH_METHOD_UNSUPPORTED,
                 CHAP_SECRET_MISSING, ACCOUNTS_UNREADABLE, PREVIOUS_PASSWORD, TOO_MANY_SESSIONS, LOGINS_TOO_OFTEN -> {
                authFailures.incrementAndGet();
                yield "auth-failure";
            }
            default -> "disconnect";
        };
        String who = s.userName().orElse(ApplianceSessions.NOT_LOGGED_IN);
        long startedMs = startedMs(s);
        // A client that fell silent ended then, not the minute later its keepalive ran out: the
        // history's duration is the time it was there.
        boolean silent = reason == SessionEnd.PEER_DEAD || reason == SessionEnd.GRE_NOT_SENT;
        long endedMs = Math.max(startedMs, System.currentTimeMillis()
                - (silent ? s.silentNanos(clock.nanos()) / 1_000_000L : 0));
        String user = s.userName().orElse(null);
        String client = client(s);
        // The session has let go of its addresses by now: the row's is the last it had.
        String address = row == Row.NONE ? tunnelAddress(s) : row.address;
        String unrecorded = "";
        // A login refused under a name that is none of the router's accounts (a wrong password or a
        // lockout, before any login succeeded on the link): a stranger's guess, most likely, which
        // the Dashboard and status sum up instead of listing. Not a failure before the login (no
        // GRE, the login method), nor one on an account: those are what the owner looks for.
        boolean unknownUser = row == Row.NONE && !s.loggedIn() && !s.failedOnAnAccount() && user != null
                && (reason == SessionEnd.AUTH_FAILED || reason == SessionEnd.LOCKED_OUT);
        if (row == Row.NONE) {
            // Never came up: anyone reaching the port can make these as fast as TCP carries calls,
            // and a device that logs in and is refused (a per-user limit, the pool, the encryption)
            // redials as fast as its client retries: its first ones are recorded, the rest counted.
            // Per account and source once logged in: one device refused over and over behind an
            // office's NAT left a colleague's refusal from there no row and no event.
            AttemptRecords.Verdict v = s.loggedIn() ? (user != null ? refusedAfterLogin.admit(user, client, clock.nanos())
                    : refusedAfterLogin.admit(client, clock.nanos()))
                    : s.failedOnAnAccount() && user != null ? failedOnAccounts.admit(user, client, clock.nanos())
                    : unknownUser ? guesses.admit(client, clock.nanos())
                    : attempts.admit(client, clock.nanos());
            if (!v.record()) {
                return;
            }
            if (v.notRecordedBefore() > 0) {
                unrecorded = " (" + v.notRecordedBefore() + " more failed attempts before this one were not recorded"
                        + " one by one: too many at once)";
            }
        }
        String event = who + " from " + client + ": " + reason.description() + (detail.isEmpty() ? "" : " — " + detail)
                + unrecorded;
        BackgroundWrites.Write end = () -> store.sessionEnded(row.id, startedMs, endedMs, user, client, address,
                in, out, reason.name(), detail, unknownUser, kind, event);
        if (row == Row.NONE) {
            // An attempt's record, which a stranger can make 60 a minute: committed with the others
            // that come as fast (it keeps nothing but its row, so it may be made again if they fail).
            writes.submitMayWait("the end of " + s.id(), end);
        } else {
            writes.submit("the end of " + s.id(), end);
        }
    }

    /**
     * A session's history row id, once its start is written (0 until then, or if that failed: the
     * end then writes a row of its own). Set and read on the writes' thread only.
     */
    private static final class Row {
        static final Row NONE = new Row("", "", null);
        /** The account's name. */
        final String user;
        /** "alice (192.0.2.7)" */
        final String who;
        long id;
        /** The tunnel address the session has now; on the reporting thread only. */
        String address;

        Row(String user, String who, String address) {
            this.user = user;
            this.who = who;
            this.address = address;
        }
    }

    /**
     * The sessions that came up and have not ended, "alice (192.0.2.7)" each: without asking the
     * sessions themselves, so that a busy one (closing its device) holds up no page.
     */
    java.util.List<String> connected() {
        return rows.values().stream().map(r -> r.who).sorted().toList();
    }

    /** The accounts with a session up, as {@link #connected}: without asking the sessions. */
    java.util.Set<String> usersUp() {
        return rows.values().stream().map(r -> r.user).collect(java.util.stream.Collectors.toSet());
    }

    /** Writes what the sessions have reported so far (waiting up to 10 s), then stops. */
    @Override
    public void close() {
        synchronized (this) {
            if (progress != null) {
                progress.cancel(false);
            }
        }
        writes.close();
    }

    /** IP octets in and out since the appliance started. */
    record Traffic(long bytesIn, long bytesOut) {
    }

    /**
     * What the sessions have carried since the appliance started: those ended and those up now,
     * each counted once. Never less than an earlier answer: the sessions' own counters only grow
     * (renegotiations included), and a session's move to the ended totals is seen whole.
     */
    Traffic traffic() {
        synchronized (totalsLock) {
            long in = endedBytesIn;
            long out = endedBytesOut;
            for (PppSession s : rows.keySet()) {
                in += s.traffic().bytesIn();
                out += s.traffic().bytesOut();
            }
            return new Traffic(in, out);
        }
    }

    long authFailures() {
        return authFailures.get();
    }

    long sessionsTotal() {
        return sessionsTotal.get();
    }
}
