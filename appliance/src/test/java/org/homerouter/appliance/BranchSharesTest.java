package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A branch office's whole LAN shares its session's one device, whose connection share (2,048 for
 * a dial-in user) made an office of more than ~20 PCs fail at random: the server gives the device
 * the larger share once its networks are routed into it, and takes it back at the session's end.
 * The kernel's side is SessionConnectionShareTest's (root).
 */
class BranchSharesTest {
    @TempDir
    Path dir;

    @Test
    void aBranchSessionsDeviceHasTheLargerShareWhileItLastsAndAPlainSessionNever() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "branch", "alice");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.setRoutedSubnets("branch", "10.77.0.0/24", "a branch office");
        }
        List<String> said = new CopyOnWriteArrayList<>();
        BranchShares shares = device -> {
            said.add("give " + device);
            return () -> said.add("take back " + device);
        };
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane(shares))) {
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);
            InMemoryDialIn.Client branch = net.dial(a.pptpAddress(), "branch", "branch password");
            branch.up.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("give pptp1"), Eventually.value(() -> List.copyOf(said), l -> !l.isEmpty()),
                    "the branch's device, not alice's");

            branch.hangUp();
            assertEquals(List.of("give pptp1", "take back pptp1"),
                    Eventually.value(() -> List.copyOf(said), l -> l.size() > 1));
            alice.hangUp();
            assertEquals(0, Eventually.value(() -> a.sessions().size(), n -> n == 0), "alice's session ended");
            Thread.sleep(300); // what must not happen is given its time: alice's end gives nothing back
            assertEquals(List.of("give pptp1", "take back pptp1"), List.copyOf(said));
        }
    }
}
