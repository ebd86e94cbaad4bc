package org.homerouter.pptp.ppp.ccp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.AutomatonSettings;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ControlPacketCodec;
import org.junit.jupiter.api.Test;

/** Our CCP against hand-written packets as real peers put them on the wire. */
class CcpWireFixtureTest {
    private static final HexFormat HEX = HexFormat.of();

    private final ManualClock clock = new ManualClock();
    private final List<String> sent = new ArrayList<>();
    private final RecordingCcpListener events = new RecordingCcpListener();
    private final Ccp ccp = new Ccp(MppePolicy.DEFAULT, AutomatonSettings.DEFAULTS, clock,
            packet -> sent.add(HEX.formatHex(ControlPacketCodec.encode(packet))), events);

    private void receive(String hex) {
        ccp.receive(ByteBuffer.wrap(HEX.parseHex(hex.replace(" ", ""))));
    }

    private static String hex(String spaced) {
        return spaced.replace(" ", "");
    }

    @Test
    void windowsConfigureRequestIsAckedOnTheFirstRound() {
        ccp.lowerLayerUp();
        ccp.open();
        // Our request: Code 1, Id 1, Length 10, option 18 (MPPE) length 6, Supported Bits
        // 0x01000040 = H (stateless, low bit of the first octet) + S (128-bit), RFC 3078 §2.
        assertEquals(List.of(hex("01 01 000a 12 06 01000040")), sent);
        // A Windows client's request, written by hand: it asks for 128-bit stateless, the same option.
        receive("01 05 000a 12 06 01 00 00 40");
        assertEquals(hex("02 05 000a 12 06 01000040"), sent.getLast(), "echoed verbatim (RFC 1661 §5.2)");
        receive("02 01 000a 12 06 01 00 00 40");
        assertEquals(AutomatonState.OPENED, ccp.state());
        assertEquals(List.of(new CcpResult(MppeStrength.BITS_128, true)), events.ups);
    }

    @Test
    void pppdRequestWithCompressionOptionsHasThemRejectedAndMppeAckedNext() {
        ccp.lowerLayerUp();
        ccp.open();
        // pppd offering MPPE, Deflate (26, window 15) and BSD-Compress (21, v1, 15 bits): only the
        // two compression options come back in a Configure-Reject.
        receive("01 07 0011 12 06 01000040 1a 04 78 00 15 03 2f");
        assertEquals(hex("04 07 000b 1a 04 7800 15 03 2f"), sent.getLast());
        receive("01 08 000a 12 06 01000040");
        assertEquals(hex("02 08 000a 12 06 01000040"), sent.getLast());
    }

    @Test
    void mppcOnlyAndStatefulOptionsAreNakkedToStateless128() {
        ccp.lowerLayerUp();
        ccp.open();
        // C (MPPC) alone: no encryption bit at all.
        receive("01 09 000a 12 06 00000001");
        assertEquals(hex("03 09 000a 12 06 01000040"), sent.getLast());
        // 128-bit stateful and 40-bit: Nak'd to one strength, stateless.
        receive("01 0a 000a 12 06 00000060");
        assertEquals(hex("03 0a 000a 12 06 01000040"), sent.getLast());
    }

    @Test
    void malformedMppeOptionIsRejected() {
        ccp.lowerLayerUp();
        ccp.open();
        receive("01 0b 0008 12 04 0100");
        assertEquals(hex("04 0b 0008 12 04 0100"), sent.getLast());
    }

    @Test
    void peerRejectOfOurMppeOptionIsReportedAsRefusal() {
        ccp.lowerLayerUp();
        ccp.open();
        receive("04 01 000a 12 06 01000040");
        assertEquals(List.of(CcpFailure.PEER_REFUSED_ENCRYPTION), events.failures);
        assertEquals(hex("01 02 0004"), sent.getLast(), "asks again without MPPE until the session drops the link");
    }

    @Test
    void unknownCodeIsCodeRejected() {
        ccp.lowerLayerUp();
        ccp.open();
        receive("10 33 0004");
        assertEquals(hex("07 02 0008 10 33 0004"), sent.getLast());
    }

    @Test
    void resetRequestOutsideOpenedIsIgnored() {
        ccp.lowerLayerUp();
        ccp.open();
        receive("0e 42 0004");
        assertEquals(1, sent.size(), "no Reset-Ack before CCP is Opened (pppd ccp_extcode)");
        assertEquals(0, events.resetsRequestedByPeer);
    }
}
