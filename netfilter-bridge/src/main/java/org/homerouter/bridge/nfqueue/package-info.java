/**
 * NFQUEUE over raw netlink ({@code NETLINK_NETFILTER}, subsystem {@code nfnetlink_queue}) through
 * FFM, without libnetfilter_queue: bind a queue, copy whole packets to user space, return each
 * one's verdict, optionally with a rewritten payload.
 */
package org.homerouter.bridge.nfqueue;
