package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStrength;
import org.junit.jupiter.api.Test;

/** The values of the pptp.mppe setting and of dial --mppe. */
class MppeSettingTest {
    @Test
    void require128AsksForStatelessAndRequire128StatefulForStateful() {
        MppePolicy stateless = PptpService.mppePolicy("require-128").orElseThrow();
        MppePolicy stateful = PptpService.mppePolicy("require-128-stateful").orElseThrow();
        assertFalse(stateless.statefulPreferred());
        assertTrue(stateful.statefulPreferred());
        for (MppePolicy p : new MppePolicy[] {stateless, stateful}) {
            assertTrue(p.required());
            assertEquals(EnumSet.of(MppeStrength.BITS_128), p.allowedStrengths());
        }
        assertTrue(PptpService.mppePolicy("none").isEmpty());
    }

    @Test
    void anUnknownValueNamesTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PptpService.mppePolicy("require-256"));
        assertTrue(e.getMessage().contains("require-128-stateful"), e.getMessage());
    }
}
