package org.homerouter.pptp.ppp.ccp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.homerouter.pptp.LogCapture;
import org.homerouter.pptp.mppe.MppeDecryptResult;
import org.homerouter.pptp.mppe.MppeDecryptor;
import org.homerouter.pptp.mppe.MppeEncryptor;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStartKeys;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.tunnel.InternetChecksum;
import org.junit.jupiter.api.Test;

/** CCP Reset-Request and Reset-Ack (RFC 1962 §3.1) between two opened CCPs. */
class CcpResetTest {
    private static final Duration TENTH = Duration.ofMillis(100);

    private final CcpTestLink link = new CcpTestLink();
    private final CcpEnd server = new CcpEnd("call 7 (192.0.2.7)", MppePolicy.DEFAULT, link.clock, link.senderA());
    private final CcpEnd client = new CcpEnd(new MppePolicy(EnumSet.of(MppeStrength.BITS_128), true, false),
            link.clock, link.senderB());

    CcpResetTest() {
        link.connect(server, client);
        link.start();
        assertEquals(AutomatonState.OPENED, server.ccp.state());
        assertEquals(AutomatonState.OPENED, client.ccp.state());
    }

    private List<ControlPacket> resetRequestsFromServer() {
        return link.sentByA.stream().filter(p -> p.code() == CcpCode.RESET_REQUEST).toList();
    }

    @Test
    void resetRequestIsAnsweredWithAResetAckCarryingItsIdentifier() {
        server.ccp.receive(new ControlPacket(CcpCode.RESET_REQUEST, 0x42, new byte[] {1, 2, 3}));
        assertEquals(new ControlPacket(CcpCode.RESET_ACK, 0x42), link.sentByA.getLast());
        assertEquals(1, server.events.resetsRequestedByPeer);
    }

    @Test
    void ourResetRequestReachesThePeerAndItsAckEndsTheExchange() {
        server.ccp.requestReset();
        link.flush();
        assertEquals(1, resetRequestsFromServer().size());
        assertEquals(1, client.events.resetsRequestedByPeer);
        int id = resetRequestsFromServer().getFirst().identifier();
        assertEquals(new ControlPacket(CcpCode.RESET_ACK, id), link.sentByB.getLast());
        assertTrue(server.ccp.deadline().isEmpty(), "the Ack ended it");
        link.advance(TENTH, 30);
        assertEquals(1, resetRequestsFromServer().size());
    }

    @Test
    void aFailureAfterTheAckStartsANewExchange() {
        // As pppd: once the Ack is in, the next undecryptable packet means a new loss.
        server.ccp.requestReset();
        link.flush();
        server.ccp.requestReset();
        link.flush();
        assertEquals(2, resetRequestsFromServer().size());
        assertNotEquals(resetRequestsFromServer().get(0).identifier(), resetRequestsFromServer().get(1).identifier());
        assertEquals(2, client.events.resetsRequestedByPeer);
    }

    @Test
    void unansweredResetRequestIsRepeatedWithTheSameIdentifierWhilePacketsKeepFailing() {
        link.lose = p -> p.code() == CcpCode.RESET_ACK;
        server.ccp.requestReset();
        link.flush();
        server.ccp.requestReset(); // still failing
        link.advance(TENTH, 9);
        assertEquals(1, resetRequestsFromServer().size(), "not before one second (pppd RACKTIMEOUT)");
        link.advance(TENTH, 1);
        assertEquals(2, resetRequestsFromServer().size());
        assertEquals(resetRequestsFromServer().get(0), resetRequestsFromServer().get(1), "same Identifier (RFC 1962 §3.1)");

        link.lose = p -> false;
        server.ccp.requestReset();
        link.advance(TENTH, 10);
        assertEquals(3, resetRequestsFromServer().size());
        link.advance(TENTH, 50);
        assertEquals(3, resetRequestsFromServer().size(), "acked at last");
        assertEquals(List.of(), server.events.failures);
    }

    @Test
    void noRepeatOnceDecryptionRecoversEvenWithoutAnAck() {
        // RFC 3078 does not oblige the peer to Ack; a flushed packet that decrypts means no more
        // failures, so nothing is repeated, and the next loss starts a new exchange.
        link.lose = p -> p.code() == CcpCode.RESET_ACK;
        server.ccp.requestReset();
        link.advance(TENTH, 30);
        assertEquals(1, resetRequestsFromServer().size());
        server.ccp.requestReset();
        link.flush();
        assertEquals(2, resetRequestsFromServer().size());
        assertNotEquals(resetRequestsFromServer().get(0).identifier(), resetRequestsFromServer().get(1).identifier());
    }

    @Test
    void resetAckForAnotherRequestIsIgnored() {
        link.lose = p -> p.code() == CcpCode.RESET_ACK;
        server.ccp.requestReset();
        link.flush();
        int id = resetRequestsFromServer().getFirst().identifier();
        server.ccp.receive(new ControlPacket(CcpCode.RESET_ACK, (id + 1) & 0xFF));
        server.ccp.requestReset();
        link.advance(TENTH, 10);
        assertEquals(2, resetRequestsFromServer().size());
    }

