package org.homerouter.pptp.ppp.lcp;

import org.homerouter.pptp.auth.AuthMethod;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.homerouter.pptp.ppp.OptionHandler;
import org.homerouter.pptp.ppp.OptionVerdict;

/**
 * Authentication-Protocol (RFC 1661 §6.2). The option names the protocol the sender wants to
 * receive authentication with, so each direction is separate:
 *
 * <ul>
 *   <li>As authenticator we request the first method of our preference list. When the peer Naks
 *       with a method we also allow and have not yet been refused, we switch to it; otherwise we
 *       try the next method of our list. A Reject, or running out of methods, means the peer will
 *       not authenticate in a way we accept: the link fails.
 *   <li>As the authenticating side we acknowledge a method we are willing to use and Nak anything
 *       else with our preferred method (RFC 1994 §3 expects a Nak naming an acceptable algorithm).
 *       With no method configured we reject the option: we never authenticate ourselves.
 * </ul>
 */
public final class AuthenticationProtocolOption implements OptionHandler {
    private final List<AuthMethod> authenticatePeerWith;
    private final List<AuthMethod> authenticateSelfWith;
    private final Consumer<LinkFailure> failure;
    private final EnumSet<AuthMethod> refused = EnumSet.noneOf(AuthMethod.class);
    private AuthMethod requesting;
    private boolean acked;
    /** See {@link #peerWanted()}. */
    private byte[] peerWanted;
    private AuthMethod peerRequested;
    /**
     * The option data of the method the peer last asked for in a Configure-Nak of our request
     * (RFC 1661 §6.2: a Nak names the protocol the peer wants), null before any: kept across
     * renegotiations, so the session can name what the client wanted when it fails.
     */
    private byte[] peerAskedFor;

    /**
     * @param authenticatePeerWith methods we demand from the peer, most preferred first; empty for
     *     no authentication of the peer
     * @param authenticateSelfWith methods we are willing to authenticate ourselves with, most
     *     preferred first; empty to refuse
     * @param failure told when the peer refuses every method we demand
     */
    public AuthenticationProtocolOption(List<AuthMethod> authenticatePeerWith, List<AuthMethod> authenticateSelfWith,
                                        Consumer<LinkFailure> failure) {
        this.authenticatePeerWith = List.copyOf(authenticatePeerWith);
        this.authenticateSelfWith = List.copyOf(authenticateSelfWith);
        this.failure = failure;
        reset();
    }

    @Override
    public int type() {
        return LcpOptionType.AUTHENTICATION_PROTOCOL;
    }

    @Override
    public boolean wellFormed(byte[] data) {
        return data.length >= 2;
    }

    @Override
    public void reset() {
        refused.clear();
        peerWanted = null;
        requesting = authenticatePeerWith.isEmpty() ? null : authenticatePeerWith.getFirst();
        acked = false;
        peerRequested = null;
    }

    @Override
    public byte[] requestValue() {
        return requesting == null ? null : requesting.optionData();
    }

    @Override
    public void acked(byte[] data) {
        acked = true;
    }

    @Override
    public void naked(byte[] data) {
        if (requesting == null) {
            // The peer invites us to demand authentication; we demand what we are configured to.
            return;
        }
        refused.add(requesting);
        peerAskedFor = data.clone();
        Optional<AuthMethod> suggested = AuthMethod.fromOptionData(data);
        if (suggested.isPresent() && authenticatePeerWith.contains(suggested.get()) && !refused.contains(suggested.get())) {
            requesting = suggested.get();
            return;
        }
        requesting = authenticatePeerWith.stream().filter(m -> !refused.contains(m)).findFirst().orElse(null);
        if (requesting == null) {
            failure.accept(LinkFailure.AUTHENTICATION_REFUSED);
        }
    }

    @Override
    public void rejected() {
        if (requesting != null) {
            requesting = null;
            failure.accept(LinkFailure.AUTHENTICATION_REFUSED);
        }
    }

    @Override
    public void peerRequestStarts() {
        peerRequested = null;
    }

    @Override
    public OptionVerdict judge(byte[] data) {
        if (authenticateSelfWith.isEmpty()) {
            return OptionVerdict.reject();
        }
        Optional<AuthMethod> method = AuthMethod.fromOptionData(data);
        if (method.isPresent() && authenticateSelfWith.contains(method.get())) {
            peerRequested = method.get();
            peerWanted = null; // it came round to one we do: nothing to name if the link fails now
            return OptionVerdict.ack();
        }
        peerWanted = data.clone();
        return OptionVerdict.nak(authenticateSelfWith.getFirst().optionData());
    }

    /**
     * The option data of a method the peer asked us to log in with that we cannot (the last we
     * Nak'd), empty if none: a server that then gives up asking for a login, or gives up on LCP,
     * wanted that one, and the owner needs to know which.
     */
    public Optional<byte[]> peerWanted() {
        return Optional.ofNullable(peerWanted).map(byte[]::clone);
    }

    /** The method the peer agreed to authenticate itself with, once our request was acknowledged. */
    public Optional<AuthMethod> peerAuthentication() {
        return acked ? Optional.ofNullable(requesting) : Optional.empty();
    }

    /**
     * The option data of the method the peer asked for instead of ours (its last Configure-Nak),
     * empty if it never named one (it Rejected the option outright, or has not refused).
     */
    public Optional<byte[]> peerAskedFor() {
        return Optional.ofNullable(peerAskedFor).map(byte[]::clone);
    }

    /** The method we agreed to authenticate ourselves with. */
    public Optional<AuthMethod> selfAuthentication() {
        return Optional.ofNullable(peerRequested);
    }
}
