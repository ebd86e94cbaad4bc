package org.homerouter.pptp.tunnel;

/**
 * What the PPP layer hears about tunnels. Called on the control connection's thread: must not
 * block.
 */
public interface TunnelListener {
    void tunnelUp(CallTunnel tunnel);

    void tunnelDown(CallTunnel tunnel, String reason);

    TunnelListener NONE = new TunnelListener() {
        @Override
        public void tunnelUp(CallTunnel tunnel) {
        }

        @Override
        public void tunnelDown(CallTunnel tunnel, String reason) {
        }
    };
}
