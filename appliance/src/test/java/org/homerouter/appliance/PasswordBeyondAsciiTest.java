package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.pptp.auth.PppUser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VPN password beyond ASCII ("Grüße-2024!") set on the Users page works from Windows and from
 * pppd-based clients (Linux, Android up to 11, old macOS): the login finds both the NT hash Windows
 * proves (RFC 2759 §8.3) and the octet-wise one pppd proves (chap_ms.c ascii2unicode).
 */
class PasswordBeyondAsciiTest {
    private static final String PASSWORD = "Grüße-2024!";

    @TempDir
    Path dir;

    /** What pppd hashes: each UTF-8 octet widened to 16 bits. */
    private static byte[] pppdHash(String password) {
        return NtPasswordHash.of(new String(password.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }

    @Test
    void thePagesStoreBothHashesAndAPasswordChangeReplacesThem() throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("router.db"), new Appliance.Overrides("127.0.0.1", 0, 0),
                DataPlane.unavailable("test: no data plane"))) {
            var accounts = new StoreUserAccounts(a.store(), a);
            var directory = new StoreUserDirectory(a.store());
            assertTrue(accounts.add("carol", PASSWORD, true, "", "user carol added"));
            PppUser carol = directory.find("carol").orElseThrow();
            assertArrayEquals(NtPasswordHash.of(PASSWORD), carol.ntHash(), "Windows'");
            assertArrayEquals(pppdHash(PASSWORD), carol.octetWiseNtHash().orElseThrow(), "pppd's");

            assertTrue(accounts.setPassword("carol", "Åsa-ørn-2025", "password of carol changed"));
            assertArrayEquals(pppdHash("Åsa-ørn-2025"), directory.find("carol").orElseThrow().octetWiseNtHash().orElseThrow());
            assertTrue(accounts.setPassword("carol", "plain ascii now", "password of carol changed"));
            assertEquals(Optional.empty(), directory.find("carol").orElseThrow().octetWiseNtHash(),
                    "none for a password of plain ASCII");
        }
    }
}
