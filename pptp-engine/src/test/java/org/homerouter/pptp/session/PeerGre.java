package org.homerouter.pptp.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.homerouter.pptp.gre.GreCodec;
import org.homerouter.pptp.gre.GreHeader;
import org.homerouter.pptp.gre.GreTransport;

/** A test's hand-made peer: one PPP frame in an enhanced GRE data packet (RFC 2637 §4.1), as a client sends it. */
final class PeerGre {
    private PeerGre() {
    }

    /** Sends {@code ppp} to {@code server} on call {@code callId} with sequence number {@code sequence}. */
    static void send(GreTransport from, InetAddress server, int callId, int sequence, byte[] ppp) {
        ByteBuffer out = ByteBuffer.allocate(GreHeader.MAX_LENGTH + ppp.length);
        GreCodec.encode(GreHeader.data(callId, ppp.length, sequence), out);
        out.put(ppp).flip();
        try {
            from.send(server, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
