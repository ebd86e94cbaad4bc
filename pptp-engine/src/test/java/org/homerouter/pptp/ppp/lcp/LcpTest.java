package org.homerouter.pptp.ppp.lcp;

import org.homerouter.pptp.auth.AuthMethod;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketCodec;
import org.junit.jupiter.api.Test;

class LcpTest {

    /** One LCP instance whose packets are captured. */
    private static final class Endpoint {
        final List<ControlPacket> sent = new ArrayList<>();
        final RecordingLcpListener events = new RecordingLcpListener();
        final Lcp lcp;

        Endpoint(LcpSettings settings) {
            lcp = new Lcp(settings, new ManualClock(), new Random(7), sent::add, events);
            lcp.open();
            lcp.lowerLayerUp();
            assertEquals(List.of("needed"), events.events, "Open in Initial: This-Layer-Started");
            events.events.clear();
        }

        void receive(String hex) {
            lcp.receive(ByteBuffer.wrap(bytes(hex)));
        }

        ControlPacket last() {
            return sent.getLast();
        }

        String lastHex() {
            return HexFormat.of().formatHex(ControlPacketCodec.encode(last()));
        }

        /** The peer acknowledges our last Configure-Request, echoing it as RFC 1661 §5.2 requires. */
        void peerAcksOurRequest() {
            ControlPacket ours = sent.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_REQUEST)
                    .reduce((a, b) -> b).orElseThrow();
            lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, ours.identifier(), ours.data()));
        }

        ControlPacket lastRequest() {
            return sent.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_REQUEST).reduce((a, b) -> b).orElseThrow();
        }
    }

    private static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    // A Windows PPTP client's first LCP Configure-Request with multilink enabled: the layout pppd
    // logs as "<mru 1400> <magic 0x1c8a3b5e> <pcomp> <accomp> <callback CBCP> <mrru 1614>
    // <endpoint [local:...]>".
    private static final String WINDOWS_REQUEST_0 = """
            01 00 00 30
            01 04 05 78
            05 06 1c 8a 3b 5e
            07 02
            08 02
            0d 03 06
            11 04 06 4e
            13 17 01 5f 9d 3c e3 1b 73 4d 68 8f c6 c7 ab 85 09 f4 cc 00 00 00 00
            """;
    // Code 1 Configure-Request, Identifier 0, Length 48
    //   MRU (1), length 4: 1400
    //   Magic-Number (5), length 6: 0x1c8a3b5e
    //   Protocol-Field-Compression (7), length 2
    //   Address-and-Control-Field-Compression (8), length 2
    //   Callback (13), length 3: operation 6 = Microsoft CBCP
    //   MRRU (17), length 4: 1614
    //   Endpoint Discriminator (19), length 23: class 1 (locally assigned), 20 octets

    // What Windows sends after the reject: the same without 13, 17 and 19 (Identifier 1, Length 18).
    private static final String WINDOWS_REQUEST_1 = """
            01 01 00 12
            01 04 05 78
            05 06 1c 8a 3b 5e
            07 02
            08 02
            """;

    @Test
    void windowsRequestGetsCallbackMrruAndEndpointRejectedThenAcked() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of(AuthMethod.MSCHAP_V2)));
        ControlPacket ourRequest = server.last();
        byte[] ourOptions = ourRequest.data();
        byte[] magic = Arrays.copyOfRange(ourOptions, 11, 15);
        // Our own request: MRU 1400, CHAP with MS-CHAPv2, a magic number, PFC, ACFC.
        assertEquals("01" + String.format("%02x", ourRequest.identifier()) + "0017"
                + "01040578" // MRU 1400
                + "0305c22381" // Authentication-Protocol: CHAP (c223), algorithm 0x81 MS-CHAPv2
                + "0506" + hex(magic) // Magic-Number
                + "0702" // PFC
                + "0802", // ACFC
                hex(ControlPacketCodec.encode(ourRequest)));
        assertFalse(Arrays.equals(new byte[4], magic), "magic number is not zero");

        server.receive(WINDOWS_REQUEST_0);
        assertEquals(hex(bytes("""
                04 00 00 22
                0d 03 06
                11 04 06 4e
                13 17 01 5f 9d 3c e3 1b 73 4d 68 8f c6 c7 ab 85 09 f4 cc 00 00 00 00
                """)), server.lastHex(), "Configure-Reject, Identifier 0, Length 34: exactly 13, 17, 19 unchanged");

        server.receive(WINDOWS_REQUEST_1);
        assertEquals(hex(bytes("""
                02 01 00 12
                01 04 05 78
                05 06 1c 8a 3b 5e
                07 02
                08 02
                """)), server.lastHex(), "Configure-Ack, Identifier 1, options echoed");
        assertEquals(AutomatonState.ACK_SENT, server.lcp.state());

        server.peerAcksOurRequest();
        assertEquals(AutomatonState.OPENED, server.lcp.state());
        assertEquals(List.of("up"), server.events.events);
        LinkConfiguration c = server.lcp.configuration().orElseThrow();
        assertEquals(1400, c.transmitMru());
        assertEquals(1400, c.receiveMru());
        assertEquals(Optional.of(AuthMethod.MSCHAP_V2), c.peerAuthentication());
        assertEquals(Optional.empty(), c.selfAuthentication());
        assertEquals(0x1c8a3b5e, c.peerMagic());
        assertEquals(ByteBuffer.wrap(magic).getInt(), c.localMagic());
        assertTrue(c.transmitPfc() && c.transmitAcfc() && c.receivePfc() && c.receiveAcfc());
    }

    @Test
    void serverAndClientAgreeThroughAPipe() {
        LcpPipe pipe = new LcpPipe(LcpSettings.server(List.of(AuthMethod.MSCHAP_V2, AuthMethod.CHAP_MD5)),
                LcpSettings.client(List.of(AuthMethod.MSCHAP_V2)).withMru(1450));
        pipe.start();
        pipe.pump();
        assertEquals(AutomatonState.OPENED, pipe.server.state());
        assertEquals(AutomatonState.OPENED, pipe.client.state());
        LinkConfiguration s = pipe.serverEvents.configuration;
        LinkConfiguration c = pipe.clientEvents.configuration;
        assertEquals(Optional.of(AuthMethod.MSCHAP_V2), s.peerAuthentication());
        assertEquals(Optional.of(AuthMethod.MSCHAP_V2), c.selfAuthentication());
        assertEquals(Optional.empty(), c.peerAuthentication());
        assertEquals(1450, s.transmitMru(), "the server honours the client's MRU");
        assertEquals(1400, s.receiveMru());
        assertEquals(1400, c.transmitMru());
        assertEquals(1450, c.receiveMru());
        assertEquals(s.localMagic(), c.peerMagic());
        assertEquals(c.localMagic(), s.peerMagic());
        assertTrue(s.localMagic() != 0 && c.localMagic() != 0 && s.localMagic() != c.localMagic());
        assertTrue(s.transmitCompression().addressControl() && s.transmitCompression().protocol());
    }

    @Test
    void clientAllowingOnlyMsChapV2NaksPap() {
        Endpoint client = new Endpoint(LcpSettings.client(List.of(AuthMethod.MSCHAP_V2)));
        client.receive("""
                01 07 00 0e
                03 04 c0 23
                05 06 11 22 33 44
                """); // Configure-Request id 7, Length 14: Authentication-Protocol PAP, Magic-Number
        assertEquals(hex(bytes("""
                03 07 00 09
                03 05 c2 23 81
                """)), client.lastHex(), "Configure-Nak suggesting CHAP with MS-CHAPv2");

        client.receive("""
                01 08 00 0f
                03 05 c2 23 81
                05 06 11 22 33 44
                """);
        assertEquals(ControlPacket.CONFIGURE_ACK, client.last().code());
        client.peerAcksOurRequest();
        assertEquals(Optional.of(AuthMethod.MSCHAP_V2), client.lcp.configuration().orElseThrow().selfAuthentication());
    }

    @Test
    void serverRequiringMsChapV2GivesUpWhenTheClientWantsPap() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of(AuthMethod.MSCHAP_V2)));
        int id = server.last().identifier();
        server.lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, id, bytes("03 04 c0 23")));
        assertEquals(List.of("failed AUTHENTICATION_REFUSED"), server.events.events);
        assertEquals(ControlPacket.TERMINATE_REQUEST, server.last().code(), "terminates instead of asking again");
        assertEquals(AutomatonState.CLOSING, server.lcp.state());
    }

    @Test
    void serverFallsBackToItsNextAllowedMethod() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of(AuthMethod.MSCHAP_V2, AuthMethod.CHAP_MD5)));
        server.lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, server.last().identifier(), bytes("03 04 c0 23")));
        assertTrue(hex(server.lastRequest().data()).contains("0305c22305"), "now asks for CHAP-MD5");

        Endpoint flexible = new Endpoint(LcpSettings.server(List.of(AuthMethod.MSCHAP_V2, AuthMethod.CHAP_MD5, AuthMethod.PAP)));
        flexible.lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, flexible.last().identifier(), bytes("03 04 c0 23")));
        assertTrue(hex(flexible.lastRequest().data()).contains("0304c023"), "takes the peer's allowed suggestion");
    }

    @Test
    void serverFailsWhenTheClientRejectsAuthentication() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of(AuthMethod.MSCHAP_V2)));
        server.lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_REJECT, server.last().identifier(), bytes("03 05 c2 23 81")));
        assertEquals(List.of("failed AUTHENTICATION_REFUSED"), server.events.events);
        assertEquals(ControlPacket.TERMINATE_REQUEST, server.last().code());
    }

    @Test
    void methodsAreAgreedEndToEndWhenFirstChoicesDiffer() {
        LcpPipe pipe = new LcpPipe(LcpSettings.server(List.of(AuthMethod.MSCHAP_V2, AuthMethod.CHAP_MD5)),
                LcpSettings.client(List.of(AuthMethod.CHAP_MD5)));
        pipe.start();
        pipe.pump();
        assertEquals(AutomatonState.OPENED, pipe.server.state());
        assertEquals(Optional.of(AuthMethod.CHAP_MD5), pipe.serverEvents.configuration.peerAuthentication());
        assertEquals(Optional.of(AuthMethod.CHAP_MD5), pipe.clientEvents.configuration.selfAuthentication());
    }

    @Test
    void serverRejectsBeingAskedToAuthenticateItself() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of(AuthMethod.MSCHAP_V2)));
        server.receive("01 03 00 09 03 05 c2 23 81");
        assertEquals("0403000903" + "05c22381", server.lastHex());
    }

    @Test
    void tooSmallPeerMruIsNakedWithTheFloor() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of()));
        server.receive("01 04 00 08 01 04 00 40"); // MRU 64
        assertEquals(hex(bytes("03 04 00 08 01 04 02 40")), server.lastHex(), "Nak suggesting MRU 576");
        // 300 too: the tunnel device's MTU is at least 576, and the packets between 300 and 576
        // it would hand over were dropped without a word.
        server.receive("01 05 00 08 01 04 01 2c");
        assertEquals(hex(bytes("03 05 00 08 01 04 02 40")), server.lastHex(), "Nak suggesting MRU 576");
        server.receive("01 06 00 08 01 04 02 40");
        assertEquals(ControlPacket.CONFIGURE_ACK, server.last().code(), "576 is taken");
    }

    @Test
    void peerUsingOurMagicNumberOrZeroIsNakedWithAnotherOne() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of()));
        byte[] ours = Arrays.copyOfRange(server.lastRequest().data(), 6, 10); // after MRU (4) and magic header (2)
        server.lcp.receive(new ControlPacket(ControlPacket.CONFIGURE_REQUEST, 9, bytes("0506" + hex(ours))));
        ControlPacket nak = server.last();
        assertEquals(ControlPacket.CONFIGURE_NAK, nak.code());
        byte[] suggested = Arrays.copyOfRange(nak.data(), 2, 6);
        assertFalse(Arrays.equals(ours, suggested));
        assertFalse(Arrays.equals(new byte[4], suggested));

        server.receive("01 0a 00 0a 05 06 00 00 00 00");
        assertEquals(ControlPacket.CONFIGURE_NAK, server.last().code(), "zero is illegal");
    }

    @Test
    void unknownCodeIsCodeRejectedWithTheRejectedPacket() {
        Endpoint server = opened();
        server.receive("20 05 00 06 ab cd");
        ControlPacket reject = server.last();
        assertEquals(ControlPacket.CODE_REJECT, reject.code());
        assertEquals("20050006abcd", hex(reject.data()));
        assertEquals(AutomatonState.OPENED, server.lcp.state());
    }

    @Test
    void identificationIsNeitherAnsweredNorRejected() {
        Endpoint server = opened();
        int before = server.sent.size();
        // Identification (12), id 2, Length 18: magic 0x1c8a3b5e, "MSRASV5.20"
        server.receive("0c 02 00 12 1c 8a 3b 5e 4d 53 52 41 53 56 35 2e 32 30");
        assertEquals(before, server.sent.size());
    }

    @Test
    void discardRequestIsAbsorbedSilently() {
        Endpoint server = opened();
        int before = server.sent.size();
        server.receive("0b 09 00 0a 1c 8a 3b 5e 00 00"); // Discard-Request: magic, two octets
        assertEquals(before, server.sent.size());
        assertEquals(AutomatonState.OPENED, server.lcp.state());
    }

    @Test
    void echoRequestIsAnsweredWithOurMagicNumberOnlyWhenOpened() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of()));
        server.receive("09 21 00 08 1c 8a 3b 5e");
        assertEquals(ControlPacket.CONFIGURE_REQUEST, server.last().code(), "no reply before Opened (§5.8)");

        server.receive(WINDOWS_REQUEST_1);
        server.peerAcksOurRequest();
        int ourMagic = server.lcp.configuration().orElseThrow().localMagic();
        server.receive("09 22 00 0a 1c 8a 3b 5e 01 02");
        ControlPacket reply = server.last();
        assertEquals(10, reply.code());
        assertEquals(0x22, reply.identifier());
        ByteBuffer data = ByteBuffer.wrap(reply.data());
        assertEquals(ourMagic, data.getInt());
        assertEquals(0x0102, data.getShort(), "data copied");
    }

    @Test
    void protocolRejectOfAnNcpIsReportedAndLcpStaysOpen() {
        Endpoint server = opened();
        server.receive("08 30 00 0a 80 57 01 01 00 04"); // Protocol-Reject of IPv6CP, rejected packet follows
        assertEquals(List.of("up", "rejected 0x8057"), server.events.events);
        assertEquals(AutomatonState.OPENED, server.lcp.state());
    }

    @Test
    void protocolRejectIsSentOnlyWhenOpened() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of()));
        ByteBuffer info = ByteBuffer.wrap(bytes("01 02 03"));
        assertFalse(server.lcp.sendProtocolReject(0x8281, info));

        server.receive(WINDOWS_REQUEST_1);
        server.peerAcksOurRequest();
        assertTrue(server.lcp.sendProtocolReject(0x8281, info));
        ControlPacket p = server.last();
        assertEquals(8, p.code());
        assertEquals("8281010203", hex(p.data()), "rejected protocol, then the information field");
        assertEquals(0, info.position(), "caller's buffer untouched");
    }

    @Test
    void configureRequestWhileOpenedRenegotiates() {
        Endpoint server = opened();
        server.sent.clear();
        server.receive(WINDOWS_REQUEST_1.replaceFirst("01 01", "01 05"));
        assertEquals(List.of("up", "down"), server.events.events);
        assertEquals(List.of(ControlPacket.CONFIGURE_REQUEST, ControlPacket.CONFIGURE_ACK),
                server.sent.stream().map(ControlPacket::code).toList());
        assertEquals(AutomatonState.ACK_SENT, server.lcp.state());
    }

    private static Endpoint opened() {
        Endpoint server = new Endpoint(LcpSettings.server(List.of()));
        server.receive(WINDOWS_REQUEST_1);
        server.peerAcksOurRequest();
        assertEquals(AutomatonState.OPENED, server.lcp.state());
        return server;
    }
}
