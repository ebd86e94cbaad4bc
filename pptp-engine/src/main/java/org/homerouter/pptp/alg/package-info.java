/**
 * The PPTP passthrough ALG's tracking logic, pure Java: it follows PPTP control connections
 * that LAN clients (PNS) open to outside servers (PAC), gives every PNS call ID a NAT call ID
 * that is unique per (public address, server), rewrites the call IDs in the control stream in
 * both directions, and publishes one {@link org.homerouter.pptp.alg.GreMapping} per connected
 * call so that the data plane can NAT the call's GRE in the kernel.
 *
 * <p>The reference is Linux's {@code nf_conntrack_pptp.c} / {@code nf_nat_pptp.c}; unlike the
 * kernel (NAT call ID = NATed TCP source port, one call per control connection) NAT call IDs
 * come from a per-server pool, as NetBSD's NPF ALG does, and a control connection may carry
 * several calls.
 */
package org.homerouter.pptp.alg;
