package org.homerouter.pptp.alg;

import org.homerouter.pptp.control.ControlMessageType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.homerouter.pptp.alg.AlgFixtures.echoRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ControlStreamTest {
    private static final ControlFlow FLOW = new ControlFlow(PptpAlgTest.CLIENT_A, 40001, PptpAlgTest.SERVER, 1723);

    private final List<ControlMessageType> messages = new ArrayList<>();
    private final ControlStream.Handler handler = new ControlStream.Handler() {
        @Override
        public int rewrite(RewrittenField field, int value) {
            return value;
        }

        @Override
        public void message(ControlMessageType type, byte[] original) {
            messages.add(type);
        }

        @Override
        public void lostSync(String why) {
            throw new AssertionError(why);
        }
    };

    /**
     * The receiver's acknowledgment of this side's FIN is one beyond the octets followed (a FIN
     * takes a sequence number of its own): no octets crossed unseen there, or every connection's
     * close would be logged as a conntrack flush.
     */
    @Test
    void theAcknowledgmentOfAFinIsNoOctetUnseen() {
        ControlStream stream = new ControlStream(Direction.TO_SERVER);
        stream.startAt(1001);
        assertEquals(SegmentVerdict.ACCEPT, stream.accept(TcpSegment.of(FLOW, Direction.TO_SERVER, 1001, echoRequest()), handler));
        assertEquals(0, stream.acknowledged(1017, false));
        assertEquals(0, stream.acknowledged(1018, true), "the FIN after the Echo-Request acknowledged");
        assertEquals(List.of(ControlMessageType.ECHO_REQUEST), messages);
    }

    /**
     * What an acknowledgment skips is never let through: a forged one (spoofed as the server's)
     * followed by a call request at the skipped sequence numbers would have had the request pass
     * unparsed, its Call ID (another client's NAT ID, say) never rewritten.
     */
    @Test
    void dataAmongTheOctetsSkippedIsDroppedNotPassedUnparsed() {
        ControlStream stream = new ControlStream(Direction.TO_SERVER);
        stream.startAt(1001);
        byte[] request = AlgFixtures.ocrq(7);
        assertEquals(request.length, stream.acknowledged(1001 + request.length, false));
        assertEquals(SegmentVerdict.DROP, stream.accept(TcpSegment.of(FLOW, Direction.TO_SERVER, 1001, request), handler));
        assertEquals(List.of(), messages);
    }

    /** A gap beyond what a flush leaves unseen (a few messages) is not followed on: the stream is lost. */
    @Test
    void anAcknowledgmentFarBeyondIsNotFollowed() {
        ControlStream stream = new ControlStream(Direction.TO_SERVER);
        stream.startAt(1001);
        stream.acknowledged(1001 + ControlStream.MAX_UNACKNOWLEDGED + 1, false);
        assertEquals(SegmentVerdict.DROP, stream.accept(TcpSegment.of(FLOW, Direction.TO_SERVER,
                1001 + ControlStream.MAX_UNACKNOWLEDGED + 1, echoRequest()), handler));
        assertEquals(List.of(), messages);
    }

    /** Octets acknowledged beyond those followed are counted, and the stream goes on after them. */
    @Test
    void anAcknowledgmentBeyondTheOctetsFollowedSkipsThem() {
        ControlStream stream = new ControlStream(Direction.TO_SERVER);
        stream.startAt(1001);
        assertEquals(16, stream.acknowledged(1017, false));
        assertEquals(SegmentVerdict.ACCEPT, stream.accept(TcpSegment.of(FLOW, Direction.TO_SERVER, 1017, echoRequest()), handler));
        assertEquals(List.of(ControlMessageType.ECHO_REQUEST), messages);
    }
}
