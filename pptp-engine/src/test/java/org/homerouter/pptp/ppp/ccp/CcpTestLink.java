package org.homerouter.pptp.ppp.ccp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;

/**
 * Two CCP ends joined by an in-memory wire on a manual clock. Packets are queued and delivered in
 * order by {@link #flush()}, never re-entrantly, as a real link would; {@link #lose} drops some.
 */
final class CcpTestLink {
    /** One end of the link: our {@link Ccp}, or a scripted peer. */
    interface End {
        /** Lower layer up and Open. */
        void start();

        void receive(ControlPacket packet);

        void poll();
    }

    final ManualClock clock = new ManualClock();
    final List<ControlPacket> sentByA = new ArrayList<>();
    final List<ControlPacket> sentByB = new ArrayList<>();
    /** Packets for which this holds are lost on the wire (they are still recorded as sent). */
    Predicate<ControlPacket> lose = p -> false;
    private final ArrayDeque<Runnable> wire = new ArrayDeque<>();
    private End a;
    private End b;

    ControlPacketSender senderA() {
        return p -> {
            sentByA.add(p);
            if (!lose.test(p)) {
                wire.add(() -> b.receive(p));
            }
        };
    }

    ControlPacketSender senderB() {
        return p -> {
            sentByB.add(p);
            if (!lose.test(p)) {
                wire.add(() -> a.receive(p));
            }
        };
    }

    void connect(End endA, End endB) {
        this.a = endA;
        this.b = endB;
    }

    /** Both ends start at once, as LCP and authentication finish for both at about the same time. */
    void start() {
        a.start();
        b.start();
        flush();
    }

    void flush() {
        int delivered = 0;
        for (Runnable next; (next = wire.poll()) != null; ) {
            next.run();
            if (++delivered > 10_000) {
                throw new AssertionError("the two ends never stop talking");
            }
        }
    }

    /** Lets time pass in steps of {@code step}, polling both ends after each. */
    void advance(Duration step, int steps) {
        for (int i = 0; i < steps; i++) {
            clock.advance(step);
            a.poll();
            b.poll();
            flush();
        }
    }

    static long count(List<ControlPacket> packets, int code) {
        return packets.stream().filter(p -> p.code() == code).count();
    }
}
