/**
 * The PPTP passthrough ALG on Linux: control segments (TCP 1723, forwarded) reach the engine's
 * {@link org.homerouter.pptp.alg.PptpAlg} through NFQUEUE and go back rewritten; each connected
 * call's GRE is NATed by per-call nftables rules, so GRE data never leaves the kernel.
 */
package org.homerouter.bridge.alg;
