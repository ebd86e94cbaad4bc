package org.homerouter.pptp.session;

import java.net.Inet4Address;
import java.util.Optional;
import java.util.function.Function;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.auth.RandomSource;
import org.homerouter.pptp.auth.UserDirectory;
import org.homerouter.pptp.tunnel.TunnelDeviceFactory;

/**
 * What sessions share and get from outside: time, randomness, the accounts, the address pool (server
 * side; null on a client), each user's static tunnel address if one is configured, the way to
 * create tunnel devices, and the brute-force lockout that logins go through (server side).
 */
public record SessionEnvironment(Clock clock, RandomSource random, UserDirectory users, AddressPool pool,
                                 Function<String, Optional<Inet4Address>> staticAddresses,
                                 TunnelDeviceFactory devices, Optional<AuthFailureLockout> lockout) {

    /** No login lockout. */
    public SessionEnvironment(Clock clock, RandomSource random, UserDirectory users, AddressPool pool,
                              Function<String, Optional<Inet4Address>> staticAddresses, TunnelDeviceFactory devices) {
        this(clock, random, users, pool, staticAddresses, devices, Optional.empty());
    }

    /** No static addresses: everyone gets one from the pool. */
    public SessionEnvironment(Clock clock, RandomSource random, UserDirectory users, AddressPool pool,
                              TunnelDeviceFactory devices) {
        this(clock, random, users, pool, user -> Optional.empty(), devices);
    }

    /** The same, with logins going through {@code l}. */
    public SessionEnvironment withLockout(AuthFailureLockout l) {
        return new SessionEnvironment(clock, random, users, pool, staticAddresses, devices, Optional.of(l));
    }
}
