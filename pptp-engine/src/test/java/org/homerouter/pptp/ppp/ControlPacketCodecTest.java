package org.homerouter.pptp.ppp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlPacketCodecTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void decodesAndIgnoresPaddingBeyondLength() {
        ControlPacket p = ControlPacketCodec.decode(hex("01" // Code: Configure-Request
                + " 05" // Identifier
                + " 00 08" // Length: 8
                + " 01 04 05 78" // option MRU 1400
                + " 00 00 00")).orElseThrow(); // padding
        assertEquals(1, p.code());
        assertEquals(5, p.identifier());
        assertArrayEquals(hex("01 04 05 78"), p.data());
    }

    @Test
    void discardsLengthsBelowTheHeaderOrBeyondTheData() {
        assertTrue(ControlPacketCodec.decode(hex("01 05 00 03")).isEmpty(), "Length 3 < 4");
        assertTrue(ControlPacketCodec.decode(hex("01 05 00 09 01 04 05 78")).isEmpty(), "Length 9 > 8 present");
        assertTrue(ControlPacketCodec.decode(hex("01 05 00")).isEmpty(), "no room for Length");
    }

    @Test
    void encodesTheRfcLayout() {
        assertArrayEquals(hex("06" // Terminate-Ack
                + " 07" // Identifier
                + " 00 04"), // Length
                ControlPacketCodec.encode(new ControlPacket(ControlPacket.TERMINATE_ACK, 7)));
        assertArrayEquals(hex("04 02 00 07 0d 03 06"),
                ControlPacketCodec.encode(new ControlPacket(ControlPacket.CONFIGURE_REJECT, 2, hex("0d 03 06"))));
    }

    @Test
    void splitsAnOptionList() {
        List<ConfigOption> options = ConfigOptionCodec.decode(hex("01 04 05 78" // MRU 1400
                + " 07 02" // PFC
                + " 08 02")).orElseThrow(); // ACFC
        assertEquals(List.of(new ConfigOption(1, hex("05 78")), new ConfigOption(7), new ConfigOption(8)), options);
        assertEquals(List.of(), ConfigOptionCodec.decode(new byte[0]).orElseThrow());
    }

    @Test
    void malformedOptionListsAreRefused() {
        assertTrue(ConfigOptionCodec.decode(hex("01 01 05")).isEmpty(), "Length 1 cannot hold Type and Length");
        assertTrue(ConfigOptionCodec.decode(hex("01 00")).isEmpty(), "Length 0");
        assertTrue(ConfigOptionCodec.decode(hex("01 04 05")).isEmpty(), "Length past the end");
        assertTrue(ConfigOptionCodec.decode(hex("07 02 08")).isEmpty(), "dangling Type octet");
    }

    @Test
    void joinsAnOptionList() {
        assertArrayEquals(hex("05 06 12 34 56 78 07 02"),
                ConfigOptionCodec.encode(List.of(new ConfigOption(5, hex("12 34 56 78")), new ConfigOption(7))));
    }
}
