package org.homerouter.pptp.auth;

import java.util.Optional;
import java.util.OptionalLong;

import org.homerouter.pptp.ppp.ControlPacket;

/**
 * One side of one PPP authentication exchange (RFC 1661 §3.5, Authentication phase): an
 * authenticator checking the peer, or a peer proving itself. Build it with {@link Authentication}
 * once LCP is open, {@link #start()} it, feed it every packet of its {@link #protocol()}, and call
 * {@link #poll()} when {@link #deadline()} comes. It reports one {@link AuthResult} to its listener,
 * and after that keeps answering repeated packets (a Response whose Success was lost) for as long
 * as the session feeds it. A peer's side also answers the authenticator's later Challenges (RFC
 * 1994 §3), and reports a second result only if one of those fails (see {@link AuthListener}).
 *
 * <p>Pure state machine: no threads, no clock reads besides the injected clock, no I/O besides the
 * sender it was given. Not thread-safe: drive it from one thread, the session's event loop. It
 * updates its state before sending, so a sender that delivers synchronously to the other side is
 * fine.
 */
public interface AuthExchange {

    /** The method this exchange runs. */
    AuthMethod method();

    /** The PPP protocol its packets travel under: 0xC023 for PAP, 0xC223 for CHAP and MS-CHAPv2. */
    default int protocol() {
        return method().protocol();
    }

    /**
     * Begins: an authenticator sends its Challenge (CHAP), a PAP peer its Authenticate-Request;
     * the others start waiting. The overall timeout runs from here. May be called once.
     */
    void start();

    /** Handles a packet of this protocol from the other side; invalid or stale packets are discarded. */
    void receive(ControlPacket packet);

    /** When {@link #poll()} next has work to do, in {@link org.homerouter.pptp.Clock} nanos; empty once finished. */
    OptionalLong deadline();

    /** Retransmits or gives up if the clock has reached a deadline; otherwise does nothing. */
    void poll();

    /** The outcome, once there is one. */
    Optional<AuthResult> result();

    /**
     * An authenticator: whether the peer has answered it, with a Response to the Challenge (RFC
     * 1994 §4.1) or a PAP Authenticate-Request (RFC 1334 §2.2.1) that was judged; stale or
     * malformed packets do not count. Always false for a peer's side.
     */
    boolean peerAnswered();
}
