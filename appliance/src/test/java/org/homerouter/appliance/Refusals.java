package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.pptp.session.SessionEnd;

/**
 * Why the appliance refused a client, as its session history records it (the Logs page's line).
 * The client hears only "authentication failed", a guesser must learn no more, so "refused" alone
 * held for a wrong password, a lockout and the password from before a change alike: a lockout
 * that stopped refusing, with the login failing for another reason, passed as one that refused.
 */
final class Refusals {
    private Refusals() {
    }

    /** Dials with {@code dial}, and asserts that the call never comes up and that {@code a} ended it as {@code expected}. */
    static void assertRefused(Appliance a, SessionEnd expected, String why, Callable<InMemoryDialIn.Client> dial)
            throws Exception {
        long before = newestRowId(a);
        InMemoryDialIn.Client c = dial.call();
        try {
            c.up.get(10, TimeUnit.SECONDS); // completed exceptionally when the session ends before it is up
            fail("let in " + why);
        } catch (ExecutionException refused) {
            // as expected: why is the server's to say
        }
        String from = c.control.state().localAddress().getAddress().getHostAddress();
        // The server ends its session after the client hears the call cleared, and records it on a
        // thread of its own (a flood's records gathered for seconds): flushed until it is there.
        ApplianceStore.SessionRow row = Eventually.until("the appliance's record of the attempt from " + from + " " + why,
                () -> {
                    a.accounting().flush();
                    return a.store().sessionHistory(50, false).stream()
                            .filter(r -> r.id() > before && from.equals(r.client())).findFirst().orElse(null);
                }, r -> r != null);
        assertEquals(expected.name(), row.endReason(), "refused " + why + ": " + row.endDetail());
    }

    /** The newest history row's id, open or ended (0: none): rows made after it have greater ones. */
    private static long newestRowId(Appliance a) throws Exception {
        long id = 0;
        for (boolean open : new boolean[] {false, true}) {
            for (ApplianceStore.SessionRow r : a.store().sessionHistory(1, open)) {
                id = Math.max(id, r.id());
            }
        }
        return id;
    }
}
