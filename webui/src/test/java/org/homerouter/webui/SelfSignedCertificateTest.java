package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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

    /**
     * Made while a board's clock read a date years ahead (no battery clock, its time server not
     * answering yet), a certificate dated from the clock would be "not yet valid" for years after;
     * one made at any time would expire, never renewed. RFC 5280 §4.1.2.5: GeneralizedTime
     * 99991231235959Z for no expiration date; UTCTime for a date before 2050.
     */
    @Test
    void theCertificateIsValidFromAFixedDateForGoodWhateverTheClockSaysWhenItIsMade() throws Exception {
        KeyStore made = SelfSignedCertificate.loadOrCreate(dir.resolve("ui-tls.p12"), "router.lan");
        byte[] der = made.getCertificate(SelfSignedCertificate.ALIAS).getEncoded();
        X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        assertEquals(Instant.parse("2000-01-01T00:00:00Z"), parsed.getNotBefore().toInstant());
        assertEquals(Instant.parse("9999-12-31T23:59:59Z"), parsed.getNotAfter().toInstant());
        var validity = org.bouncycastle.asn1.x509.Certificate.getInstance(der);
        assertInstanceOf(ASN1UTCTime.class, validity.getStartDate().toASN1Primitive());
        assertInstanceOf(ASN1GeneralizedTime.class, validity.getEndDate().toASN1Primitive());
    }

    /**
     * Older versions dated the certificate from the clock, for ten years: one that ends within a
     * year, or is not valid yet (made while the clock was years ahead), is replaced at start; one
     * that is fine is kept, or browsers would warn about a new certificate for nothing.
     */
    @Test
    void anOlderVersionsCertificateIsReplacedOnlyIfItEndsWithinAYearOrIsNotValidYet() throws Exception {
        Instant now = Instant.now();
        Path ending = madeByAnOlderVersion("ending.p12", now.minus(days(3620)), now.plus(days(30)));
        Path future = madeByAnOlderVersion("future.p12", now.plus(days(2000)), now.plus(days(5650))); // the clock ahead
        Path fine = madeByAnOlderVersion("fine.p12", now.minus(days(1)), now.plus(days(3650)));

        for (Path replaced : new Path[] {ending, future}) {
            X509Certificate c = (X509Certificate) SelfSignedCertificate.loadOrCreate(replaced, "router.lan")
                    .getCertificate(SelfSignedCertificate.ALIAS);
            assertEquals(SelfSignedCertificate.NOT_AFTER, c.getNotAfter().toInstant(), replaced.toString());
            assertEquals(c, reload(replaced), "the new one is kept in the file");
        }
        X509Certificate kept = reload(fine);
        assertEquals(kept, SelfSignedCertificate.loadOrCreate(fine, "router.lan")
                .getCertificate(SelfSignedCertificate.ALIAS), "a certificate of ten years left is kept");
    }

    private static Duration days(long n) {
        return Duration.ofDays(n);
    }

    /** A key file as an older version made it: the certificate valid from {@code from} to {@code to}. */
    private Path madeByAnOlderVersion(String name, Instant from, Instant to) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        KeyPair pair = gen.generateKeyPair();
        X500Name subject = new X500Name("CN=router.lan, O=HomeRouter");
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(subject,
                BigInteger.ONE, Date.from(from), Date.from(to), subject, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(SelfSignedCertificate.ALIAS, pair.getPrivate(),
                SelfSignedCertificate.STORE_PASSWORD.toCharArray(), new X509Certificate[] {cert});
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, SelfSignedCertificate.STORE_PASSWORD.toCharArray());
        }
        return file;
    }

    private static X509Certificate reload(Path file) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(file)) {
            ks.load(in, SelfSignedCertificate.STORE_PASSWORD.toCharArray());
        }
        return (X509Certificate) ks.getCertificate(SelfSignedCertificate.ALIAS);
    }
}
