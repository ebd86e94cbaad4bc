package org.homerouter.pptp.control;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * A peer that stops answering control echoes is torn down even when the layer above fails while
 * its calls are cleared: otherwise the TCP connection would stay open, with its admission slot and
 * no timer left to end it.
 */
class FailingListenerTest {
    @Test
    void theConnectionIsClosedEvenWhenClearingItsCallsThrows() {
        ManualClock clock = new ManualClock();
        boolean[] closed = {false};
        ControlLink link = new ControlLink() {
            @Override
            public void send(ControlMessage message) {
            }

            @Override
            public void close() {
                closed[0] = true;
            }

            @Override
            public void execute(Runnable task) {
                task.run();
            }

            @Override
            public InetSocketAddress remoteAddress() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
            }
        };
        PacControlConnection pac = new PacControlConnection(link, clock, ControlSettings.defaults("pac"),
                new CallListener() {
                    @Override
                    public void callEstablished(PptpCall call) {
                    }

                    @Override
                    public void callCleared(PptpCall call, String reason) {
                        throw new IllegalStateException("the session layer failed");
                    }
                }, new CallIdAllocator(8));
        pac.onMessage(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 1, "pns", "test"));
        pac.onMessage(new OutgoingCallRequest(5, 1, 300, 100_000_000, 3, 3, 64, 0, "", ""));

        clock.advance(Duration.ofMinutes(2));
        pac.onTimer(); // idle: an Echo-Request goes out
        clock.advance(Duration.ofMinutes(2));
        try {
            pac.onTimer(); // no reply: torn down, and clearing the call throws
        } catch (RuntimeException expected) {
            // the listener's failure may surface here; what matters is the link
        }
        assertTrue(closed[0], "the TCP connection was closed");
    }
}
