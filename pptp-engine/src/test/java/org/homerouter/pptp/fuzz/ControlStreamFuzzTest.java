package org.homerouter.pptp.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallClearRequest;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlCodec;
import org.homerouter.pptp.control.ControlMessageCodec;
import org.homerouter.pptp.control.ControlProtocol;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.OutgoingCallRequest;
import org.homerouter.pptp.control.PacControlConnection;
import org.homerouter.pptp.control.StartControlConnectionRequest;
import org.homerouter.pptp.control.tcp.ControlChannelHandler;

/**
 * The server's real control pipeline (frame decoder, message decoder, the PAC state machine behind
 * its channel handler) fed any byte stream in any segmentation, with well-formed messages mixed in
 * so the fuzzer reaches call handling: no exception escapes the pipeline, and once the connection
 * is gone every Call ID it took is free again.
 */
class ControlStreamFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void anyStreamIsHandledAndLeavesNoCallIdBehind(FuzzedDataProvider data) {
        ManualClock clock = new ManualClock();
        CallIdAllocator callIds = new CallIdAllocator(4);
        EmbeddedChannel channel = new PeerChannel();
        ControlCodec.addTo(channel.pipeline());
        channel.pipeline().addLast(new ControlChannelHandler(link -> new PacControlConnection(link, clock,
                ControlSettings.defaults("fuzz-pac"), CallListener.NONE, callIds), Duration.ofMillis(10)));
        while (data.remainingBytes() > 0 && channel.isOpen()) {
            byte[] segment = switch (data.consumeInt(0, 4)) {
                case 0 -> ControlMessageCodec.encode(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION,
                        1, 1, data.consumeInt(0, 65535), 0x0100, text(data), text(data)));
                case 1 -> ControlMessageCodec.encode(new OutgoingCallRequest(data.consumeInt(0, 65535),
                        data.consumeInt(0, 65535), 300, 100_000_000, 3, 1, data.consumeInt(0, 65535), 0,
                        text(data), ""));
                case 2 -> ControlMessageCodec.encode(new CallClearRequest(data.consumeInt(0, 65535)));
                default -> data.consumeBytes(data.consumeInt(1, 300));
            };
            channel.writeInbound(Unpooled.wrappedBuffer(segment));
            if (data.consumeBoolean()) {
                clock.advanceMillis(data.consumeInt(0, 120_000));
                channel.advanceTimeBy(20, java.util.concurrent.TimeUnit.MILLISECONDS);
                channel.runScheduledPendingTasks();
            }
            channel.runPendingTasks();
            channel.checkException();
        }
        channel.close();
        channel.runPendingTasks();
        channel.checkException();
        assertEquals(0, callIds.inUse(), "a closed control connection holds no Call ID");
        channel.finishAndReleaseAll();
    }

    /** What a text field may hold (the records refuse the rest): ASCII without NUL, within 64 octets. */
    private static String text(FuzzedDataProvider data) {
        return data.consumeAsciiString(63).replace('\0', '.');
    }

    /** An in-memory channel whose peer has an IP address, as a TCP peer has. */
    private static final class PeerChannel extends EmbeddedChannel {
        private static final SocketAddress PEER = new InetSocketAddress("192.0.2.7", 50000);

        @Override
        protected SocketAddress remoteAddress0() {
            return PEER;
        }
    }
}
