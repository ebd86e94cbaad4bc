package org.homerouter.webui.api;

import java.util.Set;

/**
 * What the VPN server page edits. Addresses as dotted quads ("" where optional and unset).
 *
 * @param authMethods a subset of mschapv2, chap-md5, pap
 * @param mppe        require-128 | require-any | optional | none
 * @param idleTimeoutMinutes 0: never hang up idle sessions
 */
public record VpnSettings(boolean enabled, String listenAddress, int port, String localAddress, String poolStart,
                          String poolEnd, String dnsPrimary, String dnsSecondary, String winsPrimary,
                          String winsSecondary, Set<String> authMethods, String mppe, int maxSessions,
                          int idleTimeoutMinutes) {
}
