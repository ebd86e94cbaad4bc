package org.homerouter.pptp.auth;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketCodec;
import org.homerouter.pptp.ppp.ControlPacketSender;

/**
 * An authenticator and a peer joined by an in-memory link. Packets travel as bytes (encoded and
 * decoded with the LCP-family codec) and are queued until {@link #pump()}, so no exchange is
 * re-entered while it sends. Packets can be dropped or rewritten on the way.
 */
final class AuthLink {
    enum Side { AUTHENTICATOR, PEER }

    record Sent(Side from, ControlPacket packet) {
    }

    private final ArrayDeque<Sent> inFlight = new ArrayDeque<>();
    private final List<Sent> history = new ArrayList<>();
    private final int[] toDrop = new int[2];
    private UnaryOperator<ControlPacket> rewriteToPeer = UnaryOperator.identity();
    private AuthExchange authenticator;
    private AuthExchange peer;

    /** The sender an exchange on this side uses. */
    ControlPacketSender from(Side side) {
        return packet -> {
            ControlPacket onWire = ControlPacketCodec.decode(ControlPacketCodec.encode(packet)).orElseThrow();
            Sent sent = new Sent(side, onWire);
            history.add(sent);
            inFlight.add(sent);
        };
    }

    void connect(AuthExchange authenticatorSide, AuthExchange peerSide) {
        this.authenticator = authenticatorSide;
        this.peer = peerSide;
    }

    /** Loses the next n packets sent by this side. */
    void dropNext(Side from, int n) {
        toDrop[from.ordinal()] += n;
    }

    /** Rewrites what the authenticator sends before the peer sees it. */
    void rewriteToPeer(UnaryOperator<ControlPacket> rewrite) {
        this.rewriteToPeer = rewrite;
    }

    /** What an impostor authenticator sends: every Success with the first hex digit of its S= changed. */
    void forgeAuthenticatorResponses() {
        rewriteToPeer(packet -> {
            if (packet.code() != ChapStatusPacket.SUCCESS) {
                return packet;
            }
            byte[] m = packet.data();
            m[2] = (byte) (m[2] == '0' ? '1' : '0'); // first hex digit of S=
            return new ControlPacket(packet.code(), packet.identifier(), m);
        });
    }

    /** Delivers queued packets, and whatever they cause, until the link is quiet. */
    void pump() {
        Sent s;
        while ((s = inFlight.poll()) != null) {
            if (toDrop[s.from().ordinal()] > 0) {
                toDrop[s.from().ordinal()]--;
                continue;
            }
            if (s.from() == Side.AUTHENTICATOR) {
                if (peer != null) {
                    peer.receive(rewriteToPeer.apply(s.packet()));
                }
            } else if (authenticator != null) {
                authenticator.receive(s.packet());
            }
        }
    }

    /**
     * Starts both sides and runs the link and the clock until neither side has a deadline left
     * (both finished) or the clock passed {@code limit}.
     */
    void run(ManualClock clock, Duration limit) {
        authenticator.start();
        peer.start();
        runTimers(clock, limit);
    }

    /** Runs the link and the clock, without starting anything. */
    void runTimers(ManualClock clock, Duration limit) {
        long end = clock.nanos() + limit.toNanos();
        pump();
        while (true) {
            OptionalLong next = earliest(authenticator.deadline(), peer.deadline());
            if (next.isEmpty() || next.getAsLong() - end > 0) {
                return;
            }
            long wait = next.getAsLong() - clock.nanos();
            if (wait > 0) {
                clock.advance(Duration.ofNanos(wait));
            }
            authenticator.poll();
            peer.poll();
            pump();
        }
    }

    private static OptionalLong earliest(OptionalLong a, OptionalLong b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.getAsLong() - b.getAsLong() <= 0 ? a : b;
    }

    /** Every packet this side sent, dropped ones included, in order. */
    List<ControlPacket> sentBy(Side side) {
        return history.stream().filter(s -> s.from() == side).map(Sent::packet).toList();
    }
}
