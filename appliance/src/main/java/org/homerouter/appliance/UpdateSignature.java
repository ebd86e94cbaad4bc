package org.homerouter.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Checks a firmware update bundle's signature: Ed25519 over its {@code SHA256SUMS}, with the public
 * key the image was built with (PEM, as {@code openssl pkey -pubout} writes it; the build signs with
 * {@code openssl pkeyutl -sign -rawin}, whose 64-octet signature is the JDK's too). Run by
 * {@code homerouter-update}, as root, before it writes a slot: the image has a JRE but no openssl.
 * A class of its own, run with {@code java -cp appliance.jar}, so that it loads nothing else.
 */
public final class UpdateSignature {
    /** Ed25519's signature length (RFC 8032 §5.1.6). */
    static final int LENGTH = 64;
    private static final int MAX_FILE = 1 << 20;

    private UpdateSignature() {
    }

    /** Whether {@code signature} is the key's over {@code signed}. */
    static boolean valid(PublicKey key, byte[] signed, byte[] signature) throws GeneralSecurityException {
        if (signature.length != LENGTH) {
            return false;
        }
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(key);
        s.update(signed);
        try {
            return s.verify(signature);
        } catch (java.security.SignatureException e) {
            return false; // not a signature at all (its R no point on the curve): no more valid
        }
    }

    /** An Ed25519 public key in PEM ("BEGIN PUBLIC KEY", X.509 SubjectPublicKeyInfo). */
    static PublicKey publicKey(String pem) throws GeneralSecurityException {
        String body = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("not a PEM public key: " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path p) throws IOException {
        if (Files.size(p) > MAX_FILE) {
            throw new IOException(p + " is larger than " + MAX_FILE + " bytes");
        }
        return Files.readAllBytes(p);
    }

    /**
     * {@code UpdateSignature KEY.pem FILE FILE.sig}: exit 0 when the signature holds, 1 when it does
     * not, 2 when something cannot be read.
     */
    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: UpdateSignature KEY.pem FILE SIGNATURE");
            System.exit(2);
        }
        int code;
        try {
            PublicKey key = publicKey(new String(read(Path.of(args[0])), StandardCharsets.US_ASCII));
            code = valid(key, read(Path.of(args[1])), read(Path.of(args[2]))) ? 0 : 1;
        } catch (IOException | GeneralSecurityException e) {
            System.err.println("update signature: " + e.getMessage());
            code = 2;
        }
        System.exit(code);
    }
}
