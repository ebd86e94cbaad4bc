/**
 * The Compression Control Protocol (RFC 1962, protocol 0x80FD) as a PPTP link uses it: to
 * negotiate Microsoft Point-to-Point Encryption (RFC 3078 §2, keys per RFC 3079) and to carry its
 * Reset-Request/Reset-Ack exchange. No compression algorithm is offered or accepted.
 *
 * <p>{@link org.homerouter.pptp.ppp.ccp.Ccp} is the entry point; it runs the generic RFC 1661
 * automaton of {@link org.homerouter.pptp.ppp} and reports to a
 * {@link org.homerouter.pptp.ppp.ccp.CcpListener}.
 */
package org.homerouter.pptp.ppp.ccp;
