package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.bouncycastle.crypto.digests.MD4Digest;

/**
 * The NT password hash and its hash (RFC 2759 §8.3 NtPasswordHash, §8.4 HashNtPasswordHash).
 *
 * <p>The user directory stores {@link #of(CharSequence) NtPasswordHash} values, never plaintext:
 * MS-CHAPv2 verification and MPPE key derivation both need only the hash, and the hash of the
 * hash.
 */
public final class NtPasswordHash {
    /** Length of both hashes in octets (MD4 output). */
    public static final int LENGTH = 16;
    /** RFC 2759 §8.1: the password is a "0-to-256-unicode-char" string. */
    public static final int MAX_PASSWORD_CHARS = 256;

    private NtPasswordHash() {
    }

    /**
     * NtPasswordHash(Password): MD4 of the password in little-endian UTF-16 ("Unicode" in the
     * RFC, which Windows means as UTF-16LE without a byte-order mark), RFC 2759 §8.3.
     */
    public static byte[] of(CharSequence password) {
        if (password.length() > MAX_PASSWORD_CHARS) {
            throw new IllegalArgumentException(
                    "password longer than " + MAX_PASSWORD_CHARS + " UTF-16 units (RFC 2759 §8.1)");
        }
        return md4(password.toString().getBytes(StandardCharsets.UTF_16LE));
    }

    /**
     * The longest password, in UTF-8 octets, that pppd hashes whole: it holds secrets in
     * MAXSECRETLEN (256) octets, RFC 2759 §8.1's 256 characters counted as octets.
     */
    public static final int MAX_OCTET_WISE_PASSWORD_OCTETS = 256;

    /**
     * The octet-wise NT hash of a password: the NT hash as pppd computes it, and with it the Linux
     * (pppd, NetworkManager-pptp), Android up to 11 and old macOS clients. pppd's chap_ms.c
     * ascii2unicode() widens each octet of its UTF-8 password to 16 bits instead of encoding the
     * characters in UTF-16LE as RFC 2759 §8.3 and Windows do; FreeRADIUS met the same (PR #437).
     * So it is MD4 of the UTF-8 octets each followed by 0x00.
     *
     * <p>Empty where it is the {@linkplain #of NT hash} itself (a password of plain ASCII, which
     * both ways hash alike) and where pppd could not send it (over
     * {@value #MAX_OCTET_WISE_PASSWORD_OCTETS} octets in UTF-8).
     */
    public static Optional<byte[]> octetWiseOf(CharSequence password) {
        byte[] utf8 = password.toString().getBytes(StandardCharsets.UTF_8);
        if (!beyondAscii(password) || utf8.length > MAX_OCTET_WISE_PASSWORD_OCTETS) {
            return Optional.empty();
        }
        return Optional.of(of(new String(utf8, StandardCharsets.ISO_8859_1)));
    }

    /**
     * What the owner is told when a password is {@linkplain #tooLongForPppd too long for pppd}:
     * pppd keeps only its first {@value #MAX_OCTET_WISE_PASSWORD_OCTETS} octets, so no octet-wise
     * hash is kept for it and pppd-based clients' logins fail as a wrong password. A shorter
     * password beyond ASCII needs no word: both hashes are kept and it works from either kind.
     */
    public static final String TOO_LONG_FOR_PPPD_NOTE = "It is longer than 256 bytes in UTF-8 (each character"
            + " beyond plain ASCII, such as ü, é, ж, takes 2 to 4), more than Linux, Android and old macOS clients"
            + " send: their logins fail as a wrong password (error 691); Windows clients log in. Set a shorter"
            + " password if this user connects from those.";

    /**
     * Whether pppd-based clients cannot log in with {@code password} under MS-CHAPv2: beyond ASCII
     * and over {@value #MAX_OCTET_WISE_PASSWORD_OCTETS} octets in UTF-8, so that it has no
     * {@linkplain #octetWiseOf octet-wise hash}.
     */
    public static boolean tooLongForPppd(CharSequence password) {
        return beyondAscii(password)
                && password.toString().getBytes(StandardCharsets.UTF_8).length > MAX_OCTET_WISE_PASSWORD_OCTETS;
    }

    /** Whether {@code password} has characters beyond ASCII, which pppd-based clients send unlike Windows. */
    public static boolean beyondAscii(CharSequence password) {
        return password.chars().anyMatch(c -> c > 0x7F);
    }

    /** HashNtPasswordHash(PasswordHash): MD4 of the 16-octet NT hash, RFC 2759 §8.4. */
    public static byte[] hashOf(byte[] passwordHash) {
        requireLength("password hash", passwordHash, LENGTH);
        return md4(passwordHash);
    }

    private static byte[] md4(byte[] input) {
        MD4Digest md4 = new MD4Digest();
        md4.update(input, 0, input.length);
        byte[] out = new byte[LENGTH];
        md4.doFinal(out, 0);
        return out;
    }

    static void requireLength(String name, byte[] value, int length) {
        if (value == null || value.length != length) {
            throw new IllegalArgumentException(name + " must be " + length + " octets");
        }
    }
}
