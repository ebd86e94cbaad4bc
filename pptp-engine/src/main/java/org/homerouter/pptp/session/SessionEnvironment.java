package org.homerouter.pptp.session;

import java.net.Inet4Address;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.auth.RandomSource;
import org.homerouter.pptp.auth.UserDirectory;
import org.homerouter.pptp.tunnel.TunnelDeviceFactory;

/**
 * What sessions share and get from outside: time, randomness, the accounts, the address pool (server
 * side; null on a client), each user's static tunnel address if one is configured, the way to
 * create tunnel devices, the brute-force lockout that logins go through (server side), and the
 * name servers the host itself uses, which a server offers its clients when its settings name none
 * (asked as each session's IPCP starts, so a host whose servers change hands out the current ones),
 * and every static address configured for a user who may log in (asked at each call and each
 * address handed out, so a caching supplier suits: the pool never hands one to anyone else, and a
 * free one leaves room for its user's call, see {@link PppSessions#addressForAnotherCall}).
 *
 * <p>The static addresses may come as any collection, duplicates allowed, that does not change once
 * returned: the sessions only ask it {@code contains} (and count it distinct), so a supplier that
 * caches a {@code Set} (the appliance's) costs no copy per call or per address handed out.
 */
public record SessionEnvironment(Clock clock, RandomSource random, UserDirectory users, AddressPool pool,
                                 Function<String, Optional<Inet4Address>> staticAddresses,
                                 TunnelDeviceFactory devices, Optional<AuthFailureLockout> lockout,
                                 Supplier<List<Inet4Address>> hostNameServers,
                                 Supplier<? extends Collection<Inet4Address>> assignedStaticAddresses) {

    /** No static address known beforehand: a full pool refuses every new call. */
    public SessionEnvironment(Clock clock, RandomSource random, UserDirectory users, AddressPool pool,
                              Function<String, Optional<Inet4Address>> staticAddresses,
                              TunnelDeviceFactory devices, Optional<AuthFailureLockout> lockout,
                              Supplier<List<Inet4Address>> hostNameServers) {
        this(clock, random, users, pool, staticAddresses, devices, lockout, hostNameServers, List::of);
    }

    /** The host's name servers unknown: none offered unless the settings name some. */
    public SessionEnvironment(Clock clock, RandomSource random, UserDirectory users, AddressPool pool,
                              Function<String, Optional<Inet4Address>> staticAddresses,
                              TunnelDeviceFactory devices, Optional<AuthFailureLockout> lockout) {
        this(clock, random, users, pool, staticAddresses, devices, lockout, List::of);
    }

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
        return new SessionEnvironment(clock, random, users, pool, staticAddresses, devices, Optional.of(l),
                hostNameServers, assignedStaticAddresses);
    }

    /** The same, offering {@code servers} (asked at each session's IPCP) where the settings name no DNS server. */
    public SessionEnvironment withHostNameServers(Supplier<List<Inet4Address>> servers) {
        return new SessionEnvironment(clock, random, users, pool, staticAddresses, devices, lockout, servers,
                assignedStaticAddresses);
    }

    /** The same, with {@code addresses} (the static addresses of the users who may log in), kept from other clients. */
    public SessionEnvironment withAssignedStaticAddresses(Supplier<? extends Collection<Inet4Address>> addresses) {
        return new SessionEnvironment(clock, random, users, pool, staticAddresses, devices, lockout, hostNameServers,
                addresses);
    }
}
