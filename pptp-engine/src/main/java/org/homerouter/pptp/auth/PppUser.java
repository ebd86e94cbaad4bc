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
 */
public record PppUser(String userName, byte[] ntHash, Optional<byte[]> chapMd5Secret, boolean enabled,
                      Optional<byte[]> previousNtHash) {

    public PppUser {
        if (userName == null || userName.isEmpty()) {
            throw new IllegalArgumentException("user name must not be empty");
        }
        NtPasswordHash.requireLength("NT hash", ntHash, NtPasswordHash.LENGTH);
        ntHash = ntHash.clone();
        chapMd5Secret = chapMd5Secret.map(byte[]::clone);
        previousNtHash.ifPresent(h -> NtPasswordHash.requireLength("previous NT hash", h, NtPasswordHash.LENGTH));
        previousNtHash = previousNtHash.map(byte[]::clone);
    }

    /** An account whose previous password is not known. */
    public PppUser(String userName, byte[] ntHash, Optional<byte[]> chapMd5Secret, boolean enabled) {
        this(userName, ntHash, chapMd5Secret, enabled, Optional.empty());
    }

    /** An enabled account that stores only the NT hash of {@code password} (PAP and MS-CHAPv2). */
    public static PppUser withPassword(String userName, CharSequence password) {
        return new PppUser(userName, NtPasswordHash.of(password), Optional.empty(), true);
    }

    /**
     * An enabled account that also keeps the password in clear, UTF-8 encoded, so that CHAP-MD5
     * can verify it.
     */
    public static PppUser withCleartextPassword(String userName, String password) {
        return new PppUser(userName, NtPasswordHash.of(password),
                Optional.of(password.getBytes(StandardCharsets.UTF_8)), true);
    }

    /** The same account, enabled or disabled. */
    public PppUser withEnabled(boolean on) {
        return new PppUser(userName, ntHash, chapMd5Secret, on, previousNtHash);
    }

    /** The same account, its password before the last change known by its NT hash. */
    public PppUser withPreviousNtHash(byte[] hash) {
        return new PppUser(userName, ntHash, chapMd5Secret, enabled, Optional.of(hash));
    }

    @Override
    public Optional<byte[]> previousNtHash() {
        return previousNtHash.map(byte[]::clone);
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
