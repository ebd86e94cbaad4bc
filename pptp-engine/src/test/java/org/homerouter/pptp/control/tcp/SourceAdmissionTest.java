package org.homerouter.pptp.control.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Optional;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

class SourceAdmissionTest {
    private final ManualClock clock = new ManualClock();

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void oneAddressCannotTakeEverySlot() throws Exception {
        SourceAdmission a = new SourceAdmission(10, 3, 100, clock);
        InetAddress loris = ip("198.51.100.1");
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), a.admit(loris));
        }
        assertTrue(a.admit(loris).orElseThrow().contains("from this address"), "the 4th from one address is refused");
        assertEquals(Optional.empty(), a.admit(ip("203.0.113.5")), "another address still gets in");
        a.closed(loris);
        assertEquals(Optional.empty(), a.admit(loris), "a slot freed by a close can be taken again");
    }

    @Test
    void connectionsOfLoggedInUsersDoNotCountTowardTheirAddressesLimit() throws Exception {
        SourceAdmission a = new SourceAdmission(10, 2, 100, clock);
        InetAddress office = ip("198.51.100.7");
        for (int i = 0; i < 4; i++) {
            assertEquals(Optional.empty(), a.admit(office, false, i), "worker " + i + ": the others are logged in");
        }
        assertEquals(Optional.empty(), a.admit(office, false, 3), "one still logging in beside three logged in");
        assertTrue(a.admit(office, false, 3).orElseThrow().contains("from this address"),
                "a second and a third still logging in are over the limit");
    }

    @Test
    void theGlobalLimitHolds() throws Exception {
        SourceAdmission a = new SourceAdmission(2, 2, 100, clock);
        assertEquals(Optional.empty(), a.admit(ip("192.0.2.1")));
        assertEquals(Optional.empty(), a.admit(ip("192.0.2.2")));
        assertTrue(a.admit(ip("192.0.2.3")).orElseThrow().contains("the limit"));
        a.closed(ip("192.0.2.1"));
        assertEquals(Optional.empty(), a.admit(ip("192.0.2.3")));
        assertEquals(2, a.open());
    }

    @Test
    void aFastReconnectingSourceIsRateLimitedThenAllowedAgain() throws Exception {
        SourceAdmission a = new SourceAdmission(100, 100, 6, clock);
        InetAddress scanner = ip("198.51.100.2");
        for (int i = 0; i < 6; i++) {
            assertEquals(Optional.empty(), a.admit(scanner));
            a.closed(scanner);
        }
        assertTrue(a.admit(scanner).orElseThrow().contains("a minute"), "the 7th within the minute is refused");
        clock.advanceMillis(10_000); // one token per 10 s at 6 a minute
        assertEquals(Optional.empty(), a.admit(scanner), "refilled after 10 s");
        assertTrue(a.admit(scanner).isPresent(), "but only one");
    }

    @Test
    void anIpv6HostCountsAsItsWhole64() throws Exception {
        SourceAdmission a = new SourceAdmission(10, 2, 100, clock);
        assertEquals(Optional.empty(), a.admit(ip("2001:db8:5:6::1")));
        assertEquals(Optional.empty(), a.admit(ip("2001:db8:5:6::2")));
        assertTrue(a.admit(ip("2001:db8:5:6:abcd::3")).orElseThrow().contains("from this address"),
                "a third address of the same /64 is over the per-address limit");
        assertEquals(Optional.empty(), a.admit(ip("2001:db8:5:7::1")), "another /64 gets in");
        a.closed(ip("2001:db8:5:6::1"));
        assertEquals(Optional.empty(), a.admit(ip("2001:db8:5:6::99")), "a close frees the /64's slot");
    }
}
