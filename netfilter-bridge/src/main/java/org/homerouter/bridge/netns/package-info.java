/**
 * Network namespaces: {@link org.homerouter.bridge.netns.NetworkNamespace} moves a thread into one
 * (setns), {@link org.homerouter.bridge.netns.NamespaceLock} holds a name in one while its holder
 * runs, {@link org.homerouter.bridge.netns.Netns} makes throw-away ones for tests with iproute2.
 */
package org.homerouter.bridge.netns;
