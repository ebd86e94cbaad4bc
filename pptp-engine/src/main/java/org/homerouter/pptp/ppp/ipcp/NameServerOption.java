package org.homerouter.pptp.ppp.ipcp;

import java.net.Inet4Address;
import java.util.Optional;
import org.homerouter.pptp.ppp.OptionHandler;
import org.homerouter.pptp.ppp.OptionVerdict;

/**
 * One of the four name server options of RFC 1877 (primary/secondary DNS, primary/secondary NBNS),
 * which all work alike: the side that wants to learn the address requests the option with 0.0.0.0
 * and the other side Naks it with the address to use (RFC 1877 §1).
 *
 * <p>As the providing side we Nak any other value with the configured address and reject the
 * option when none is configured, so the peer stops asking. As the learning side we take the Nak'd
 * address into our next request and stop asking if the peer rejects the option (or Naks it with
 * 0.0.0.0, meaning the same).
 */
public final class NameServerOption implements OptionHandler {
    private final int type;
    private final Inet4Address provided;
    private final boolean learn;
    private Inet4Address requesting;
    private boolean sending;
    private boolean acked;
    private boolean peerAgreed;

    /**
     * @param type one of the RFC 1877 types (129..132)
     * @param provided the address to give the peer, or null to refuse the option
     * @param learn whether to ask the peer for this address
     */
    public NameServerOption(int type, Inet4Address provided, boolean learn) {
        if (type < IpcpOptionType.PRIMARY_DNS || type > IpcpOptionType.SECONDARY_NBNS) {
            throw new IllegalArgumentException("not an RFC 1877 option type: " + type);
        }
        this.type = type;
        this.provided = provided;
        this.learn = learn;
        reset();
    }

    @Override
    public int type() {
        return type;
    }

    @Override
    public boolean wellFormed(byte[] data) {
        return data.length == 4;
    }

    @Override
    public void reset() {
        requesting = Ipv4Octets.UNSPECIFIED;
        sending = learn;
        acked = false;
        peerAgreed = false;
    }

    @Override
    public byte[] requestValue() {
        return sending ? requesting.getAddress() : null;
    }

    @Override
    public void acked(byte[] data) {
        acked = true;
    }

    @Override
    public void naked(byte[] data) {
        Inet4Address suggested = Ipv4Octets.of(data);
        if (sending && !Ipv4Octets.isUnspecified(suggested)) {
            requesting = suggested;
        } else if (sending) {
            // A Nak with 0.0.0.0: a server with no address to give, which RFC 1877 §1 has reject
            // the option instead. Taken as that: asked again, it Naks again, request and Nak
            // bounced at the speed of the network until the link's setup timed out.
            sending = false;
        }
    }

    @Override
    public void rejected() {
        sending = false;
    }

    @Override
    public void peerRequestStarts() {
        peerAgreed = false;
    }

    @Override
    public OptionVerdict judge(byte[] data) {
        if (provided == null) {
            return OptionVerdict.reject();
        }
        if (Ipv4Octets.of(data).equals(provided)) {
            peerAgreed = true;
            return OptionVerdict.ack();
        }
        return OptionVerdict.nak(provided.getAddress());
    }

    /**
     * The agreed address: what we learned from the peer, or what the peer accepted from us.
     */
    public Optional<Inet4Address> agreed() {
        if (sending && acked && !Ipv4Octets.isUnspecified(requesting)) {
            return Optional.of(requesting);
        }
        return peerAgreed ? Optional.of(provided) : Optional.empty();
    }
}
