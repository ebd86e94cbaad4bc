package org.homerouter.pptp.auth;

/**
 * The name and password our own client authenticates with.
 *
 * @param userName sent as PAP Peer-ID or CHAP Name, UTF-8; may be DOMAIN&#92;user
 * @param password sent in clear by PAP (UTF-8), used as CHAP-MD5 secret (UTF-8) and hashed by
 *     MS-CHAPv2 (UTF-16LE, RFC 2759 §8.3)
 */
public record PeerCredentials(String userName, String password) {

    public PeerCredentials {
        if (userName == null || userName.isEmpty() || password == null) {
            throw new IllegalArgumentException("user name must be non-empty and password non-null");
        }
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "PeerCredentials[" + userName + "]";
    }
}
