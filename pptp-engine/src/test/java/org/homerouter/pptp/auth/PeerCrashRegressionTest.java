package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;

/**
 * Authentication packets shaped like the ones that crashed other PPP implementations, each named
 * for its case. Our authenticator must discard or refuse them cleanly: no exception, no result
 * from a packet that does not parse, and a normal 691 for one that parses but lies.
 */
class PeerCrashRegressionTest {
    private static final byte[] CHALLENGE = HexFormat.of().parseHex("5B5D7C7D7B3F2F3E3C2C602132262628");

    private final ManualClock clock = new ManualClock();
    private final List<ControlPacket> sent = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();
    private final MsChapV2Authenticator authenticator = new MsChapV2Authenticator(AuthPolicy.DEFAULT,
            new InMemoryUserDirectory(PppUser.withPassword("User", "clientPass")), "router", clock,
            new ScriptedRandom(CHALLENGE), sent::add, listener);

    @Test
    void pppdCve2020_8597ValueSizeBeyondThePacketIsDiscarded() {
        // pppd's eap_request/eap_response trusted a length field over the packet's own Length and
        // overflowed a stack buffer. Here: a CHAP Response whose Value-Size (255) runs past the end.
        authenticator.start();
        int id = sent.getFirst().identifier();
        byte[] data = new byte[12];
        data[0] = (byte) 255;
        authenticator.receive(new ControlPacket(ChapValuePacket.RESPONSE, id, data));

        assertEquals(1, sent.size(), "nothing answered: RFC 1994 §4.1 malformed packets are silently discarded");
        assertTrue(listener.results.isEmpty(), "no verdict from a packet that does not parse");
        assertTrue(authenticator.deadline().isPresent(), "still waiting for a proper Response");
    }

    @Test
    void pppdCve2020_8597ValueSizeZeroAndEmptyResponseAreDiscarded() {
        authenticator.start();
        int id = sent.getFirst().identifier();
        authenticator.receive(new ControlPacket(ChapValuePacket.RESPONSE, id, new byte[] {0}));
        authenticator.receive(new ControlPacket(ChapValuePacket.RESPONSE, id, new byte[0]));
        assertEquals(1, sent.size());
        assertTrue(listener.results.isEmpty());
    }

    @Test
    void oversizedNameWithControlCharactersIsRefusedWith691() {
        // The largest Name a 1400-octet MRU allows, with newlines and escapes a log forger would use.
        byte[] name = new byte[1300];
        Arrays.fill(name, (byte) 'A');
        name[10] = '\n';
        name[11] = 0x1B;
        authenticator.start();
        int id = sent.getFirst().identifier();
        byte[] nt = MsChapV2.generateNtResponse(CHALLENGE, new byte[16], name, "guess");
        authenticator.receive(ChapValuePacket.response(id, MsChapV2Response.of(new byte[16], nt).encode(), name)
                .toPacket());

        assertEquals(ChapStatusPacket.FAILURE, sent.getLast().code());
        byte[] m = sent.getLast().data();
        assertEquals(MsChapError.AUTHENTICATION_FAILURE.code(), MsChapV2Failure.decode(m, 0, m.length).errorCode(),
                "an unknown user gets the same E=691 as a wrong password (no user enumeration)");
        AuthResult.Failure f = listener.failure();
        assertEquals(Optional.of(new String(name, StandardCharsets.UTF_8)), f.userName());
    }
}
