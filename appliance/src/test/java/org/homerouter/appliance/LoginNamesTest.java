package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.pptp.auth.PppUser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who a login is, as the owner reads it: the account whatever its case, or why none could be told. */
class LoginNamesTest {
    @TempDir
    Path dir;

    /** A remote worker whose phone capitalised "Alice" logs in to alice, and is alice on the dashboard. */
    @Test
    void aNameInAnotherCaseLogsInAsTheAccount() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            net.dial(a.pptpAddress(), "Alice", "alice password").up.get(10, TimeUnit.SECONDS);
            assertEquals(Optional.of("alice"), a.sessions().getFirst().userName());
            assertEquals(java.util.List.of("alice (127.0.0.5)"),
                    Eventually.value(() -> a.accounting().connected(), c -> !c.isEmpty()));
        }
    }

    @Test
    void theStoreFindsTheAccountWhateverTheCaseOfTheName() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("a.db"))) {
            store.addUser(new VpnUser("alice", NtPasswordHash.of("x"), Optional.empty(), true, Optional.empty()));
            StoreUserDirectory users = new StoreUserDirectory(store);
            for (String sent : new String[] {"alice", "Alice", "ALICE"}) {
                assertEquals("alice", users.find(sent).map(PppUser::userName).orElseThrow(), sent);
            }
            assertEquals(Optional.empty(), users.find("alice2"));
            assertEquals("alice", users.resolve("CORP\\ALICE").orElseThrow().userName());
        }
    }
}
