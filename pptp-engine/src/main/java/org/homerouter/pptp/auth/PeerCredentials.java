package org.homerouter.pptp.auth;

import java.util.Arrays;

/**
 * The name and secret our own client authenticates with: the password, or only its NT hash.
 *
 * <p>MS-CHAPv2's peer side needs nothing but the NT password hash (RFC 2759 §8.1 GenerateNTResponse
 * and §8.7 GenerateAuthenticatorResponse start from PasswordHash; RFC 3079's MPPE keys from its
 * hash), so a router that dials out stores the hash and never the password. PAP and CHAP-MD5 need
 * the password itself and refuse credentials made from a hash.
 *
 * @param userName sent as PAP Peer-ID or CHAP Name, UTF-8; may be DOMAIN&#92;user
 * @param password sent in clear by PAP (UTF-8), used as CHAP-MD5 secret (UTF-8) and hashed by
 *     MS-CHAPv2 (UTF-16LE, RFC 2759 §8.3); null when only the hash is known
 * @param ntHash   the 16-octet NT password hash (RFC 2759 §8.3 NtPasswordHash)
 */
public record PeerCredentials(String userName, String password, byte[] ntHash) {

    public PeerCredentials {
        if (userName == null || userName.isEmpty() || password == null && ntHash == null) {
            throw new IllegalArgumentException("user name must be non-empty and a password or NT hash given");
        }
        if (ntHash == null) {
            ntHash = NtPasswordHash.of(password);
        } else if (ntHash.length != NtPasswordHash.LENGTH) {
            throw new IllegalArgumentException("an NT hash has " + NtPasswordHash.LENGTH + " octets, not " + ntHash.length);
        } else {
            ntHash = ntHash.clone();
        }
    }

    public PeerCredentials(String userName, String password) {
        this(userName, password, null);
    }

    /** Credentials for MS-CHAPv2 only: the password itself is not known. */
    public static PeerCredentials ofNtHash(String userName, byte[] ntHash) {
        if (ntHash == null) {
            throw new IllegalArgumentException("NT hash missing");
        }
        return new PeerCredentials(userName, null, ntHash);
    }

    @Override
    public byte[] ntHash() {
        return ntHash.clone();
    }

    /** The password, for PAP and CHAP-MD5; fails when only the hash is known. */
    String requirePassword(AuthMethod method) {
        if (password == null) {
            throw new IllegalArgumentException(method + " needs the password itself; only its NT hash is stored "
                    + "(allow MS-CHAPv2)");
        }
        return password;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerCredentials c && userName.equals(c.userName)
                && java.util.Objects.equals(password, c.password) && Arrays.equals(ntHash, c.ntHash);
    }

    @Override
    public int hashCode() {
        return userName.hashCode();
    }

    /** Never prints the password or hash. */
    @Override
    public String toString() {
        return "PeerCredentials[" + userName + "]";
    }
}
