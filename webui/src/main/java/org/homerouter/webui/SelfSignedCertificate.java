package org.homerouter.webui;

import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.slf4j.LoggerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The HTTPS certificate: self-signed (a home router has no name a public CA would sign), made with
 * BouncyCastle once and kept in a PKCS#12 file, so its fingerprint stays the same across restarts and
 * the browser's exception for it holds. The file is owner-only; its password is a constant because the
 * file permission, not the password, is what protects the key (as for the database next to it).
 */
public final class SelfSignedCertificate {
    static final String STORE_PASSWORD = "homerouter";
    static final String ALIAS = "ui";
    /**
     * The validity, fixed rather than from the clock: a board without a battery clock may make its
     * certificate while its clock is far off (a date years ahead, until its time server answers),
     * and one dated from that would be "not yet valid" for years after; and a certificate that is
     * never renewed must not expire. RFC 5280 §4.1.2.5: 99991231235959Z for "no well-defined
     * expiration date" (a GeneralizedTime, which BouncyCastle writes for any year after 2049).
     */
    static final Instant NOT_BEFORE = Instant.parse("2000-01-01T00:00:00Z");
    static final Instant NOT_AFTER = Instant.parse("9999-12-31T23:59:59Z");
    /** A certificate of an older version (dated from the clock, ten years) is replaced this long before its end. */
    static final Duration RENEW_BEFORE = Duration.ofDays(365);

    private SelfSignedCertificate() {
    }

    /** SHA-256 over the certificate's DER, as browsers' certificate viewers show it: AB:CD:... */
    static String fingerprint(KeyStore ks) throws Exception {
        byte[] der = ks.getCertificate(ALIAS).getEncoded();
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(der);
        return java.util.HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    }

    public static KeyStore loadOrCreate(Path file, String hostName) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                ks.load(in, STORE_PASSWORD.toCharArray());
                if (!ks.isKeyEntry(ALIAS)) {
                    throw new java.security.KeyStoreException("no key '" + ALIAS + "' in it");
                }
                X509Certificate kept = (X509Certificate) ks.getCertificate(ALIAS);
                if (!outdated(kept)) {
                    return ks;
                }
                LoggerFactory.getLogger(SelfSignedCertificate.class).warn("the HTTPS certificate in {} is valid from {}"
                        + " to {} only: a new key and certificate are made, valid for good", file,
                        kept.getNotBefore().toInstant(), kept.getNotAfter().toInstant());
                ks = KeyStore.getInstance("PKCS12");
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                // Torn or emptied (a power cut as it was written by an older version, a full disk):
                // kept aside, and a new key made, or HTTPS could never start again short of a
                // factory reset. Browsers then warn once more about the new certificate.
                Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                LoggerFactory.getLogger(SelfSignedCertificate.class).warn("{} could not be read ({}): kept as {},"
                        + " and a new key and certificate are made", file, e.getMessage(), aside);
                ks = KeyStore.getInstance("PKCS12");
            }
        }
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256, new SecureRandom());
        KeyPair pair = gen.generateKeyPair();
        X500Name name = new X500Name("CN=" + hostName.replaceAll("[^A-Za-z0-9.-]", "") + ", O=HomeRouter");
        BigInteger serial = new BigInteger(64, new SecureRandom());
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial, Date.from(NOT_BEFORE),
                Date.from(NOT_AFTER), name, pair.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, hostName.replaceAll("[^A-Za-z0-9.-]", "")),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        ks.load(null, null);
        ks.setKeyEntry(ALIAS, pair.getPrivate(), STORE_PASSWORD.toCharArray(), new X509Certificate[] {cert});
        Files.createDirectories(file.toAbsolutePath().getParent());
        // Written beside it, synced, then renamed into place: a power cut leaves the old file or the
        // whole new one, never a torn key.
        Path next = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(next);
        Files.createFile(next, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(next, StandardOpenOption.WRITE);
             OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
            ks.store(out, STORE_PASSWORD.toCharArray());
            ch.force(true);
        }
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return ks;
    }

    /**
     * Made by an older version and, by this router's clock, not valid yet or ending within
     * {@link #RENEW_BEFORE}. One with the fixed validity never is, whatever the clock says (a clock
     * still stale at boot would otherwise replace it at every start); so an old one is replaced at
     * most once, and browsers warn once more.
     */
    private static boolean outdated(X509Certificate cert) {
        if (cert.getNotAfter().toInstant().equals(NOT_AFTER)) {
            return false;
        }
        Instant now = Instant.now();
        return now.isBefore(cert.getNotBefore().toInstant())
                || now.plus(RENEW_BEFORE).isAfter(cert.getNotAfter().toInstant());
    }
}
