package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client the VPN server turns away for lack of room leaves a line on the Logs page. */
class CapacityRefusalsTest {
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    @TempDir
    Path dir;

    @Test
    void aCallRefusedBecauseAllSessionsAreInUseIsInTheEventLogWithWhatToDo() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice", "bob");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.PPTP_MAX_SESSIONS, "1"));
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            net.dial(a.pptpAddress(), "alice", "alice password").up.get(10, java.util.concurrent.TimeUnit.SECONDS);
            net.dialRefusedBusy(a.pptpAddress(), "bob", "bob password");
            var events = Eventually.value(() -> a.store().recentEvents(20),
                    e -> e.stream().anyMatch(m -> m.contains("turned away")));
            assertTrue(events.stream().anyMatch(m -> m.contains("the VPN server turned away 1 call because all 1 sessions"
                    + " were in use (raise \"Maximum sessions\" on the VPN server page")), events.toString());
        }
    }

    /**
     * A call the pool has no address for is refused as busy at once, before any login (with more
     * sessions allowed than the pool held, it used to be answered, logged in and encrypted, and
     * only IPCP failed), and the Logs page says what to do. While a user's static address outside
     * the pool is free a call is still answered: it may be hers.
     */
    @Test
    void aCallThePoolHasNoAddressForIsRefusedAsBusyAndTheEventLogSaysWhatToDo() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice", "bob", "carol");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.PPTP_POOL_START, "192.168.250.10", Setting.PPTP_POOL_END, "192.168.250.10"));
            assertTrue(store.updateUser("carol", true, "192.168.250.200", "carol's static address"));
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            assertEquals("192.168.250.10", net.dial(a.pptpAddress(), "alice", "alice password").tunnelAddress());
            assertEquals("192.168.250.200", net.dial(a.pptpAddress(), "carol", "carol password").tunnelAddress(),
                    "the pool is used up, but carol's own address was free");
            net.dialRefusedBusy(a.pptpAddress(), "bob", "bob password");
            assertEquals(2, a.sessions().size(), "no session for bob's call");
            var events = Eventually.value(() -> a.store().recentEvents(20),
                    e -> e.stream().anyMatch(m -> m.contains("turned away")));
            assertTrue(events.stream().anyMatch(m -> m.contains("the VPN server turned away 1 call because every address"
                    + " of the pool was in use or promised to a call still logging in (enlarge the pool on the VPN"
                    + " server page")), events.toString());
            assertTrue(events.stream().noneMatch(m -> m.contains("pool is exhausted")), events.toString());
        }
    }

    @Test
    void refusalsAreSummedUpAtMostOncePerQuietPeriod() {
        CapacityRefusals r = new CapacityRefusals(Duration.ofMinutes(10));
        assertEquals(Optional.empty(), r.check(CapacityRefusals.Counts.NONE, 0, 64), "nothing refused: nothing said");
        assertTrue(r.check(new CapacityRefusals.Counts(0, 0, 0, 1), MINUTE, 64).orElseThrow()
                .startsWith("the VPN server turned away 1 control connection because"));
        assertEquals(Optional.empty(), r.check(new CapacityRefusals.Counts(0, 0, 40, 500), 5 * MINUTE, 64), "a flood: quiet");
        String summary = r.check(new CapacityRefusals.Counts(2, 3, 40, 900), 11 * MINUTE, 64).orElseThrow();
        assertTrue(summary.startsWith("the VPN server turned away 2 calls because all 64 sessions were in use")
                && summary.contains("; 3 calls because every address of the pool was in use")
                && summary.contains("; 40 calls because too many logins were in progress")
                && summary.contains("; 899 control connections because"), summary);
    }
}
