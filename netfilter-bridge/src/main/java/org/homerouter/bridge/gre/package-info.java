/**
 * {@link org.homerouter.pptp.gre.GreTransport} over a raw IPPROTO_GRE socket: the kernel does IP,
 * the engine does enhanced GRE (RFC 2637 §4).
 */
package org.homerouter.bridge.gre;
