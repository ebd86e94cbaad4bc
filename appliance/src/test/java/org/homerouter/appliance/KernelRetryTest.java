package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A change to the kernel that failed (nft timing out on a busy board) is tried again by the
 * housekeeping until it is done, and the owner's event log says so once when it fails and once when
 * it is done: not a line every 30 s, and never "done" while it is not.
 */
class KernelRetryTest {
    private final List<String> events = new ArrayList<>();
    private final KernelRetry retry = new KernelRetry(events::add);
    private int failuresLeft;
    private int tries;

    private void change() throws IOException {
        tries++;
        if (failuresLeft > 0) {
            failuresLeft--;
            throw new IOException("nft: timed out after 10 s");
        }
    }

    @Test
    void aFailedChangeIsSaidOnceTriedAgainUntilDoneAndThenSaidDone() {
        failuresLeft = 3;
        assertFalse(retry.make("PPTP passthrough off, but not all of it could be removed", "its rules are removed now",
                this::change));
        assertEquals(List.of("PPTP passthrough off, but not all of it could be removed: nft: timed out after 10 s;"
                + " trying again every 30 s"), events);
        retry.retry();
        retry.retry();
        assertTrue(retry.failing(), "still failing after three tries");
        assertEquals(1, events.size(), "nothing more while it still fails: " + events);
        retry.retry();
        assertFalse(retry.failing());
        assertEquals("its rules are removed now", events.getLast());
        assertEquals(2, events.size(), events.toString());
        retry.retry();
        assertEquals(4, tries, "nothing tried once done");
        assertEquals(2, events.size(), events.toString());
    }

    @Test
    void aChangeDoneAtOnceSaysNothing() {
        assertTrue(retry.make("failed", "done", this::change));
        retry.retry();
        assertEquals(List.of(), events);
        assertEquals(1, tries);
    }

    @Test
    void aSecondFailureWhileTriedAgainAddsNothingAndTheTriesMakeTheLatestChange() {
        failuresLeft = 2;
        retry.make("the WAN's admission failed", "the WAN admits what is set now", this::change);
        List<String> madeLater = new ArrayList<>();
        retry.make("the WAN's admission failed", "the WAN admits what is set now (port 1724)", () -> {
            change();
            madeLater.add("1724");
        });
        assertEquals(1, events.size(), events.toString());
        retry.retry();
        assertEquals(List.of("1724"), madeLater, "the latest change is the one tried");
        assertEquals("the WAN admits what is set now (port 1724)", events.getLast());
    }

    @Test
    void anotherChangeDoneWhileOneIsTriedAgainSaysItsOwnWords() {
        failuresLeft = 1;
        retry.make("forwarded traffic could not be kept off the default route", "forwarded traffic is kept off now",
                this::change);
        // The owner switched it off meanwhile, and that worked.
        assertTrue(retry.make("forwarded traffic could not be let back", "forwarded traffic may take the default"
                + " route again", this::change));
        assertEquals("forwarded traffic may take the default route again", events.getLast());
        assertEquals(2, events.size(), events.toString());
        assertFalse(retry.failing());
    }

    @Test
    void aChangeThatCannotBeMadeTwiceIsFinishedByItsFollowUp() {
        failuresLeft = 1;
        List<String> made = new ArrayList<>();
        retry.make("stopping the ALG left rules", "the ALG's rules are removed now", () -> {
            made.add("stop");
            change();
        }, () -> made.add("remove leftovers"));
        retry.retry();
        assertEquals(List.of("stop", "remove leftovers"), made);
        assertEquals("the ALG's rules are removed now", events.getLast());
    }

    @Test
    void aChangeSomethingElseDidIsNotTriedAgainNorSaidDone() {
        failuresLeft = 5;
        retry.make("removing the old inbound forward failed", "the old inbound forward is removed now", this::change);
        retry.forget(); // a new forward replaced the old one's table
        retry.retry();
        assertEquals(1, tries);
        assertEquals(1, events.size(), events.toString());
        assertFalse(retry.failing());
    }
}
