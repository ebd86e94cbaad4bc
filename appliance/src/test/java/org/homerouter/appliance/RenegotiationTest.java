package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.pptp.session.PppSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that renegotiates LCP after its login (RFC 1661 §4.3) logs in again and comes up again
 * on the same link: that is one session, in the counters and in the history.
 */
class RenegotiationTest {
    @TempDir
    Path dir;

    @Test
    void aLinkRenegotiatedTwiceIsOneSessionWithOneHistoryRowThatEnds() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);
            PppSession atServer = a.sessions().getFirst();
            for (int round = 1; round <= 2; round++) {
                var before = atServer.dataPath().orElseThrow();
                // An LCP Configure-Request without options, from the client's side.
                atServer.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01,
                        (byte) (0x60 + round), 0x00, 0x04}));
                Eventually.value(() -> atServer.dataPath().orElse(before), p -> p != before);
            }
            assertEquals(1, a.accounting().sessionsTotal(), "one session");
            var open = Eventually.value(() -> a.store().sessionHistory(10, true), rows -> !rows.isEmpty());
            assertEquals(1, open.size(), open.toString());

            atServer.close("test over");
            var ended = Eventually.value(() -> a.store().sessionHistory(10, false), rows -> !rows.isEmpty());
            assertEquals(1, ended.size(), ended.toString());
            assertEquals("alice", ended.getFirst().user());
            assertEquals(0, a.store().sessionHistory(10, true).size(), "no row left open");
        }
    }
}
