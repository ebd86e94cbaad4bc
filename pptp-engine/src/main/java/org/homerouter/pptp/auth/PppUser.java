package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * One account allowed to open a PPTP session.
 *
 * <p>The directory keeps the NT password hash (RFC 2759 §8.3), not the password: MS-CHAPv2
 * verification (§8.1, §8.7), MPPE keys (RFC 3079 §3) and PAP verification (by hashing the
 * password the peer sends) need nothing more. Only CHAP-MD5 cannot work from a hash, because its
 * Response is MD5 over the secret itself (RFC 1994 §4.1); an account that should accept CHAP-MD5
 * carries its secret in clear, and every other account should not.
 *
 * @param userName the account's name; a peer may send it in any ASCII case (see {@link UserDirectory})
 * @param ntHash NtPasswordHash(password), 16 octets
 * @param chapMd5Secret the cleartext secret, present only for accounts that may use CHAP-MD5
 * @param enabled false to keep the account but refuse it (MS-CHAPv2 answers E=647)
 * @param previousNtHash the NT hash of the password before its last change, if known: a login
 *     with it fails all the same, but as {@link AuthFailureReason#PREVIOUS_PASSWORD}, a device not
 *     yet given the new password rather than a guess (MS-CHAPv2 and PAP; CHAP-MD5 cannot tell)
 * @param octetWiseNtHash the {@linkplain NtPasswordHash#octetWiseOf octet-wise NT hash} of the
 *     password, present only where it differs from {@code ntHash} (characters beyond ASCII): what
 *     pppd-based clients prove under MS-CHAPv2, accepted as well as the NT hash that Windows proves
 */
public record PppUser(String userName, byte[] ntHash, Optional<byte[]> chapMd5Secret, boolean enabled,
                      Optional<byte[]> previousNtHash, Optional<byte[]> octetWiseNtHash) {

    public PppUser {
        if (userName == null || userName.isEmpty()) {
            throw new IllegalArgumentException("user name must not be empty");
        }
        NtPasswordHash.requireLength("NT hash", ntHash, NtPasswordHash.LENGTH);
        ntHash = ntHash.clone();
        chapMd5Secret = chapMd5Secret.map(byte[]::clone);
        previousNtHash.ifPresent(h -> NtPasswordHash.requireLength("previous NT hash", h, NtPasswordHash.LENGTH));
        previousNtHash = previousNtHash.map(byte[]::clone);
        octetWiseNtHash.ifPresent(h -> NtPasswordHash.requireLength("octet-wise NT hash", h, NtPasswordHash.LENGTH));
        octetWiseNtHash = octetWiseNtHash.map(byte[]::clone);
    }

    /** An account whose previous password is not known, its password's octet-wise NT hash neither. */
    public PppUser(String userName, byte[] ntHash, Optional<byte[]> chapMd5Secret, boolean enabled) {
        this(userName, ntHash, chapMd5Secret, enabled, Optional.empty(), Optional.empty());
    }

    /**
     * An enabled account that stores only the NT hashes of {@code password}, its own and its
     * octet-wise one (PAP and MS-CHAPv2).
     */
    public static PppUser withPassword(String userName, CharSequence password) {
        return new PppUser(userName, NtPasswordHash.of(password), Optional.empty(), true, Optional.empty(),
                NtPasswordHash.octetWiseOf(password));
    }

    /**
     * An enabled account that also keeps the password in clear, UTF-8 encoded, so that CHAP-MD5
     * can verify it.
     */
    public static PppUser withCleartextPassword(String userName, String password) {
        return new PppUser(userName, NtPasswordHash.of(password),
                Optional.of(password.getBytes(StandardCharsets.UTF_8)), true, Optional.empty(),
                NtPasswordHash.octetWiseOf(password));
    }

    /** The same account, enabled or disabled. */
    public PppUser withEnabled(boolean on) {
        return new PppUser(userName, ntHash, chapMd5Secret, on, previousNtHash, octetWiseNtHash);
    }

    /** The same account, its password before the last change known by its NT hash. */
    public PppUser withPreviousNtHash(byte[] hash) {
        return new PppUser(userName, ntHash, chapMd5Secret, enabled, Optional.of(hash), octetWiseNtHash);
    }

    /** The same account, its password's octet-wise NT hash known, or not ({@code null}). */
    public PppUser withOctetWiseNtHash(byte[] hash) {
        return new PppUser(userName, ntHash, chapMd5Secret, enabled, previousNtHash, Optional.ofNullable(hash));
    }

    @Override
    public Optional<byte[]> previousNtHash() {
        return previousNtHash.map(byte[]::clone);
    }

    @Override
    public Optional<byte[]> octetWiseNtHash() {
        return octetWiseNtHash.map(byte[]::clone);
    }

    @Override
    public byte[] ntHash() {
        return ntHash.clone();
    }

    @Override
    public Optional<byte[]> chapMd5Secret() {
        return chapMd5Secret.map(byte[]::clone);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PppUser u && userName.equals(u.userName) && enabled == u.enabled
                && Arrays.equals(ntHash, u.ntHash)
                && chapMd5Secret.isPresent() == u.chapMd5Secret.isPresent()
                && (chapMd5Secret.isEmpty() || Arrays.equals(chapMd5Secret.get(), u.chapMd5Secret.get()));
    }

    @Override
    public int hashCode() {
        return userName.hashCode() * 31 + Arrays.hashCode(ntHash);
    }

    /** Never prints the hash or the secret: both are password equivalents. */
    @Override
    public String toString() {
        return "PppUser[" + userName + (enabled ? "" : ", disabled")
                + (chapMd5Secret.isPresent() ? ", chap-md5" : "") + "]";
    }
}
