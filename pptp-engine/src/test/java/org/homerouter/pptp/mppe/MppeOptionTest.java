package org.homerouter.pptp.mppe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

class MppeOptionTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    @Test
    void windowsRequestDecodes() {
        // A Windows client's CCP Configure-Request option: H + S (stateless, 128-bit).
        byte[] wire = HEX.parseHex("120601000040");
        MppeOption o = MppeOption.decode(wire, 0, wire.length);
        assertTrue(o.stateless());
        assertEquals(Set.of(MppeStrength.BITS_128), o.strengths());
        assertEquals(Optional.of(MppeStrength.BITS_128), o.singleStrength());
        assertFalse(o.mppc());
        assertEquals(0, o.unknownBits());
        assertArrayEquals(wire, o.encode());
    }

    @Test
    void bitPositionsFollowRfc3078AndLinux() {
        // RFC 3078 §2 / ppp_mppe.h: last octet M=0x80 (56), S=0x40 (128), L=0x20 (40), D=0x10, C=0x01;
        // H is 0x01 in the first octet.
        assertEquals("120601000000", HEX.formatHex(MppeOption.of(Set.of(), true).encode()));
        assertEquals("120600000080", HEX.formatHex(MppeOption.of(Set.of(MppeStrength.BITS_56), false).encode()));
        assertEquals("120600000040", HEX.formatHex(MppeOption.of(Set.of(MppeStrength.BITS_128), false).encode()));
        assertEquals("120600000020", HEX.formatHex(MppeOption.of(Set.of(MppeStrength.BITS_40), false).encode()));
        MppeOption all = new MppeOption(0x010000F1);
        assertTrue(all.mppc());
        assertEquals(EnumSet.allOf(MppeStrength.class), all.strengths());
        assertEquals(Optional.empty(), all.singleStrength());
        assertEquals(0, all.unknownBits());
        assertEquals(0x02000100, new MppeOption(0x030001F1).unknownBits());
    }

    @Test
    void malformedOptionIsRefused() {
        byte[] shortOne = HEX.parseHex("1205010000");
        assertThrows(IllegalArgumentException.class, () -> MppeOption.decode(shortOne, 0, shortOne.length));
        byte[] wrongType = HEX.parseHex("110601000040");
        assertThrows(IllegalArgumentException.class, () -> MppeOption.decode(wrongType, 0, wrongType.length));
        byte[] wrongLength = HEX.parseHex("120701000040");
        assertThrows(IllegalArgumentException.class, () -> MppeOption.decode(wrongLength, 0, 6));
    }
}
