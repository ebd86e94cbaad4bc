/**
 * {@link org.homerouter.pptp.tunnel.TunnelDevice} as Linux TUN interfaces (one per PPP session,
 * like pppd's pppN), configured by ioctl and read by one shared epoll thread.
 */
package org.homerouter.bridge.tun;
