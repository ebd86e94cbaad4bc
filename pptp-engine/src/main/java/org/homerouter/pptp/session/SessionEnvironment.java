package org.homerouter.pptp.session;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.RandomSource;
import org.homerouter.pptp.auth.UserDirectory;
import org.homerouter.pptp.tunnel.TunnelDeviceFactory;

/**
 * What sessions share and get from outside: time, randomness, the accounts, the address pool (server
 * side; null on a client) and the way to create tunnel devices.
 */
public record SessionEnvironment(Clock clock, RandomSource random, UserDirectory users, AddressPool pool,
                                 TunnelDeviceFactory devices) {
}
