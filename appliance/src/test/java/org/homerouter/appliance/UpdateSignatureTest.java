package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's check of an update's signature against what the image build makes: a key and a
 * signature from openssl, as image/lib.sh and image/stages/60-disk.sh make them (the build host
 * has openssl; the router has only the JRE).
 */
class UpdateSignatureTest {
    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    @Test
    void theBuildsOpensslSignatureHoldsAndAnyChangeBreaksIt() throws Exception {
        Files.writeString(dir.resolve("SHA256SUMS"), "0123abcd  release\n4567ef01  rootfs.squashfs\n");
        openssl("genpkey", "-algorithm", "ed25519", "-out", "key.pem");
        openssl("pkey", "-in", "key.pem", "-pubout", "-out", "key.pub");
        openssl("pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-in", "SHA256SUMS", "-out", "SHA256SUMS.sig");
        PublicKey key = UpdateSignature.publicKey(Files.readString(dir.resolve("key.pub")));
        byte[] sums = Files.readAllBytes(dir.resolve("SHA256SUMS"));
        byte[] sig = Files.readAllBytes(dir.resolve("SHA256SUMS.sig"));
        assertTrue(UpdateSignature.valid(key, sums, sig));
        byte[] changed = sums.clone();
        changed[0] ^= 1;
        assertFalse(UpdateSignature.valid(key, changed, sig), "a changed SHA256SUMS");
        byte[] badSig = sig.clone();
        badSig[10] ^= 1;
        assertFalse(UpdateSignature.valid(key, sums, badSig), "a changed signature");
        assertFalse(UpdateSignature.valid(key, sums, Arrays.copyOf(sig, 63)), "a short signature");
        openssl("genpkey", "-algorithm", "ed25519", "-out", "other.pem");
        openssl("pkey", "-in", "other.pem", "-pubout", "-out", "other.pub");
        assertFalse(UpdateSignature.valid(UpdateSignature.publicKey(Files.readString(dir.resolve("other.pub"))),
                sums, sig), "another key");
    }
}
