package org.homerouter.pptp.control.tcp;

import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.homerouter.pptp.control.ControlMessage;
import org.homerouter.pptp.control.ControlMessageCodec;

/**
 * A blocking TCP peer that writes raw bytes and reads whole control messages: lets a test play a
 * misbehaving or silent client against the real server.
 */
final class RawControlPeer implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawControlPeer(InetSocketAddress server) throws IOException {
        this(server, 0);
    }

    /** With a receive buffer this small (0: the system's), as a peer that reads little or nothing. */
    RawControlPeer(InetSocketAddress server, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(server);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    void send(ControlMessage m) throws IOException {
        writeRaw(ControlMessageCodec.encode(m));
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Writes one byte per TCP segment (Nagle is off, and each write is flushed). */
    void writeByteByByte(byte[] bytes) throws IOException, InterruptedException {
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            Thread.sleep(1);
        }
    }

    /** The next whole message, or an exception on EOF / 5 s without data. */
    ControlMessage receive() throws IOException {
        return receive(in);
    }

    /** The next whole message read from {@code in} (a test's own server socket too). */
    static ControlMessage receive(DataInputStream in) throws IOException {
        int length = in.readUnsignedShort();
        byte[] msg = new byte[length];
        msg[0] = (byte) (length >> 8);
        msg[1] = (byte) length;
        in.readFully(msg, 2, length - 2);
        return ControlMessageCodec.decode(Unpooled.wrappedBuffer(msg));
    }

    /** True when the server closed the connection (EOF or reset) within the read timeout. */
    boolean closedByServer() throws IOException {
        try {
            byte[] rest = new byte[8192];
            while (true) {
                if (in.read(rest) < 0) {
                    return true;
                }
            }
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
