/**
 * The C library calls, struct layouts and errno handling the bridge shares: one place where
 * descriptors and layouts are declared, each citing the header it follows.
 */
package org.homerouter.bridge.ffm;
