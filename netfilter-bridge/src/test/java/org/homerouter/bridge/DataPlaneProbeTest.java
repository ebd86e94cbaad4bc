package org.homerouter.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.homerouter.bridge.DataPlaneProbe.Findings;
import org.homerouter.bridge.ffm.Errno;
import org.junit.jupiter.api.Test;

/** The probe's verdicts and sentences, from findings written by hand. */
class DataPlaneProbeTest {
    @Test
    void everythingPresentIsAvailable() {
        DataPlaneStatus s = DataPlaneProbe.assess(new Findings(0, 0, true, null));
        assertTrue(s.available() && s.rawGre() && s.tun());
        assertEquals("Linux data plane available: raw GRE socket and TUN devices", s.message());
    }

    @Test
    void missingRawCapabilitySaysWhatToGrant() {
        DataPlaneStatus s = DataPlaneProbe.assess(new Findings(Errno.EPERM, 0, true, null));
        assertFalse(s.available());
        assertFalse(s.rawGre());
        assertTrue(s.tun());
        assertEquals("Linux data plane unavailable: no CAP_NET_RAW (run as root or grant CAP_NET_ADMIN,CAP_NET_RAW);"
                + " PPTP control and the UI keep running", s.message());
    }

    @Test
    void unprivilegedProcessMissesBothCapabilities() {
        DataPlaneStatus s = DataPlaneProbe.assess(new Findings(Errno.EPERM, 0, false, null));
        assertFalse(s.rawGre() || s.tun());
        assertEquals("Linux data plane unavailable: no CAP_NET_RAW, no CAP_NET_ADMIN"
                + " (run as root or grant CAP_NET_ADMIN,CAP_NET_RAW); PPTP control and the UI keep running", s.message());
    }

    @Test
    void kernelWithoutTunSaysSo() {
        DataPlaneStatus s = DataPlaneProbe.assess(new Findings(0, Errno.ENOENT, true, null));
        assertTrue(s.rawGre());
        assertFalse(s.tun());
        assertEquals("Linux data plane unavailable: no /dev/net/tun (kernel without TUN, or the tun module not loaded);"
                + " PPTP control and the UI keep running", s.message());
    }

    @Test
    void otherFailuresCarryTheErrorText() {
        DataPlaneStatus s = DataPlaneProbe.assess(new Findings(93, Errno.EACCES, false, null));
        assertEquals("Linux data plane unavailable: no CAP_NET_ADMIN (run as root or grant CAP_NET_ADMIN,CAP_NET_RAW),"
                + " no raw GRE socket (protocol not supported), /dev/net/tun not accessible (permission denied);"
                + " PPTP control and the UI keep running", s.message());
    }

    @Test
    void nativeFailureIsReported() {
        DataPlaneStatus s = DataPlaneProbe.assess(new Findings(0, 0, false, "symbol not found: setns"));
        assertFalse(s.available());
        assertEquals("Linux data plane unavailable: native calls failed (symbol not found: setns);"
                + " PPTP control and the UI keep running", s.message());
    }

    @Test
    void effectiveCapabilitiesAreReadFromProcStatus() {
        String status = "Name:\tjava\nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\n"
                + "CapEff:\t0000000000003000\nCapBnd:\t000001ffffffffff\n";
        assertEquals(OptionalLong.of(0x3000), DataPlaneProbe.effectiveCapabilities(status));
        assertEquals(OptionalLong.empty(), DataPlaneProbe.effectiveCapabilities("Name:\tx\n"));
    }
}
