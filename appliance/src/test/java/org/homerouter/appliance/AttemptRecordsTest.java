package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The failed logins on the router's accounts that get a record of their own: guesses naming one
 * account from many addresses must not leave the other accounts' failures unrecorded, nor one
 * guesser's address the account's own user's.
 */
class AttemptRecordsTest {

    @Test
    void guessesNamingOneAccountFromManyAddressesUseUpThatAccountsRecordsOnly() {
        AttemptRecords records = new AttemptRecords();
        long now = 0;
        int recorded = 0;
        for (int i = 1; i <= 40; i++) {
            if (records.admit("alice", "198.51.100." + i, now).record()) {
                recorded++;
            }
        }
        assertEquals(AttemptRecords.PER_ACCOUNT_BURST, recorded, "alice's failures recorded at once");
        assertTrue(records.admit("bob", "203.0.113.9", now).record(), "bob's mistyped password is recorded");
    }

    @Test
    void aGuesserAtOneAddressLeavesTheUsersOwnFailuresFromAnotherRecorded() {
        AttemptRecords records = new AttemptRecords();
        long now = 0;
        for (int i = 0; i < 3 * AttemptRecords.PER_SOURCE_BURST; i++) {
            records.admit("alice", "198.51.100.7", now);
        }
        assertTrue(records.admit("alice", "203.0.113.9", now).record(), "alice's own failure from home");
    }
}
