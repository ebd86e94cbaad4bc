package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateTest {
    @TempDir
    Path dir;

    @Test
    void aKeyFileLeftEmptyByAPowerCutIsSetAsideAndANewKeyMadeSoHttpsStillStarts() throws Exception {
        Path file = dir.resolve("ui-tls.p12");
        Files.createFile(file); // what a power cut during an older version's write could leave
        KeyStore made = SelfSignedCertificate.loadOrCreate(file, "router.lan");
        assertTrue(made.isKeyEntry(SelfSignedCertificate.ALIAS));
        assertTrue(Files.exists(dir.resolve("ui-tls.p12.unreadable")), "the unreadable file kept aside");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(!Files.exists(dir.resolve("ui-tls.p12.new")), "written beside it, then renamed into place");

        KeyStore again = SelfSignedCertificate.loadOrCreate(file, "router.lan");
        assertEquals(made.getCertificate(SelfSignedCertificate.ALIAS), again.getCertificate(SelfSignedCertificate.ALIAS),
                "a whole file is loaded, not replaced");
    }
}
