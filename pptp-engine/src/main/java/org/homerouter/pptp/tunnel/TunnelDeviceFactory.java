package org.homerouter.pptp.tunnel;

import java.io.IOException;

/** Opens session devices: TUN on Linux, in-memory in tests. */
@FunctionalInterface
public interface TunnelDeviceFactory {
    TunnelDevice open(TunnelConfig config) throws IOException;
}
