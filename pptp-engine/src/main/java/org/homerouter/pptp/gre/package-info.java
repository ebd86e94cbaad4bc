/**
 * Enhanced GRE for PPTP (RFC 2637 §4): the wire header ({@link org.homerouter.pptp.gre.GreHeader},
 * {@link org.homerouter.pptp.gre.GreCodec}), the per-call data channel with sequencing, reordering
 * and acknowledgements ({@link org.homerouter.pptp.gre.GreChannel}), the demultiplexer that routes
 * received packets to channels by Call ID ({@link org.homerouter.pptp.gre.GreDemux}), and the
 * transport seam that the Linux raw socket and {@link org.homerouter.pptp.gre.InMemoryGreNetwork}
 * implement.
 *
 * <p>The data path works on {@link java.nio.ByteBuffer}s and avoids per-packet allocation in the
 * steady state: no boxing, no {@code Optional}, no per-packet slices.
 */
package org.homerouter.pptp.gre;
