package org.homerouter.pptp.tunnel;

import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.gre.GreChannel;

/** An established call and the GRE channel that carries its PPP frames. */
public record CallTunnel(PptpCall call, GreChannel channel) {
}
