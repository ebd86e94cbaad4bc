package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.homerouter.pptp.gre.InMemoryGreNetwork.Fate;
import org.junit.jupiter.api.Test;

class InMemoryGreNetworkTest {
    private static final InetAddress A = InetAddress.ofLiteral("10.0.0.1");
    private static final InetAddress B = InetAddress.ofLiteral("10.0.0.2");

    private final InMemoryGreNetwork network = new InMemoryGreNetwork();
    private final GreTransport a = network.bind(A);
    private final GreTransport b = network.bind(B);
    private final List<Integer> atB = new ArrayList<>();

    InMemoryGreNetworkTest() {
        b.setReceiver((source, packet) -> {
            assertEquals(A, source);
            atB.add((int) packet.get(packet.position()));
        });
    }

    private void sendAtoB(int value) throws IOException {
        a.send(B, ByteBuffer.wrap(new byte[] {(byte) value}));
    }

    @Test
    void nothingArrivesUntilTheTestDelivers() throws IOException {
        sendAtoB(1);
        sendAtoB(2);
        assertTrue(atB.isEmpty());
        assertEquals(2, network.queued());
        assertTrue(network.deliverNext());
        assertEquals(List.of(1), atB);
        assertEquals(1, network.deliverAll());
        assertEquals(List.of(1, 2), atB);
    }

    @Test
    void theSenderMayReuseItsBufferAtOnce() throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {5});
        a.send(B, buffer);
        buffer.put(0, (byte) 6);
        network.deliverAll();
        assertEquals(List.of(5), atB);
    }

    @Test
    void impairmentDropsDuplicatesAndDelays() throws IOException {
        network.setImpairment((src, dst, p) -> switch (p.get(0)) {
            case 2 -> Fate.DROP;
            case 3 -> Fate.DUPLICATE;
            case 4 -> Fate.delayBy(2);
            default -> Fate.DELIVER;
        });
        for (int v = 1; v <= 7; v++) {
            sendAtoB(v);
        }
        network.deliverAll();
        assertEquals(List.of(1, 3, 3, 5, 6, 4, 7), atB);
        assertEquals(1, network.dropped());
        assertEquals(7, network.sent());
    }

    @Test
    void delayedPacketsWaitForLaterTrafficOrRelease() throws IOException {
        network.setImpairment((src, dst, p) -> Fate.delayBy(5));
        sendAtoB(1);
        network.deliverAll();
        assertTrue(atB.isEmpty());
        assertEquals(1, network.delayedCount());
        assertEquals(1, network.releaseDelayed());
        network.deliverAll();
        assertEquals(List.of(1), atB);
    }

    @Test
    void packetsToNobodyAreCountedAndClosedTransportsCannotSend() throws IOException {
        a.send(InetAddress.ofLiteral("10.0.0.9"), ByteBuffer.wrap(new byte[] {1}));
        network.deliverAll();
        assertEquals(1, network.undeliverable());
        b.close();
        sendAtoB(2);
        network.deliverAll();
        assertEquals(2, network.undeliverable());
        assertTrue(atB.isEmpty());
        a.close();
        assertThrows(IOException.class, () -> sendAtoB(3));
        assertThrows(IllegalStateException.class, () -> {
            network.bind(InetAddress.ofLiteral("10.0.0.5"));
            network.bind(InetAddress.ofLiteral("10.0.0.5"));
        });
    }
}
