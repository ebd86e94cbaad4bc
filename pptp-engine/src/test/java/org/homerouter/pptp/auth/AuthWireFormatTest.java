package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.homerouter.pptp.ppp.ConfigOptionCodec;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketCodec;
import org.junit.jupiter.api.Test;

/** Hand-written packets, laid out octet by octet from RFC 1334 §2.2, RFC 1994 §4 and RFC 2759 §3-§6. */
class AuthWireFormatTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private static ControlPacket packet(String hex) {
        return ControlPacketCodec.decode(HEX.parseHex(hex)).orElseThrow();
    }

    @Test
    void chapChallenge() {
        // Code 1, Identifier 7, Length 27, Value-Size 16, Value, Name "router".
        String wire = "01" + "07" + "001B" + "10" + "5B5D7C7D7B3F2F3E3C2C602132262628" + "726F75746572";
        ChapValuePacket c = ChapValuePacket.decode(packet(wire)).orElseThrow();

        assertEquals(ChapValuePacket.CHALLENGE, c.code());
        assertEquals(7, c.identifier());
        assertArrayEquals(HEX.parseHex("5B5D7C7D7B3F2F3E3C2C602132262628"), c.value());
        assertEquals("router", c.nameText());
        assertEquals(wire, HEX.formatHex(ControlPacketCodec.encode(c.toPacket())));
    }

    @Test
    void msChapV2Response() {
        // Code 2, Identifier 7, Length 4+1+49+4 = 58, Value-Size 49: Peer-Challenge (16), Reserved
        // (8 zero), NT-Response (24), Flags (0); Name "User". Values of RFC 2759 §9.2.
        String wire = "02" + "07" + "003A" + "31"
                + "21402324255E262A28295F2B3A337C7E" + "0000000000000000"
                + "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF" + "00" + "55736572";
        ChapValuePacket r = ChapValuePacket.decode(packet(wire)).orElseThrow();
        byte[] value = r.value();
        MsChapV2Response v = MsChapV2Response.decode(value, 0, value.length);

        assertEquals(ChapValuePacket.RESPONSE, r.code());
        assertEquals("User", r.nameText());
        assertArrayEquals(HEX.parseHex("21402324255E262A28295F2B3A337C7E"), v.peerChallenge());
        assertArrayEquals(HEX.parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"), v.ntResponse());
        assertEquals(0, v.flags());
        assertEquals(wire, HEX.formatHex(ControlPacketCodec.encode(r.toPacket())));
    }

    @Test
    void msChapV2SuccessAndFailure() {
        String text = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Access granted";
        String wire = "03" + "07" + String.format("%04X", 4 + text.length())
                + HEX.formatHex(text.getBytes(StandardCharsets.US_ASCII));
        ChapStatusPacket s = ChapStatusPacket.decode(packet(wire));
        assertTrue(s.success());
        assertEquals(7, s.identifier());
        assertEquals(text, s.messageText());

        ChapStatusPacket f = ChapStatusPacket.decode(packet("04" + "07" + "0009" + "453D363931"));
        assertEquals(false, f.success());
        assertEquals("E=691", f.messageText());
    }

    @Test
    void chapValueSizeRunningPastTheDataIsInvalid() {
        assertEquals(Optional.empty(), ChapValuePacket.decode(packet("01" + "01" + "0008" + "10" + "AABBCC")));
        assertEquals(Optional.empty(), ChapValuePacket.decode(packet("02" + "01" + "0005" + "00")));
    }

    @Test
    void papAuthenticateRequestAndReplies() {
        // Code 1, Identifier 5, Length 4+1+5+1+3 = 14, Peer-ID Length 5 "alice", Passwd-Length 3 "pw!".
        String wire = "01" + "05" + "000E" + "05" + "616C696365" + "03" + "707721";
        PapAuthenticateRequest r = PapAuthenticateRequest.decode(packet(wire)).orElseThrow();
        assertEquals(5, r.identifier());
        assertEquals("alice", r.peerIdText());
        assertArrayEquals("pw!".getBytes(StandardCharsets.US_ASCII), r.password());
        assertEquals(wire, HEX.formatHex(ControlPacketCodec.encode(r.toPacket())));
        assertTrue(!r.toString().contains("pw!"), "the password stays out of logs");

        // Code 2 (Ack), Identifier 5, Length 7, Msg-Length 2, "ok".
        PapAuthenticateReply ack = PapAuthenticateReply.decode(packet("02" + "05" + "0007" + "02" + "6F6B")).orElseThrow();
        assertTrue(ack.ack());
        assertEquals("ok", ack.messageText());
        // Code 3 (Nak) with an empty message.
        PapAuthenticateReply nak = PapAuthenticateReply.decode(packet("03" + "09" + "0005" + "00")).orElseThrow();
        assertEquals(false, nak.ack());
        assertEquals(9, nak.identifier());
    }

    @Test
    void aPapRequestPrintedInALogLineHoldsNoPassword() {
        // A packet an authenticator discards (before its start, or malformed) is logged as it came;
        // for PAP its data is the password in clear (RFC 1334 §2.2.1).
        ControlPacket request = PapAuthenticateRequest.of(5, "alice", "Secret-pw").toPacket();
        String password = HEX.formatHex("Secret-pw".getBytes(StandardCharsets.US_ASCII));
        for (String text : List.of(request.toString(), PapAuthenticateRequest.decode(request).orElseThrow().toString())) {
            assertTrue(!text.toUpperCase().contains(password) && !text.contains("Secret-pw"), text);
        }
        assertTrue(request.toString().contains("code=1, id=5"), request.toString());
    }

    @Test
    void papLengthsRunningPastTheDataAreInvalid() {
        assertEquals(Optional.empty(), PapAuthenticateRequest.decode(packet("01" + "01" + "0008" + "05" + "616C69")));
        assertEquals(Optional.empty(), PapAuthenticateRequest.decode(packet("01" + "01" + "0008" + "02" + "6162" + "04")));
        assertEquals(Optional.empty(), PapAuthenticateReply.decode(packet("02" + "01" + "0006" + "05" + "61")));
    }

    @Test
    void lcpAuthenticationProtocolOptions() {
        // Type 3, Length, then the protocol and for CHAP the algorithm (RFC 1661 §6.2, RFC 1994 §3).
        assertEquals("0304C023", HEX.formatHex(ConfigOptionCodec.encode(List.of(AuthMethod.PAP.lcpOption()))));
        assertEquals("0305C22305", HEX.formatHex(ConfigOptionCodec.encode(List.of(AuthMethod.CHAP_MD5.lcpOption()))));
        assertEquals("0305C22381", HEX.formatHex(ConfigOptionCodec.encode(List.of(AuthMethod.MSCHAP_V2.lcpOption()))));

        assertEquals(Optional.of(AuthMethod.MSCHAP_V2), AuthMethod.fromOptionData(HEX.parseHex("C22381")));
        assertEquals(Optional.of(AuthMethod.PAP), AuthMethod.fromOptionData(HEX.parseHex("C023")));
        assertEquals(Optional.empty(), AuthMethod.fromOptionData(HEX.parseHex("C22380")), "MS-CHAPv1");
        assertEquals(Optional.empty(), AuthMethod.fromOptionData(HEX.parseHex("C227")), "EAP");
        assertEquals(Optional.empty(), AuthMethod.fromOptionData(HEX.parseHex("C223")), "CHAP without algorithm");
    }
}
