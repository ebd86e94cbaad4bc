package org.homerouter.pptp.ppp.lcp;

import org.homerouter.pptp.ppp.OptionHandler;
import org.homerouter.pptp.ppp.OptionVerdict;

/**
 * An option without data whose presence in a Configure-Request says "I can receive frames in this
 * form" (RFC 1661 §6.5, §6.6). Acknowledging the peer's request lets us send that way; the peer
 * acknowledging ours means it will send to us that way.
 */
public abstract sealed class FlagOption implements OptionHandler
        permits ProtocolFieldCompressionOption, AddressControlFieldCompressionOption {
    private final boolean wanted;
    private boolean requesting;
    private boolean acked;
    private boolean peerRequested;

    protected FlagOption(boolean wanted) {
        this.wanted = wanted;
        this.requesting = wanted;
    }

    @Override
    public boolean wellFormed(byte[] data) {
        return data.length == 0;
    }

    @Override
    public void reset() {
        requesting = wanted;
        acked = false;
        peerRequested = false;
    }

    @Override
    public byte[] requestValue() {
        return requesting ? new byte[0] : null;
    }

    @Override
    public void acked(byte[] data) {
        acked = true;
    }

    @Override
    public void naked(byte[] data) {
        // A flag has no other value to suggest; a Nak of it can only mean "not like that". When we
        // were not asking, the peer is inviting us to: accept only if configured to want it.
        requesting = !requesting && wanted;
    }

    @Override
    public void rejected() {
        requesting = false;
    }

    @Override
    public void peerRequestStarts() {
        peerRequested = false;
    }

    @Override
    public OptionVerdict judge(byte[] data) {
        peerRequested = true;
        return OptionVerdict.ack();
    }

    /** The peer agreed to send us compressed frames. */
    public boolean receiveCompressed() {
        return requesting && acked;
    }

    /** We agreed the peer can receive compressed frames, so we may send them. */
    public boolean transmitCompressed() {
        return peerRequested;
    }
}
