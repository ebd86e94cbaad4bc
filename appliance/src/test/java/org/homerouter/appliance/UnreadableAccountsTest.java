package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.pptp.auth.UserDirectory;
import org.homerouter.pptp.session.SessionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router cannot read its VPN users: the owner is told so, not "no such user". */
class UnreadableAccountsTest {
    @TempDir
    Path dir;

    /**
     * An unreadable database is not "no such user": the lookup says it failed, and the session's
     * end tells the owner the router could not read its accounts.
     */
    @Test
    void anUnreadableStoreFailsTheLookupRatherThanFindingNoAccount() throws Exception {
        ApplianceStore store = ApplianceStore.open(dir.resolve("a.db"));
        StoreUserDirectory users = new StoreUserDirectory(store);
        store.close();
        UserDirectory.Unreadable e = assertThrows(UserDirectory.Unreadable.class, () -> users.find("alice"));
        assertTrue(e.getMessage().startsWith("reading the VPN users from the database failed: "), e.getMessage());
        String what = Diagnosis.what(SessionEnd.ACCOUNTS_UNREADABLE.name());
        assertTrue(what.contains("could not read its list of VPN users"), what);
        assertTrue(Diagnosis.advice(SessionEnd.ACCOUNTS_UNREADABLE.name()).startsWith("Not the user's fault"));
    }
}
