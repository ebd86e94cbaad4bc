package org.homerouter.appliance.store;

import java.util.Optional;

/** A dial-in account as stored: never a plaintext password, only its NT hash. */
public record VpnUser(String name, byte[] ntHash, Optional<byte[]> chapSecret, boolean enabled,
                      Optional<String> staticAddress) {
}
