package org.homerouter.pptp.gre;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a copy of every packet sent; can be told to fail the next send, and to run something in
 * the middle of a send (as another thread would while the send's system call runs). Batched sends
 * are held until {@link #flush}, as a real transport may.
 */
final class RecordingTransport implements GreTransport {
    record Sent(InetAddress destination, byte[] bytes) {
    }

    final List<Sent> sent = new ArrayList<>();
    final List<Sent> held = new ArrayList<>();
    boolean failNext;
    Runnable duringNextSend;

    @Override
    public void send(InetAddress destination, ByteBuffer packet) throws IOException {
        Runnable during = duringNextSend;
        duringNextSend = null;
        if (during != null) {
            during.run();
        }
        if (failNext) {
            failNext = false;
            throw new IOException("no buffer space");
        }
        sent.add(copy(destination, packet));
    }

    @Override
    public void sendBatched(InetAddress destination, ByteBuffer packet) {
        held.add(copy(destination, packet));
    }

    @Override
    public int flush() {
        sent.addAll(held);
        held.clear();
        return 0;
    }

    private static Sent copy(InetAddress destination, ByteBuffer packet) {
        byte[] copy = new byte[packet.remaining()];
        packet.get(packet.position(), copy);
        return new Sent(destination, copy);
    }

    @Override
    public void setReceiver(GrePacketReceiver receiver) {
    }

    @Override
    public void close() {
    }

    Sent last() {
        return sent.getLast();
    }
}
