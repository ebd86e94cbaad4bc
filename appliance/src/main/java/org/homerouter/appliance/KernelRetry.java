package org.homerouter.appliance;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One change the router makes to the kernel (what the WAN admits, a switched-off ALG's rules
 * removed, an inbound forward removed, a tunnel-only network's hold) that must not stay undone
 * because its command failed once (nft or iptables timed out on a busy board): the appliance tries
 * it again every {@link #PERIOD} on its housekeeping thread until it is done, rather than until the
 * owner happens to save a page.
 * The event log is told once when it fails and once when it is done at last, not at every try.
 * Not thread-safe: under the lock its caller changes that part of the kernel with.
 */
final class KernelRetry {
    private static final Logger LOG = LoggerFactory.getLogger(KernelRetry.class);
    /** How often a failed change is tried again. */
    static final Duration PERIOD = Duration.ofSeconds(30);

    /** A change to the kernel; throws, with the tool's own words, when it is not done. */
    @FunctionalInterface
    interface Change {
        void make() throws IOException;
    }

    private final Consumer<String> events;
    /**
     * What the event log says when the change is done at last; null while nothing failed. Volatile:
     * the housekeeping reads it without its caller's lock, so that it takes that lock only for a try.
     */
    private volatile String done;
    /** What the tries make while {@link #done} is set; written before it. */
    private Change retry;

    /** @param events the event log (as "service") */
    KernelRetry(Consumer<String> events) {
        this.events = events;
    }

    /**
     * Makes {@code change} now, and again at each {@link #retry} while it fails. When it fails after
     * nothing failed, {@code failed} goes to the event log with the error and the promise of the
     * tries to come; when it succeeds after a failure, {@code done}. A failure while one is already
     * being tried again adds nothing.
     *
     * @return whether it is done
     */
    boolean make(String failed, String done, Change change) {
        return make(failed, done, change, change);
    }

    /**
     * As {@link #make(String, String, Change)}, for a change that cannot be made twice (an ALG's
     * stop): the tries make {@code then} instead, which finishes what {@code change} left undone.
     */
    boolean make(String failed, String done, Change change, Change then) {
        try {
            change.make();
        } catch (IOException e) {
            if (this.done == null) {
                String line = failed + ": " + e.getMessage() + "; trying again every " + PERIOD.toSeconds() + " s";
                LOG.error("{}", line);
                events.accept(line);
            } else {
                LOG.debug("{}, still: {}", failed, e.getMessage());
            }
            this.retry = then;
            this.done = done;
            return false;
        }
        // Its own words: the one that failed may have been another (a hold taken away since).
        succeeded(done);
        return true;
    }

    /** The housekeeping's try: the change that failed, again, saying so when it is done now. */
    void retry() {
        if (done == null) {
            return;
        }
        try {
            retry.make();
        } catch (IOException e) {
            LOG.debug("still failing: {}", e.getMessage());
            return;
        }
        succeeded(done);
    }

    /** After a failure, the event log is told what is {@code done} now. */
    private void succeeded(String done) {
        if (this.done != null) {
            LOG.info("{}", done);
            events.accept(done);
            this.done = null;
            retry = null;
        }
    }

    /** Whether the change failed and is being tried again. */
    boolean failing() {
        return done != null;
    }

    /** Something else did what the change was to do (a new forward replaced the old one's table): no more tries. */
    void forget() {
        done = null;
        retry = null;
    }
}
