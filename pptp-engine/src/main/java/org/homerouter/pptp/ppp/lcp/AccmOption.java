package org.homerouter.pptp.ppp.lcp;

import org.homerouter.pptp.ppp.OptionHandler;
import org.homerouter.pptp.ppp.OptionVerdict;

/**
 * Async-Control-Character-Map (RFC 1662 §7.1). It only matters on asynchronous HDLC links; PPTP
 * carries PPP frames unescaped in GRE, so the map is meaningless here. Some clients still send it
 * (pppd as a PPTP client asks for 0), so we acknowledge any well-formed value and never ask for one.
 */
public final class AccmOption implements OptionHandler {

    @Override
    public int type() {
        return LcpOptionType.ACCM;
    }

    @Override
    public boolean wellFormed(byte[] data) {
        return data.length == 4;
    }

    @Override
    public void reset() {
    }

    @Override
    public byte[] requestValue() {
        return null;
    }

    @Override
    public void acked(byte[] data) {
    }

    @Override
    public void naked(byte[] data) {
        // A Nak asking us to request a map: nothing to gain on a synchronous link, ignore it.
    }

    @Override
    public void rejected() {
    }

    @Override
    public void peerRequestStarts() {
    }

    @Override
    public OptionVerdict judge(byte[] data) {
        return OptionVerdict.ack();
    }
}
