/**
 * The service manager's side channel: systemd's notification socket (readiness, watchdog).
 */
package org.homerouter.bridge.systemd;