    @Test
    void resetRequestsGoUnansweredForTenSecondsAndTheLinkIsGivenUp() {
        link.lose = p -> p.code() == CcpCode.RESET_REQUEST;
        for (int i = 0; i < 150; i++) {
            server.ccp.requestReset(); // every packet fails
            link.advance(TENTH, 1);
        }
        assertEquals(ResetRequester.MAX_REQUESTS, resetRequestsFromServer().size());
        assertEquals(List.of(CcpFailure.RESET_UNANSWERED), server.events.failures);
    }

    /**
     * A session's CCP names the session in its lines, as its LCP does: with many tunnels up, "CCP:
     * Reset-Requests went unanswered" was no use to an owner looking for whose encryption failed.
     */
    @Test
    void aSessionsCcpLinesNameTheSession() {
        link.lose = p -> p.code() == CcpCode.RESET_REQUEST;
        try (LogCapture log = LogCapture.start()) {
            server.ccp.receive(new ControlPacket(CcpCode.RESET_REQUEST, 0x42));
            for (int i = 0; i < 150; i++) {
                server.ccp.requestReset();
                link.advance(TENTH, 1);
            }
            List<String> ccpLines = log.lines().stream().filter(l -> l.contains("CCP")).toList();
            assertTrue(ccpLines.contains("DEBUG call 7 (192.0.2.7): CCP: decryption lost step: Reset-Request "
                    + resetRequestsFromServer().getFirst().identifier() + " (#1 of this exchange)"), ccpLines.toString());
            assertTrue(ccpLines.stream().anyMatch(l -> l.startsWith("DEBUG call 7 (192.0.2.7): CCP: peer asked for a reset")),
                    ccpLines.toString());
            assertTrue(ccpLines.stream().anyMatch(l -> l.startsWith("DEBUG call 7 (192.0.2.7): CCP: "
                    + CcpFailure.RESET_UNANSWERED.description())), ccpLines.toString());
        }
    }

    @Test
    void resetRequestsAreOnlySentWhileOpened() {
        server.ccp.close();
        link.flush();
        server.ccp.requestReset();
        link.flush();
        assertEquals(0, resetRequestsFromServer().size());
    }

    /**
     * The whole loop over a lossy link: the client's stateful encryptor, the server's decryptor,
     * and CCP between them. Each loss makes the decryptor ask, the server's CCP sends a
     * Reset-Request, the client's CCP acks it and flushes its encryptor, and the next packet
     * resynchronises the server. The keys come from {@link CcpResult}'s factories, server and
     * client side, so their mirroring is checked too. The packets are IPv4, as a session's are:
     * its decryptor believes no flushed packet that does not decrypt to a checked IPv4 packet.
     */
    @Test
    void statefulLinkRecoversFromLossThroughCcp() {
        byte[] ntHash = HexFormat.of().parseHex("44EBBA8D5312B8D611474411F56989AE");
        byte[] ntResponse = HexFormat.of().parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
        CcpResult stateful = new CcpResult(MppeStrength.BITS_128, false);
        MppeEncryptor clientOut = stateful.newEncryptor(MppeStartKeys.forClient(ntHash, ntResponse));
        MppeDecryptor serverIn = stateful.newDecryptor(MppeStartKeys.forServer(ntHash, ntResponse));
        client.events.onPeerReset = clientOut::resetRequested;
        Random rnd = new Random(40);
        int sent = 3_000;
        int lost = 0;
        int delivered = 0;
        for (int i = 0; i < sent; i++) {
            byte[] plain = ipv4Frame(rnd, 22 + rnd.nextInt(200));
            ByteBuffer wire = ByteBuffer.allocate(plain.length + 2);
            clientOut.encrypt(ByteBuffer.wrap(plain), wire);
            wire.flip();
            boolean flushed = (wire.get(0) & 0x80) != 0;
            if (!(serverIn.awaitingFlush() && flushed) && rnd.nextInt(10) == 0) {
                lost++;
                continue;
            }
            MppeDecryptResult r = serverIn.decrypt(wire);
            if (r.delivered()) {
                byte[] got = new byte[wire.remaining()];
                wire.get(got);
                assertArrayEquals(plain, got, "packet " + i);
                delivered++;
            } else {
                assertEquals(MppeDecryptResult.RESET_REQUIRED, r, "packet " + i);
                server.ccp.requestReset();
                link.flush(); // the Reset-Request and its Ack cross the link before the next packet
            }
            if (i % 20 == 0) {
                link.advance(TENTH, 1);
            }
        }
        assertTrue(client.events.resetsRequestedByPeer > 200, "resets: " + client.events.resetsRequestedByPeer);
        assertEquals(sent - lost - client.events.resetsRequestedByPeer, delivered, "each loss costs one more packet, no more");
        assertEquals(clientOut.keyChanges(), serverIn.keyChanges());
        assertEquals(List.of(), server.events.failures);
    }

    /** A PPP frame of {@code size} octets: protocol 0x0021, an IPv4 header that checks out, random data. */
    private static byte[] ipv4Frame(Random rnd, int size) {
        byte[] f = new byte[size];
        rnd.nextBytes(f);
        ByteBuffer b = ByteBuffer.wrap(f);
        b.putShort(0, (short) 0x0021).put(2, (byte) 0x45).putShort(4, (short) (size - 2)).putShort(12, (short) 0);
        b.putShort(12, InternetChecksum.finish(InternetChecksum.add(0, b, 2, 20)));
        return f;
    }
}
