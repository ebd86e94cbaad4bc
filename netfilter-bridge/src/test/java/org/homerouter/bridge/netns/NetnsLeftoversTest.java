package org.homerouter.bridge.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The namespaces a stopped run left behind are removed; a live process's stay. */
class NetnsLeftoversTest {
    @Test
    void onlyTheNamesCreateGivesCarryAProcessId() {
        assertEquals(OptionalLong.of(1234), Netns.runPid("hr-gre-1234-7"));
        assertEquals(OptionalLong.of(99), Netns.runPid("hr-vpn1-99-12"));
        assertEquals(OptionalLong.of(5), Netns.runPid("hr-a-b-5-1"));
        // The scripts' own names (demo, bench, passthrough-interop), which their traps remove.
        assertEquals(OptionalLong.empty(), Netns.runPid("hr-demo-srv-1234"));
        assertEquals(OptionalLong.empty(), Netns.runPid("hr-alg-wan-1234"));
        assertEquals(OptionalLong.empty(), Netns.runPid("pi1234-lan"));
        assertEquals(OptionalLong.empty(), Netns.runPid("hr-1234-1"));
        assertEquals(OptionalLong.empty(), Netns.runPid(""));
    }

    @Test
    @Tag("root")
    void aDeadProcesssNamespacesGoAndALiveOnesStay() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String dead = "hr-lefttest-" + gone.pid() + "-1";
        String live = "hr-lefttest-" + ProcessHandle.current().pid() + "-999999";
        try {
            for (String name : List.of(dead, live)) {
                assertTrue(Netns.run(Duration.ofSeconds(20), "ip", "netns", "add", name).succeeded(), name);
            }
            List<String> removed = Netns.removeLeftovers();
            assertTrue(removed.contains(dead), removed.toString());
            assertFalse(removed.contains(live), removed.toString());
            String left = Netns.run(Duration.ofSeconds(20), "ip", "netns", "list").output();
            assertFalse(left.contains(dead), left);
            assertTrue(left.contains(live), left);
        } finally {
            for (String name : List.of(dead, live)) {
                Netns.run(Duration.ofSeconds(20), "ip", "netns", "delete", name);
            }
        }
    }
}
