package org.homerouter.pptp.control.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallDisconnectNotify;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallSetupException;
import org.homerouter.pptp.control.ControlMessageCodec;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.OutgoingCallRequest;
import org.homerouter.pptp.control.RecordingCalls;
import org.homerouter.pptp.control.StartControlConnectionReply;
import org.junit.jupiter.api.Test;

/**
 * A server that clears our call before it ever replies to it (RFC 2637 §2.13: a PAC may send a
 * Call-Disconnect-Notify "for any other reason", here with our Call ID as accel-ppp puts it): the
 * dial is told at once that the server refused the call, and why, not after its setup timeout
 * with "no answer in time".
 */
class CallClearedBeforeReplyTest {

    @Test
    void aCallClearedBeforeItsReplyFailsTheDialAtOnceWithTheServersReason() throws Exception {
        NettyTransport transport = NettyTransport.create(1, "test-io");
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> server = CompletableFuture.runAsync(() -> {
                try (Socket s = listener.accept()) {
                    s.setSoTimeout(5000);
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    RawControlPeer.receive(in); // Start-Control-Connection-Request
                    out.write(ControlMessageCodec.encode(new StartControlConnectionReply(0x0100, 1, 0, 1, 1, 0, 1,
                            "office", "test PAC")));
                    OutgoingCallRequest call = (OutgoingCallRequest) RawControlPeer.receive(in);
                    out.write(ControlMessageCodec.encode(new CallDisconnectNotify(call.callId(), 3, 0, 0, "")));
                    out.flush();
                    Thread.sleep(2000); // the connection stays; only the call went
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ClientConnection client = ControlClient.connect(transport,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()),
                    ControlSettings.defaults("pns"), new ManualClock(), Duration.ofMillis(10), new RecordingCalls(),
                    new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
            long start = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class, () -> client.placeCall().get(5, TimeUnit.SECONDS),
                    "the dial still waited for a reply");
            CallSetupException refused = assertInstanceOf(CallSetupException.class, e.getCause());
            assertTrue(refused.getMessage().startsWith("server refused the call: "), refused.getMessage());
            assertEquals(3, refused.resultCode());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "told at once");
            server.get(5, TimeUnit.SECONDS);
        } finally {
            transport.shutdown(Duration.ofSeconds(1));
        }
    }
}
