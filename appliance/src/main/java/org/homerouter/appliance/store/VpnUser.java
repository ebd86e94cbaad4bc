package org.homerouter.appliance.store;

import java.util.Optional;

/**
 * A dial-in account as stored: never a plaintext password, only its NT hash, and for a password
 * beyond ASCII also its octet-wise NT hash (what pppd-based clients prove under MS-CHAPv2,
 * {@link org.homerouter.pptp.auth.NtPasswordHash#octetWiseOf}).
 */
public record VpnUser(String name, byte[] ntHash, Optional<byte[]> chapSecret, boolean enabled,
                      Optional<String> staticAddress, Optional<byte[]> octetWiseNtHash) {

    /** An account without an octet-wise NT hash: a password of plain ASCII, or one set before it was kept. */
    public VpnUser(String name, byte[] ntHash, Optional<byte[]> chapSecret, boolean enabled,
                   Optional<String> staticAddress) {
        this(name, ntHash, chapSecret, enabled, staticAddress, Optional.empty());
    }
}
