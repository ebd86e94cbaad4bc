package org.homerouter.pptp.control.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallClearRequest;
import org.homerouter.pptp.control.CallDisconnectNotify;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallSetupException;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.ControlMessage;
import org.homerouter.pptp.control.ControlMessageCodec;
import org.homerouter.pptp.control.ControlProtocol;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.EchoReply;
import org.homerouter.pptp.control.EchoRequest;
import org.homerouter.pptp.control.OutgoingCallReply;
import org.homerouter.pptp.control.OutgoingCallRequest;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.RecordingCalls;
import org.homerouter.pptp.control.SetLinkInfo;
import org.homerouter.pptp.control.StartControlConnectionReply;
import org.homerouter.pptp.control.StartControlConnectionRequest;
import org.homerouter.pptp.control.StopControlConnectionReply;
import org.homerouter.pptp.control.StopControlConnectionRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's PPTP server and client over real TCP on 127.0.0.1, with a manual clock driving
 * every timer, plus a raw-socket peer for what a well-behaved client never sends.
 */
class ControlConnectionTest {
    private static final Duration TICK = Duration.ofMillis(10);

    private final ManualClock clock = new ManualClock();
    private final RecordingCalls serverCalls = new RecordingCalls();
    private final RecordingCalls clientCalls = new RecordingCalls();
    private NettyTransport transport;
    private ControlServer server;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        startServer(4);
    }

    private void startServer(int maxCalls) throws Exception {
        transport = NettyTransport.create(2, "test-io");
        server = new ControlServer(transport,
                new ControlServer.Options(ControlSettings.defaults("test-pac"), 8, TICK, clock),
                serverCalls, new CallIdAllocator(maxCalls));
        address = server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ofMillis(200));
        transport.shutdown(Duration.ofSeconds(1));
    }

    @Test
    void nioTransportServesTheSameExchange() throws Exception {
        // armhf has no native epoll: the NIO fallback must work end to end.
        try (NettyTransport nio = NettyTransport.create(1, "nio-test", false)) {
            assertEquals("nio", nio.name());
            ControlServer nioServer = new ControlServer(nio,
                    new ControlServer.Options(ControlSettings.defaults("nio-pac"), 4, TICK, clock),
                    serverCalls, new CallIdAllocator(4));
            InetSocketAddress at = nioServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ClientConnection client = ControlClient.connect(nio, at, ControlSettings.defaults("pns"), clock, TICK,
                    clientCalls, new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
            PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
            client.hangUp(call).get(5, TimeUnit.SECONDS);
            client.stop().get(5, TimeUnit.SECONDS);
            nioServer.stop(Duration.ofMillis(100));
            assertEquals(1, serverCalls.cleared.size());
        }
    }

    private ClientConnection dial() throws Exception {
        return ControlClient.connect(transport, address, ControlSettings.defaults("test-pns"), clock, TICK,
                clientCalls, new CallIdAllocator(16)).get(5, TimeUnit.SECONDS);
    }

    private static StartControlConnectionRequest sccrq() {
        return new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 0x0100, "raw", "test");
    }

    private static OutgoingCallRequest ocrq(int callId) {
        return new OutgoingCallRequest(callId, 1, 300, 100_000_000, 3, 3, 64, 0, "", "");
    }

    @Test
    void clientPlacesCallHangsUpAndStops() throws Exception {
        ClientConnection client = dial();
        PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);

        Await.until("server sees the call", () -> serverCalls.established.size() == 1);
        PptpCall serverSide = serverCalls.established.getFirst();
        // Each side's local ID is the other's peer ID: that is what GRE keys carry (§4.1).
        assertEquals(call.localCallId(), serverSide.peerCallId());
        assertEquals(serverSide.localCallId(), call.peerCallId());
        assertNotEquals(0, serverSide.localCallId());
        assertEquals(PptpCall.State.ESTABLISHED, call.state());

        client.hangUp(call).get(5, TimeUnit.SECONDS);
        Await.until("server clears the call", () -> serverCalls.cleared.size() == 1);
        assertEquals(PptpCall.State.CLEARED, call.state());
        assertEquals(1, clientCalls.cleared.size(), "the client's own layers hear the hang-up too");
        assertTrue(serverCalls.cleared.getFirst().contains("cleared by the client"), serverCalls.cleared.toString());

        client.stop().get(5, TimeUnit.SECONDS);
        Await.until("server forgets the connection", () -> server.connections().isEmpty());
    }

    @Test
    void keepaliveAnsweredKeepsConnectionUp() throws Exception {
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS); // without a call the server stops it after a minute
        ControlConnection serverSide = server.connections().getFirst();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(31));
            Thread.sleep(30); // a timer tick on each side: an Echo-Request goes out once 60 s are silent
            // Its reply is in before the clock moves on: a slow machine's scheduling is no silence.
            Await.until("echo answered", () -> !client.state().awaitingEchoReply() && !serverSide.awaitingEchoReply());
        }
        // 310 s of silence from the application: both sides sent Echo-Requests and answered them.
        assertEquals(ControlConnection.Phase.ESTABLISHED, client.state().phase());
        assertEquals(1, server.connections().size());
    }

    /** The raw peer starts the control connection and places call 7; returns once the server has it up. */
    private void placeCall7(RawControlPeer peer) throws Exception {
        peer.send(sccrq());
        assertInstanceOf(StartControlConnectionReply.class, peer.receive());
        peer.send(ocrq(7));
        assertInstanceOf(OutgoingCallReply.class, peer.receive());
        Await.until("call up", () -> serverCalls.established.size() == 1);
    }

    @Test
    void peerThatStopsAnsweringEchoIsTornDown() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            placeCall7(peer);

            clock.advance(Duration.ofSeconds(60));
            ControlMessage echo = peer.receive();
            assertInstanceOf(EchoRequest.class, echo, "60 s idle: server probes");

            clock.advance(Duration.ofSeconds(60));
            assertInstanceOf(StopControlConnectionRequest.class, peer.receive());
            assertTrue(peer.closedByServer(), "no answer for 60 s: server closes");
            Await.until("call cleared", () -> serverCalls.cleared.size() == 1);
            assertTrue(serverCalls.cleared.getFirst().contains("echo"), serverCalls.cleared.toString());
        }
    }

    @Test
    void aPeerThatSendsRequestsButNeverReadsTheRepliesIsCutOffNotBufferedForEver() throws Exception {
        // Echo-Requests (16 octets) as fast as TCP takes them, no reply ever read: without a limit
        // the replies pile up in the server's memory (the helper that found it measured 168 MB
        // queued for 25.6 MB sent), before any login.
        byte[] echoes = new byte[16 * 1024];
        byte[] one = ControlMessageCodec.encode(new EchoRequest(42));
        for (int i = 0; i < echoes.length; i += one.length) {
            System.arraycopy(one, 0, echoes, i, one.length);
        }
        try (RawControlPeer peer = new RawControlPeer(address, 4096)) {
            peer.send(sccrq());
            long sent = 0;
            boolean refused = false;
            while (!refused && sent < 16L << 20) {
                try {
                    peer.writeRaw(echoes);
                    sent += echoes.length;
                } catch (IOException e) {
                    refused = true; // reset: the server closed
                }
            }
            assertTrue(refused || peer.closedByServer(), "the server closes (" + (sent >> 20) + " MiB sent)");
            Await.until("connection gone", () -> server.connections().isEmpty());
        }
    }

    @Test
    void aConnectionWithoutACallIsStoppedAfterAMinuteEvenIfItAnswersEchoes() throws Exception {
        // Sixteen addresses times sixteen such connections held all 256 slots for good.
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(sccrq());
            assertInstanceOf(StartControlConnectionReply.class, peer.receive());
            clock.advance(Duration.ofSeconds(30));
            peer.send(new EchoRequest(1)); // alive, but no call
            assertInstanceOf(EchoReply.class, peer.receive());
            clock.advance(Duration.ofSeconds(31));
            assertInstanceOf(StopControlConnectionRequest.class, peer.receive());
            peer.send(new StopControlConnectionReply(StopControlConnectionReply.RESULT_OK, 0));
            assertTrue(peer.closedByServer());
        }
        // A call keeps it, and the minute starts again once the call is gone.
        try (RawControlPeer peer = new RawControlPeer(address)) {
            placeCall7(peer);
            for (int i = 0; i < 4; i++) {
                clock.advance(Duration.ofSeconds(50));
                peer.send(new EchoRequest(10 + i));
                assertInstanceOf(EchoReply.class, peer.receive(), "still up after " + (i + 1) * 50 + " s with a call");
            }
            peer.send(new CallClearRequest(7));
            assertInstanceOf(CallDisconnectNotify.class, peer.receive());
            clock.advance(Duration.ofSeconds(61));
            assertInstanceOf(StopControlConnectionRequest.class, peer.receive());
        }
    }

    @Test
    void silentConnectionIsClosedBeforeEstablishment() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            Await.until("accepted", () -> server.connections().size() == 1);
            clock.advance(Duration.ofSeconds(31));
            assertTrue(peer.closedByServer());
        }
    }

    @Test
    void messageSplitIntoOneByteSegmentsIsUnderstood() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.writeByteByByte(ControlMessageCodec.encode(sccrq()));
            StartControlConnectionReply reply = (StartControlConnectionReply) peer.receive();
            assertEquals(StartControlConnectionReply.RESULT_OK, reply.resultCode());
            assertEquals(ControlProtocol.PROTOCOL_VERSION, reply.protocolVersion());
            assertEquals("test-pac", reply.hostName());
            assertEquals(4, reply.maximumChannels());
        }
    }

    @Test
    void messagesPackedInOneSegmentAreAllAnswered() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            ByteBuffer all = ByteBuffer.allocate(400);
            all.put(ControlMessageCodec.encode(sccrq()));
            all.put(ControlMessageCodec.encode(new EchoRequest(0xCAFEBABE)));
            all.put(ControlMessageCodec.encode(ocrq(9)));
            peer.writeRaw(java.util.Arrays.copyOf(all.array(), all.position()));
            assertInstanceOf(StartControlConnectionReply.class, peer.receive());
            EchoReply echo = (EchoReply) peer.receive();
            assertEquals(0xCAFEBABE, echo.identifier());
            assertEquals(OutgoingCallReply.RESULT_CONNECTED, ((OutgoingCallReply) peer.receive()).resultCode());
        }
    }

    @Test
    void accelPppCrashSequenceIsHandled() throws Exception {
        // accel-ppp #156/#158: SCCRQ, OCRQ, CCRQ, CCRQ crashed the server on the second clear.
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(sccrq());
            peer.receive();
            peer.send(ocrq(5));
            OutgoingCallReply ocrp = (OutgoingCallReply) peer.receive();
            peer.send(new CallClearRequest(5));
            CallDisconnectNotify cdn = (CallDisconnectNotify) peer.receive();
            assertEquals(ocrp.callId(), cdn.callId(), "CDN carries the PAC's call ID (§2.13)");
            assertEquals(CallDisconnectNotify.RESULT_REQUEST, cdn.resultCode());
            peer.send(new CallClearRequest(5));
            // The stale clear is ignored; the connection still works.
            peer.send(new EchoRequest(42));
            assertEquals(42, ((EchoReply) peer.receive()).identifier());
        }
    }

    @Test
    void badMagicClosesTheConnection() throws Exception {
        byte[] m = ControlMessageCodec.encode(sccrq());
        m[4] ^= 0x01;
        assertRejected(m);
    }

    @Test
    void popToPLengthZeroFollowedByGarbageClosesTheConnection() throws Exception {
        // PoPToP CAN-2003-0213: a Length of 0 followed by 1500 bytes overflowed its buffer.
        byte[] m = new byte[1502];
        java.util.Arrays.fill(m, 2, m.length, (byte) 0x41);
        assertRejected(m);
    }

    @Test
    void lengthShorterThanHeaderClosesTheConnection() throws Exception {
        // FreeBSD D57383: Length below the fixed header.
        assertRejected(new byte[] {0, 8, 0, 1, 0x1A, 0x2B, 0x3C, 0x4D});
    }

    @Test
    void unknownControlTypesAreSkippedAndTheConnectionGoesOn() throws Exception {
        // As pptpd, pptp-linux and mtpd do: a well-framed message of a type we do not know is
        // skipped, and the connection keeps answering.
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(sccrq());
            peer.receive();
            for (int type : new int[] {0, 16, 255, 65535}) {
                byte[] m = ControlMessageCodec.encode(new EchoRequest(1));
                m[8] = (byte) (type >> 8);
                m[9] = (byte) type;
                peer.writeRaw(m);
            }
            peer.send(new EchoRequest(7));
            EchoReply reply = assertInstanceOf(EchoReply.class, peer.receive());
            assertEquals(7, reply.identifier());
        }
    }

    private void assertRejected(byte[] garbage) throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(sccrq());
            peer.receive();
            peer.writeRaw(garbage);
            assertTrue(peer.closedByServer(), "server must close after garbage");
        }
        // ... and keeps serving everybody else.
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(sccrq());
            assertInstanceOf(StartControlConnectionReply.class, peer.receive());
        }
    }

    @Test
    void callRequestBeforeStartIsRefusedWithNotConnected() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(ocrq(3));
            OutgoingCallReply reply = (OutgoingCallReply) peer.receive();
            assertEquals(OutgoingCallReply.RESULT_GENERAL_ERROR, reply.resultCode());
            assertEquals(ControlProtocol.ERROR_NOT_CONNECTED, reply.errorCode());
            assertTrue(peer.closedByServer());
        }
    }

    @Test
    void repeatedStartRequestIsRefusedButConnectionSurvives() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(sccrq());
            peer.receive();
            peer.send(sccrq());
            assertEquals(StartControlConnectionReply.RESULT_ALREADY_EXISTS,
                    ((StartControlConnectionReply) peer.receive()).resultCode());
            peer.send(new EchoRequest(1));
            assertInstanceOf(EchoReply.class, peer.receive());
        }
    }

    @Test
    void unsupportedProtocolVersionIsRefused() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(new StartControlConnectionRequest(0x0200, 1, 1, 0, 0, "raw", "test"));
            assertEquals(StartControlConnectionReply.RESULT_BAD_PROTOCOL_VERSION,
                    ((StartControlConnectionReply) peer.receive()).resultCode());
            assertTrue(peer.closedByServer());
        }
    }

    @Test
    void callsBeyondTheSessionLimitGetBusy() throws Exception {
        stop();
        startServer(1);
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.placeCall().get(5, TimeUnit.SECONDS));
        CallSetupException refusal = assertInstanceOf(CallSetupException.class, e.getCause());
        assertEquals(OutgoingCallReply.RESULT_BUSY, refusal.resultCode());
    }

    @Test
    void setLinkInfoIsAcceptedForALiveCall() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(sccrq());
            peer.receive();
            peer.send(ocrq(11));
            OutgoingCallReply ocrp = (OutgoingCallReply) peer.receive();
            peer.send(new SetLinkInfo(ocrp.callId(), 0, 0xFFFFFFFF));
            peer.send(new EchoRequest(2));
            assertInstanceOf(EchoReply.class, peer.receive());
            PptpCall call = serverCalls.established.getFirst();
            Await.until("ACCM recorded", () -> call.sendAccm() == 0);
        }
    }

    @Test
    void shutdownSendsStopToEveryPeerAndClearsCalls() throws Exception {
        ClientConnection a = dial();
        ClientConnection b = dial();
        a.placeCall().get(5, TimeUnit.SECONDS);
        b.placeCall().get(5, TimeUnit.SECONDS);
        try (RawControlPeer raw = new RawControlPeer(address)) {
            raw.send(sccrq());
            raw.receive();
            server.stop(Duration.ofSeconds(2));
            // The raw peer, which never answers, gets the request too and is closed after the grace time.
            assertInstanceOf(StopControlConnectionRequest.class, raw.receive());
            assertTrue(raw.closedByServer());
        }
        a.closed().get(5, TimeUnit.SECONDS);
        b.closed().get(5, TimeUnit.SECONDS);
        Await.until("both calls cleared", () -> serverCalls.cleared.size() == 2 && clientCalls.cleared.size() == 2);
    }

    @Test
    void stopRequestFromPeerIsAnsweredThenClosed() throws Exception {
        try (RawControlPeer peer = new RawControlPeer(address)) {
            peer.send(sccrq());
            peer.receive();
            peer.send(new StopControlConnectionRequest(StopControlConnectionRequest.REASON_NONE));
            StopControlConnectionReply reply = (StopControlConnectionReply) peer.receive();
            assertEquals(StopControlConnectionReply.RESULT_OK, reply.resultCode());
            assertTrue(peer.closedByServer());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
