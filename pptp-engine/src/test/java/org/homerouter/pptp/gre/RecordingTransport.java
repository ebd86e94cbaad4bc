package org.homerouter.pptp.gre;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Keeps a copy of every packet sent; can be told to fail the next send. */
final class RecordingTransport implements GreTransport {
    record Sent(InetAddress destination, byte[] bytes) {
    }

    final List<Sent> sent = new ArrayList<>();
    boolean failNext;

    @Override
    public void send(InetAddress destination, ByteBuffer packet) throws IOException {
        if (failNext) {
            failNext = false;
            throw new IOException("no buffer space");
        }
        byte[] copy = new byte[packet.remaining()];
        packet.get(packet.position(), copy);
        sent.add(new Sent(destination, copy));
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
