package org.homerouter.pptp.ppp.lcp;

import org.homerouter.pptp.ppp.OptionHandler;
import org.homerouter.pptp.ppp.OptionVerdict;

/**
 * Maximum-Receive-Unit (RFC 1661 §6.1). We ask for a smaller MRU than the default 1500 because
 * PPTP wraps every frame in IP and GRE headers (1400 is what Windows itself asks for), and we
 * honour whatever the peer asks for itself down to a floor (a session's is 576, see
 * LcpSettings#SESSION_MINIMUM_MRU; pppd's PPP_MINMRU is 128), below which we Nak with the floor,
 * as pppd's lcp_reqci does.
 */
public final class MruOption implements OptionHandler {
    /** The MRU every implementation must accept (§6.1). */
    public static final int DEFAULT_MRU = 1500;

    private final int desired;
    private final int minimumPeerMru;
    private int requested;
    private boolean requesting;
    private boolean acked;
    private int peerMru;

    /**
     * @param desired the MRU to ask the peer to respect; 1500 means "do not ask"
     * @param minimumPeerMru the smallest MRU we accept from the peer
     */
    public MruOption(int desired, int minimumPeerMru) {
        if (desired < minimumPeerMru || desired > 0xFFFF || minimumPeerMru < 1) {
            throw new IllegalArgumentException("need 1 <= minimumPeerMru <= desired <= 65535");
        }
        this.desired = desired;
        this.minimumPeerMru = minimumPeerMru;
        reset();
    }

    @Override
    public int type() {
        return LcpOptionType.MRU;
    }

    @Override
    public boolean wellFormed(byte[] data) {
        return data.length == 2;
    }

    @Override
    public void reset() {
        requested = desired;
        // §5.1: options SHOULD NOT be requested with their default values.
        requesting = desired != DEFAULT_MRU;
        acked = false;
        peerMru = 0;
    }

    @Override
    public byte[] requestValue() {
        return requesting ? u16(requested) : null;
    }

    @Override
    public void acked(byte[] data) {
        acked = true;
    }

    @Override
    public void naked(byte[] data) {
        // The peer suggests another MRU for us. Anything from our floor up to the default is
        // receivable; a larger value is no better than the default, so we stop asking.
        int suggested = u16(data);
        if (suggested >= minimumPeerMru && suggested < DEFAULT_MRU) {
            requested = suggested;
            requesting = true;
        } else {
            requesting = false;
        }
    }

    @Override
    public void rejected() {
        requesting = false;
    }

    @Override
    public void peerRequestStarts() {
        peerMru = 0;
    }

    @Override
    public OptionVerdict judge(byte[] data) {
        int mru = u16(data);
        if (mru < minimumPeerMru) {
            return OptionVerdict.nak(u16(minimumPeerMru));
        }
        peerMru = mru;
        return OptionVerdict.ack();
    }

    /** The largest frame the peer will send us: ours if it acknowledged it, else the default. */
    public int receiveMru() {
        return requesting && acked ? requested : DEFAULT_MRU;
    }

    /** The largest frame we may send: the peer's MRU if it asked for one, else the default. */
    public int transmitMru() {
        return peerMru != 0 ? peerMru : DEFAULT_MRU;
    }

    private static byte[] u16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    private static int u16(byte[] data) {
        return (data[0] & 0xFF) << 8 | data[1] & 0xFF;
    }
}
