package org.homerouter.pptp.ppp.ccp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.IntSupplier;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;

/**
 * Our side of the Reset-Request/Reset-Ack exchange (RFC 1962 §3.1), timed as pppd's ccp.c does
 * it: a Reset-Request goes out when the decryptor first fails; further failures while it is
 * unanswered only note that it should be repeated (RREQ_REPEAT); after one second (RACKTIMEOUT)
 * it is sent again, with the same Identifier, if and only if packets kept failing in the
 * meantime. A matching Reset-Ack ends the exchange, and so, in effect, does a flushed packet:
 * once the decryptor is back in sync nothing more fails, and the timer lapses without a repeat.
 * That matters because RFC 3078 does not oblige the peer to send the Ack at all.
 *
 * <p>pppd repeats without limit; we give up after {@link #MAX_REQUESTS} Requests in one exchange,
 * which means ten seconds of nothing but undecryptable packets, and report
 * {@link CcpFailure#RESET_UNANSWERED}.
 */
final class ResetRequester {
    private static final Logger LOG = LoggerFactory.getLogger(ResetRequester.class);
    /** pppd's RACKTIMEOUT: one second between Reset-Requests. */
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(1);
    /** Reset-Requests sent in one exchange before giving up. */
    static final int MAX_REQUESTS = 10;

    /** What the log lines start with: "CCP", after the session's name where it has one. */
    private final String logName;
    private final Clock clock;
    private final ControlPacketSender sender;
    private final IntSupplier identifiers;
    private final Runnable unanswered;
    private boolean pending;
    private boolean repeat;
    private int identifier;
    private int sent;
    private long deadline;

    /**
     * @param logName what the log lines start with ("call 4711 (192.0.2.7): CCP")
     * @param identifiers hands out the protocol's next Identifier (shared with its other requests)
     * @param unanswered called when {@link #MAX_REQUESTS} went unanswered
     */
    ResetRequester(String logName, Clock clock, ControlPacketSender sender, IntSupplier identifiers,
                   Runnable unanswered) {
        this.logName = logName;
        this.clock = clock;
        this.sender = sender;
        this.identifiers = identifiers;
        this.unanswered = unanswered;
    }

    /** The decryptor failed (pppd's ccp_datainput on a decompression error). */
    void decryptionFailed() {
        if (pending) {
            repeat = true;
            return;
        }
        pending = true;
        repeat = false;
        identifier = identifiers.getAsInt();
        sent = 0;
        send();
    }

    /** A Reset-Ack arrived: it ends the exchange if it answers our Request. */
    void ackReceived(int ackIdentifier) {
        if (pending && ackIdentifier == identifier) {
            cancel();
        }
    }

    /** Forget any exchange (CCP left Opened). */
    void cancel() {
        pending = false;
        repeat = false;
    }

    /** When {@link #poll()} next has work. */
    OptionalLong deadline() {
        return pending ? OptionalLong.of(deadline) : OptionalLong.empty();
    }

    /** pppd's ccp_rack_timeout, when due. */
    void poll() {
        if (!pending || clock.nanos() - deadline < 0) {
            return;
        }
        if (!repeat) {
            pending = false;
            return;
        }
        if (sent >= MAX_REQUESTS) {
            cancel();
            unanswered.run();
            return;
        }
        repeat = false;
        send();
    }

    /** Reset-Requests sent in the current exchange. */
    int requestsSent() {
        return sent;
    }

    private void send() {
        LOG.debug("{}: decryption lost step: Reset-Request {} (#{} of this exchange)", logName, identifier, sent + 1);
        sent++;
        deadline = clock.nanos() + RETRY_INTERVAL.toNanos();
        sender.send(new ControlPacket(CcpCode.RESET_REQUEST, identifier));
    }
}
