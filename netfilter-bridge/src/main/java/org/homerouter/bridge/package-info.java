/**
 * The engine's Linux side, through Java 25's FFM API only (no JNI, no native library of our own):
 * {@link org.homerouter.bridge.DataPlaneProbe} says whether this process may use it; the
 * sub-packages hold the C calls ({@code ffm}), the raw GRE transport ({@code gre}), TUN session
 * devices ({@code tun}) and network namespaces ({@code netns}).
 */
package org.homerouter.bridge;
