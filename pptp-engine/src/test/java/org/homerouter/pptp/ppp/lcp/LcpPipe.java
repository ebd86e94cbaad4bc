package org.homerouter.pptp.ppp.lcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketCodec;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.homerouter.pptp.ppp.HeaderCompression;
import org.homerouter.pptp.ppp.PppFrame;
import org.homerouter.pptp.ppp.PppProtocol;

/**
 * Two LCP instances joined by an in-memory link that carries real PPP frames (header included, as
 * in a GRE payload). Frames queue up until {@link #pump()}, so each side sees them as separate
 * arrivals; {@link #cut} drops everything, like a dead tunnel, and {@link #maxFrame} drops frames
 * longer than it, like a path with a smaller MTU that filters "fragmentation needed".
 */
final class LcpPipe {
    final ManualClock clock = new ManualClock();
    final RecordingLcpListener serverEvents = new RecordingLcpListener();
    final RecordingLcpListener clientEvents = new RecordingLcpListener();
    final List<ControlPacket> fromServer = new ArrayList<>();
    final List<ControlPacket> fromClient = new ArrayList<>();
    final Lcp server;
    final Lcp client;
    boolean cut;
    int maxFrame = Integer.MAX_VALUE;
    private final ArrayDeque<byte[]> toServer = new ArrayDeque<>();
    private final ArrayDeque<byte[]> toClient = new ArrayDeque<>();

    LcpPipe(LcpSettings serverSettings, LcpSettings clientSettings) {
        server = new Lcp(serverSettings, clock, new Random(1), sender(toClient, fromServer), serverEvents);
        client = new Lcp(clientSettings, clock, new Random(2), sender(toServer, fromClient), clientEvents);
    }

    private ControlPacketSender sender(ArrayDeque<byte[]> queue, List<ControlPacket> record) {
        return packet -> {
            record.add(packet);
            byte[] frame = frame(packet);
            if (!cut && frame.length <= maxFrame) {
                queue.add(frame);
            }
        };
    }

    /** An LCP frame as it would ride in GRE; header compression must not apply to LCP. */
    static byte[] frame(ControlPacket packet) {
        ByteBuffer b = ByteBuffer.allocate(PppFrame.MAX_HEADER_LENGTH + packet.length());
        PppFrame.writeHeader(b, PppProtocol.LCP, new HeaderCompression(true, true));
        ControlPacketCodec.encode(packet, b);
        return Arrays.copyOf(b.array(), b.position());
    }

    /** Opens both sides and brings the link up. */
    void start() {
        server.open();
        client.open();
        server.lowerLayerUp();
        client.lowerLayerUp();
    }

    /** Delivers queued frames, alternating directions, until the link is quiet. */
    void pump() {
        for (int guard = 0; guard < 1000 && !(toServer.isEmpty() && toClient.isEmpty()); guard++) {
            deliver(toServer, server);
            deliver(toClient, client);
        }
    }

    private void deliver(ArrayDeque<byte[]> queue, Lcp to) {
        byte[] frame = queue.poll();
        if (frame == null || cut) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(frame);
        assertEquals(PppProtocol.LCP, PppFrame.readHeader(b));
        assertEquals(4, b.position(), "LCP frames carry Address, Control and a two-octet Protocol");
        to.receive(b);
    }

    /** Advances time by the given milliseconds, lets both sides run their timers and exchange. */
    void elapse(long millis) {
        clock.advanceMillis(millis);
        server.poll();
        client.poll();
        pump();
    }
}
