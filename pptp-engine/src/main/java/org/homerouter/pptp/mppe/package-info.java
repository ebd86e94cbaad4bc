/**
 * Microsoft Point-to-Point Encryption: key derivation from MS-CHAPv2 (RFC 3079), the CCP option and
 * its negotiation (RFC 3078 §2), and the per-direction RC4 packet transforms (RFC 3078 §3-§8).
 *
 * <p>Everything here is pure computation: no I/O, no clocks, no threads. An encryptor or decryptor
 * belongs to one direction of one link and is not thread-safe.
 */
package org.homerouter.pptp.mppe;
