package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
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

    @Test
    void thePagesStoreBothHashesAndAPasswordChangeReplacesThem() throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("router.db"), new Appliance.Overrides("127.0.0.1", 0, 0),
                DataPlane.unavailable("test: no data plane"))) {
            var accounts = new StoreUserAccounts(a.store(), a);
            var directory = new StoreUserDirectory(a.store());
            assertTrue(accounts.add("carol", PASSWORD, true, "", "user carol added"));
            PppUser carol = directory.find("carol").orElseThrow();
            // Computed outside this code (OpenSSL's MD4): over iconv's UTF-16LE of the password, and
            // over its UTF-8 octets each followed by a zero octet.
            assertEquals("ebeea3098898f7af9abf5216236709fc", java.util.HexFormat.of().formatHex(carol.ntHash()), "Windows'");
            assertEquals("3fccc7215ead0769d25bb5cf6ef95945",
                    java.util.HexFormat.of().formatHex(carol.octetWiseNtHash().orElseThrow()), "pppd's");

            assertTrue(accounts.setPassword("carol", "Åsa-ørn-2025", "password of carol changed"));
            assertEquals("2f2d338abd08131f1f86a98f1ebc4a09",
                    java.util.HexFormat.of().formatHex(directory.find("carol").orElseThrow().octetWiseNtHash().orElseThrow()));
            assertTrue(accounts.setPassword("carol", "plain ascii now", "password of carol changed"));
            assertEquals(Optional.empty(), directory.find("carol").orElseThrow().octetWiseNtHash(),
                    "none for a password of plain ASCII");
        }
    }
}
