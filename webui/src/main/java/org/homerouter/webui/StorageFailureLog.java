package org.homerouter.webui;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.homerouter.webui.api.StorageUnavailable;
import org.slf4j.Logger;

/**
 * The log lines of requests that failed because the storage refused them ({@link StorageUnavailable}).
 * The Dashboard polls every 2 s in every open tab, so a storage that stays full or read-only failed
 * a request every second or so, each logged at ERROR with the SQLException's whole stack: a 16 MB
 * volatile journal lost, within the hour, its earlier lines, the evidence of what went wrong first.
 * Now the first failure (after {@link #EPISODE_OVER_AFTER} without one) is logged with its stack,
 * then at most one line each {@link #SUMMARY_EVERY} says how many failed since, with the stack
 * again only if the failure is another. The first time since that a request that had failed on
 * the storage is answered (its route's action returned), one INFO line says the storage answers
 * again, after how many failures over how long: without it the owner who freed space could not
 * tell from the journal whether that helped, or when. Another request's success says nothing: a
 * request that succeeds may not have touched the storage, or only read it while writes still fail
 * (a full disk). A storage failing on and off (every other poll) has at most one such line each
 * {@link #SUMMARY_EVERY}, and its failures stay one episode: a stack and an "answers again" line
 * at each turn were the flood this class is here to stop. Thread-safe.
 */
final class StorageFailureLog {
    static final Duration SUMMARY_EVERY = Duration.ofMinutes(1);
    static final Duration EPISODE_OVER_AFTER = Duration.ofMinutes(10);

    private final Logger log;
    private final LongSupplier nanos;
    private boolean failing;
    private long lastFailure;
    private long lastLine;
    /** The failure whose stack was logged last. */
    private String stacked;
    private long notLogged;
    /** A failure is unanswered: read without the lock, so that each request's success costs one read. */
    private volatile boolean unanswered;
    private long episodeStart;
    /** When the storage was last said to answer again; whether it ever was. */
    private long lastAnsweredLine;
    private boolean answeredSaid;
    /** A failure was logged since the storage was last said to answer: the journal must not end on it. */
    private boolean failureLineSinceAnswered;
    private long episodeFailures;
    /** The requests that failed since the storage last answered, at most {@link #REQUESTS_KEPT} of them. */
    private final java.util.Set<String> failedRequests = new java.util.HashSet<>();
    static final int REQUESTS_KEPT = 64;

    StorageFailureLog(Logger log, LongSupplier nanos) {
        this.log = log;
        this.nanos = nanos;
    }

    /** {@code request} ("GET /dashboard/status") failed on the storage. */
    synchronized void failed(String request, StorageUnavailable e) {
        long now = nanos.getAsLong();
        boolean anew = !failing || now - lastFailure >= EPISODE_OVER_AFTER.toNanos();
        failing = true;
        lastFailure = now;
        if (!unanswered || anew) {
            // A new episode, also after an answer held back whose request never came again: a
            // failure days later is not "answers again after ... over 3 days".
            unanswered = true;
            episodeStart = now;
            episodeFailures = 0;
            failedRequests.clear();
        }
        episodeFailures++;
        if (failedRequests.size() < REQUESTS_KEPT) {
            failedRequests.add(request);
        }
        if (!anew && now - lastLine < SUMMARY_EVERY.toNanos()) {
            notLogged++;
            return;
        }
        String failure = e.getMessage();
        String since = anew || notLogged == 0 ? "" : " (" + notLogged + " more requests failed on the storage since the last line)";
        if (anew || !failure.equals(stacked)) {
            log.error("{}: {}{}", request, failure, since, e.getCause());
            stacked = failure;
        } else {
            log.error("{}: {}{}", request, failure, since);
        }
        lastLine = now;
        notLogged = 0;
        failureLineSinceAnswered = true;
    }

    /**
     * {@code request} ("GET /dashboard/status", named as to {@link #failed}) was answered: if it
     * failed on the storage since the storage last answered, the storage answers again.
     */
    void answered(String request) {
        if (!unanswered) {
            return;
        }
        synchronized (this) {
            if (!unanswered || !failedRequests.contains(request)) {
                return;
            }
            long now = nanos.getAsLong();
            if (answeredSaid && now - lastAnsweredLine < SUMMARY_EVERY.toNanos() && !failureLineSinceAnswered) {
                // On and off: said a moment ago, and no failure line since says otherwise. The
                // episode goes on (its count, its start) until it is said, at a later answer.
                return;
            }
            unanswered = false;
            failedRequests.clear();
            failureLineSinceAnswered = false;
            answeredSaid = true;
            lastAnsweredLine = now;
            log.info("{}: the storage answers again after {} failed request{} over {}", request, episodeFailures,
                    episodeFailures == 1 ? "" : "s", org.homerouter.pptp.SpokenDuration.of(now - episodeStart));
        }
    }
}
