/**
 * The data path's event loop: one thread that waits in epoll(7) on the raw GRE socket and the TUN
 * devices together, so a packet and the answer it causes are handled without waking another thread.
 */
package org.homerouter.bridge.io;
