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
     * What the owner is told when a password has characters beyond ASCII: Windows hashes them as
     * RFC 2759 §8.3 says (UTF-16LE), but pppd, on which the Linux, Android and old macOS clients
     * build, widens each octet of its UTF-8 password to 16 bits (chap_ms.c ascii2unicode), so the
     * two hashes differ and those clients' logins fail as a wrong password. ASCII hashes alike both ways.
     */
    public static final String BEYOND_ASCII_NOTE = "Its characters beyond plain ASCII (such as ü, é, ж) work from"
            + " Windows only: Linux, Android and old macOS clients send them in a way MS-CHAPv2 cannot match, and"
            + " their logins fail as a wrong password (error 691). Set a password of plain ASCII letters, digits and"
            + " signs if this user connects from those.";

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
